package io.mailrelay.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

/**
 * Stands in for the kubelet (and the Deployment controller) of a real cluster, for tests and the local
 * demo: for every relay Deployment the operator creates, it runs the relay as a process on loopback with
 * the configuration and Secrets the pod would mount, restarts it when the pod template changes (a
 * rollout), reports the Deployment available, and tells the operator where the relay listens (the
 * {@code mailrelay.io/probe-address} annotation, honoured only by an operator started with
 * {@code mailrelay.probe.address-override=true}).
 *
 * <p>Every next hop (local domains' targets, smarthost) is pointed at one loopback sink, so nothing ever
 * leaves the machine. {@link #simulateSnat(boolean)} makes the relays see every client as allow-listed, the
 * classic way a load balancer turns a relay into an open one.
 */
public final class LocalKubelet implements AutoCloseable {

    public static final String PROBE_ADDRESS_ANNOTATION = "mailrelay.io/probe-address";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final KubernetesClient client;
    private final String namespace;
    private final String nextHop;
    private final Path root;
    private final Map<String, RunningRelay> relays = new ConcurrentHashMap<>();
    private volatile boolean simulateSnat;
    private boolean closed;
    private SharedIndexInformer<Deployment> informer;

    private record RunningRelay(String templateHash, AppProcess process, int smtpPort, int httpPort) {
    }

    /** @param nextHop host:port every relay delivers to (e.g. an {@link SmtpSink}) */
    public LocalKubelet(KubernetesClient client, String namespace, String nextHop) {
        this.client = client;
        this.namespace = namespace;
        this.nextHop = nextHop;
        try {
            this.root = Files.createTempDirectory("local-kubelet");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public LocalKubelet simulateSnat(boolean on) {
        this.simulateSnat = on;
        return this;
    }

    public LocalKubelet start() {
        informer = client.apps().deployments().inNamespace(namespace).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Deployment deployment) {
                sync(deployment);
            }

            @Override
            public void onUpdate(Deployment before, Deployment after) {
                sync(after);
            }

            @Override
            public void onDelete(Deployment deployment, boolean unknownFinalState) {
                stop(deployment.getMetadata().getName());
            }
        });
        return this;
    }

    /** Restarts every relay (as a rollout would), e.g. after {@link #simulateSnat(boolean)} changed. */
    public void restartAll() {
        relays.keySet().forEach(name -> {
            Deployment deployment = client.apps().deployments().inNamespace(namespace).withName(name).get();
            if (deployment != null) {
                sync(deployment, true);
            }
        });
    }

    public int smtpPort(String name) {
        return Objects.requireNonNull(relays.get(name), "no relay running for " + name).smtpPort();
    }

    public AppProcess process(String name) {
        return Objects.requireNonNull(relays.get(name), "no relay running for " + name).process();
    }

    private void sync(Deployment deployment) {
        sync(deployment, false);
    }

    /**
     * Rolls like a Deployment with surge: the new relay starts and is announced before the old one stops,
     * and the old one gets a moment (what preStop gives a real pod) for probes and clients already on it.
     */
    private synchronized void sync(Deployment deployment, boolean force) {
        String name = deployment.getMetadata().getName();
        if (closed) {
            return; // an event that arrived while closing must not start a relay nobody will stop
        }
        if (deployment.getMetadata().getOwnerReferences().stream().noneMatch(o -> "MailRelay".equals(o.getKind()))) {
            return;
        }
        String hash = templateHash(deployment.getSpec().getTemplate()) + (simulateSnat ? "+snat" : "");
        RunningRelay old = relays.get(name);
        if (!force && old != null && old.templateHash().equals(hash) && old.process().isAlive()) {
            return;
        }
        RunningRelay started = run(name, deployment.getSpec().getTemplate(), hash);
        relays.put(name, started);
        annotateProbeAddress(deployment, "127.0.0.1:" + started.smtpPort());
        reportAvailable(deployment);
        if (old != null) {
            FreePort.sleep(2000);
            old.process().close();
        }
    }

    private RunningRelay run(String name, PodTemplateSpec template, String hash) {
        try {
            Path pod = Files.createDirectories(root.resolve(name));
            // each process its own spool, like each pod its own emptyDir: the old one drains on SIGTERM
            Path spool = Files.createDirectories(pod.resolve("spool-" + System.nanoTime()));
            Map<String, Path> mounts = materializeVolumes(template, pod.resolve("mounts-" + System.nanoTime()));
            Path configFile = mounts.entrySet().stream()
                    .map(e -> e.getValue().resolve("relay.yaml")).filter(Files::exists).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no relay.yaml in the pod template of " + name));
            int smtpPort = FreePort.pick();
            int httpPort = FreePort.pick();
            Path localConfig = pod.resolve("relay-local.yaml");
            Files.writeString(localConfig, localize(Files.readString(configFile), mounts, smtpPort, spool));
            AppProcess process = AppProcess.builder("relay-" + name)
                    .property("quarkus.http.port", String.valueOf(httpPort))
                    .args("relay", "--config", localConfig.toString(), "--grace-period", "5s")
                    .start();
            try {
                FreePort.awaitListening("127.0.0.1", smtpPort, Duration.ofSeconds(90), null);
            } catch (RuntimeException | Error notListening) {
                process.close();
                throw notListening;
            }
            return new RunningRelay(hash, process, smtpPort, httpPort);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes each ConfigMap/Secret volume of the template where its mount path would be. */
    private Map<String, Path> materializeVolumes(PodTemplateSpec template, Path base) throws IOException {
        Map<String, Path> byMountPath = new ConcurrentHashMap<>();
        List<VolumeMount> mounts = template.getSpec().getContainers().get(0).getVolumeMounts();
        for (VolumeMount mount : mounts) {
            Volume volume = template.getSpec().getVolumes().stream()
                    .filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
            Map<String, byte[]> files = volumeFiles(volume);
            if (files == null) {
                continue;
            }
            Path dir = Files.createDirectories(base.resolve(mount.getMountPath().replaceFirst("^/", "")));
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                Files.write(dir.resolve(file.getKey()), file.getValue());
            }
            byMountPath.put(mount.getMountPath(), dir);
        }
        return byMountPath;
    }

    private Map<String, byte[]> volumeFiles(Volume volume) {
        Map<String, byte[]> files = new ConcurrentHashMap<>();
        if (volume.getConfigMap() != null) {
            ConfigMap map = client.configMaps().inNamespace(namespace).withName(volume.getConfigMap().getName()).get();
            Objects.requireNonNull(map, "ConfigMap " + volume.getConfigMap().getName());
            map.getData().forEach((k, v) -> files.put(k, v.getBytes(StandardCharsets.UTF_8)));
            return files;
        }
        if (volume.getSecret() != null) {
            Secret secret = client.secrets().inNamespace(namespace).withName(volume.getSecret().getSecretName()).get();
            Objects.requireNonNull(secret, "Secret " + volume.getSecret().getSecretName());
            if (secret.getData() != null) {
                secret.getData().forEach((k, v) -> files.put(k, Base64.getDecoder().decode(v)));
            }
            if (secret.getStringData() != null) {
                secret.getStringData().forEach((k, v) -> files.put(k, v.getBytes(StandardCharsets.UTF_8)));
            }
            return files;
        }
        return null;
    }

    /** The pod's relay.yaml, made to run on this machine: loopback, own port and spool, local next hop. */
    private String localize(String yaml, Map<String, Path> mounts, int smtpPort, Path spool) throws IOException {
        for (Map.Entry<String, Path> mount : mounts.entrySet()) {
            yaml = yaml.replace(mount.getKey() + "/", mount.getValue() + "/");
        }
        ObjectNode config = (ObjectNode) YAML.readTree(yaml);
        ObjectNode server = config.withObject("server");
        server.put("listenAddress", "127.0.0.1");
        server.put("port", smtpPort);
        config.withObject("spool").put("directory", spool.toString());
        JsonNode domains = config.get("localDomains");
        if (domains instanceof ArrayNode list) {
            list.forEach(domain -> ((ObjectNode) domain).put("deliverTo", nextHop));
        }
        ObjectNode outbound = config.withObject("outbound");
        String[] hop = nextHop.split(":");
        ObjectNode smarthost = outbound.withObject("smarthost");
        outbound.put("mode", "smarthost");
        smarthost.put("host", hop[0]);
        smarthost.put("port", Integer.parseInt(hop[1]));
        smarthost.put("tls", "none");
        smarthost.remove(List.of("usernameFile", "passwordFile", "trustedCaFile"));
        if (simulateSnat) {
            // a load balancer that SNATs: every client arrives from an address the relay trusts
            ArrayNode allowed = config.withArray("allowedNetworks");
            allowed.add("127.0.0.0/8");
        }
        return YAML.writeValueAsString(config);
    }

    private void reportAvailable(Deployment deployment) {
        int replicas = Objects.requireNonNullElse(deployment.getSpec().getReplicas(), 1);
        DeploymentStatus status = new DeploymentStatusBuilder()
                .withObservedGeneration(deployment.getMetadata().getGeneration())
                .withReplicas(replicas).withReadyReplicas(replicas).withAvailableReplicas(replicas)
                .withUpdatedReplicas(replicas)
                .withConditions(new DeploymentConditionBuilder().withType("Available").withStatus("True")
                        .withReason("MinimumReplicasAvailable").withMessage("relay process running on loopback")
                        .build())
                .build();
        // merge patch of the status subresource: no resourceVersion, no conflict with the operator's applies
        client.apps().deployments().inNamespace(namespace).withName(deployment.getMetadata().getName())
                .subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE),
                        io.fabric8.kubernetes.client.utils.Serialization.asJson(Map.of("status", status)));
    }

    private void annotateProbeAddress(Deployment deployment, String address) {
        String relayName = deployment.getMetadata().getOwnerReferences().stream()
                .filter(o -> "MailRelay".equals(o.getKind())).findFirst().orElseThrow().getName();
        // a merge patch without resourceVersion: never conflicts with the operator's status updates
        client.genericKubernetesResources("mailrelay.io/v1alpha1", "MailRelay").inNamespace(namespace)
                .withName(relayName).patch(PatchContext.of(PatchType.JSON_MERGE),
                        "{\"metadata\":{\"annotations\":{\"" + PROBE_ADDRESS_ANNOTATION + "\":\"" + address + "\"}}}");
    }

    private static String templateHash(PodTemplateSpec template) {
        return Integer.toHexString(template.hashCode());
    }

    private void stop(String name) {
        RunningRelay running = relays.remove(name);
        if (running != null) {
            running.process().close();
        }
    }

    /** Stops every relay; waits for a rollout in progress, so none is started after this returns. */
    @Override
    public synchronized void close() {
        closed = true;
        if (informer != null) {
            informer.close();
        }
        relays.keySet().forEach(this::stop);
    }
}
