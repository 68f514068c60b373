package io.mailrelay.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatusBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * Stands in for the kubelet, the StatefulSet and Deployment controllers and the volume provisioner of a real
 * cluster, for tests and the local demo. For every relay StatefulSet or Deployment the operator creates, it
 * runs each pod as a relay process on loopback with the configuration and Secrets the pod would mount, and
 * reports the workload's status as the controllers would. Like them:
 * <ul>
 * <li>a StatefulSet's pods are {@code <name>-0..n-1}; each volume claim template becomes a claim
 * {@code <template>-<name>-<ordinal>}, created and bound here to a directory that outlives the pod, so pod
 * {@code <name>-0} gets the same spool back after a restart or roll (and after a scale-down and up);</li>
 * <li>a StatefulSet with {@code updateStrategy RollingUpdate} rolls one pod at a time, highest ordinal first,
 * each stopped before its replacement starts; with {@code OnDelete} a new template waits for a pod to go;</li>
 * <li>a Deployment rolls with surge: the new pod is up before an old one stops; its spool is an emptyDir, a
 * fresh directory per pod;</li>
 * <li>a Secret that changes is written again into the running pods that mount it, as the kubelet does;</li>
 * <li>a pod stops like the kubelet stops it: out of the endpoints at once, the preStop sleep, SIGTERM, and
 * SIGKILL once the pod's {@code terminationGracePeriodSeconds} (counted from the start) are over. The relay
 * gets the container's own arguments ({@code --grace-period} as the operator rendered it).</li>
 * </ul>
 * It tells the operator where the first ready pod listens (the {@code mailrelay.io/probe-address} and
 * {@code mailrelay.io/admin-address} annotations) and where every running pod does
 * ({@code mailrelay.io/pod-addresses}, what pod IPs are in a cluster: the scale-down hand-off), all honoured only by
 * an operator started with {@code mailrelay.probe.address-override=true}, and
 * tests where every ready pod listens ({@link #endpoints}), as a Service would.
 *
 * <p>Every next hop (local domains' targets, smarthost, every route's smarthost) is pointed at one loopback sink, so nothing ever
 * leaves the machine (the smarthost without TLS and AUTH, unless {@link #smarthostTlsAndAuth}). {@link #simulateSnat(boolean)} makes the relays see every client as allow-listed, the
 * classic way a load balancer turns a relay into an open one.
 */
public final class LocalKubelet implements AutoCloseable {

    public static final String PROBE_ADDRESS_ANNOTATION = "mailrelay.io/probe-address";
    /** Where the first ready pod's management port (health, metrics, admin endpoint) listens. */
    public static final String ADMIN_ADDRESS_ANNOTATION = "mailrelay.io/admin-address";
    /** Where every running pod's SMTP and management ports listen (JSON, pod name to {smtp, admin}). */
    public static final String POD_ADDRESSES_ANNOTATION = io.mailrelay.operator.queue.RelayPods.ADDRESSES_ANNOTATION;
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String STATEFUL_SET = "StatefulSet";
    private static final String DEPLOYMENT = "Deployment";

    private final KubernetesClient client;
    private final String namespace;
    private final String nextHop;
    private final Path root;
    /**
     * Pods by workload ("StatefulSet/name", "Deployment/name": both exist during a persistence switch), then pod
     * name.
     */
    private final Map<String, Map<String, Pod>> pods = new ConcurrentHashMap<>();
    /**
     * Every pod process started and not yet seen to exit: close() ends them all, also those a sync had already taken
     * out of {@link #pods} when close() interrupted its stop (PersistenceSwitchIT left two relays running so).
     */
    private final Set<Pod> started = ConcurrentHashMap.newKeySet();
    private final Set<String> queued = ConcurrentHashMap.newKeySet();
    /** One controller loop, as in a real cluster: a roll is done step by step, events wait meanwhile. */
    private final ExecutorService controller = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "local-kubelet");
        thread.setDaemon(true);
        return thread;
    });
    private volatile boolean simulateSnat;
    private volatile Path smarthostCa;
    private volatile String upstreamCheckInterval;
    private volatile boolean closed;
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();

    /** One relay process in place of a pod. */
    private static final class Pod {
        final String name;
        final String revision;
        final AppProcess process;
        final int smtpPort;
        final int httpPort;
        final Path spool;
        final long graceSeconds;
        final long preStopSeconds;
        /** Secret name → the directories it is mounted at (refreshed when the Secret changes, as the kubelet does). */
        final Map<String, List<Path>> secretMounts = new ConcurrentHashMap<>();
        volatile boolean ready = true;

        Pod(String name, String revision, AppProcess process, int smtpPort, int httpPort, Path spool, long graceSeconds,
                long preStopSeconds) {
            this.name = name;
            this.revision = revision;
            this.process = process;
            this.smtpPort = smtpPort;
            this.httpPort = httpPort;
            this.spool = spool;
            this.graceSeconds = graceSeconds;
            this.preStopSeconds = preStopSeconds;
        }
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

    /**
     * The smarthost keeps the TLS and AUTH the operator rendered (tls, verifyCertificate, the mounted credentials
     * Secret), only pointed at the next hop, and trusts the CA of {@code trustedCaFile} (a test CA instead of the
     * public ones a real provider's certificate chains to).
     */
    public LocalKubelet smarthostTlsAndAuth(Path trustedCaFile) {
        this.smarthostCa = trustedCaFile;
        return this;
    }

    /** The relays check their upstreams every {@code interval} (relay.yaml {@code upstreamCheck.interval}). */
    public LocalKubelet upstreamCheckInterval(String interval) {
        this.upstreamCheckInterval = interval;
        return this;
    }

    public LocalKubelet start() {
        informers.add(client.secrets().inNamespace(namespace).inform(new ResourceEventHandler<Secret>() {
            @Override
            public void onAdd(Secret secret) {
            }

            @Override
            public void onUpdate(Secret before, Secret after) {
                refreshSecret(after);
            }

            @Override
            public void onDelete(Secret secret, boolean unknownFinalState) {
            }
        }));
        informers.add(client.apps().statefulSets().inNamespace(namespace).inform(handler(STATEFUL_SET)));
        informers.add(client.apps().deployments().inNamespace(namespace).inform(handler(DEPLOYMENT)));
        return this;
    }

    private <T extends HasMetadata> ResourceEventHandler<T> handler(String kind) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T workload) {
                enqueue(kind + "/" + workload.getMetadata().getName());
            }

            @Override
            public void onUpdate(T before, T after) {
                enqueue(kind + "/" + after.getMetadata().getName());
            }

            @Override
            public void onDelete(T workload, boolean unknownFinalState) {
                enqueue(kind + "/" + workload.getMetadata().getName());
            }
        };
    }

    /** Both workloads of a relay: during a persistence switch the old one's pods still run. */
    private List<Pod> podsOf(String name) {
        List<Pod> all = new ArrayList<>(pods.getOrDefault(STATEFUL_SET + "/" + name, Map.of()).values());
        all.addAll(pods.getOrDefault(DEPLOYMENT + "/" + name, Map.of()).values());
        return all;
    }

    private void enqueue(String name) {
        if (!closed && queued.add(name)) {
            controller.submit(() -> {
                queued.remove(name);
                sync(name, false);
            });
        }
    }

    /** Restarts every relay (as a rollout would), e.g. after {@link #simulateSnat(boolean)} changed; waits for it. */
    public void restartAll() {
        List<Future<?>> done = new ArrayList<>();
        for (String name : pods.keySet()) {
            done.add(controller.submit(() -> sync(name, true)));
        }
        for (Future<?> future : done) {
            try {
                future.get(10, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("restart failed", e);
            }
        }
    }

    /** The SMTP port of the relay's first pod that is ready. */
    public int smtpPort(String name) {
        return first(name).smtpPort;
    }

    /** The management (HTTP) port of the relay's first pod that is ready. */
    public int httpPort(String name) {
        return first(name).httpPort;
    }

    public AppProcess process(String name) {
        return first(name).process;
    }

    /** The management (HTTP) port of one pod, e.g. {@code office-1}. */
    public int httpPort(String workload, String pod) {
        return pod(workload, pod).httpPort;
    }

    /** The names of the relay's running pods, of both workloads during a persistence switch. */
    public List<String> podNames(String name) {
        return podsOf(name).stream().filter(p -> p.ready).map(p -> p.name).sorted().toList();
    }

    /** The process of one pod, e.g. {@code office-1}. */
    public AppProcess podProcess(String workload, String pod) {
        return pod(workload, pod).process;
    }

    /** The directory one pod runs its spool in: its claim's, or its own emptyDir. */
    public Path spoolDirectory(String workload, String pod) {
        return pod(workload, pod).spool;
    }

    private Pod pod(String workload, String pod) {
        return podsOf(workload).stream().filter(p -> p.name.equals(pod)).findFirst()
                .orElseThrow(() -> new NullPointerException("no pod " + pod));
    }

    /** The SMTP ports of the relay's ready pods, as a Service's endpoints list them (terminating pods are out). */
    public List<Integer> endpoints(String name) {
        return podsOf(name).stream().filter(p -> p.ready && p.process.isAlive()).map(p -> p.smtpPort).toList();
    }

    /** The directory bound to a claim, e.g. {@code spool-office-0}: it outlives every pod that mounts it. */
    public Path claimDirectory(String claim) {
        return root.resolve("claims").resolve(claim);
    }

    private Pod first(String name) {
        return podsOf(name).stream().filter(p -> p.ready).findFirst()
                .orElseThrow(() -> new IllegalStateException("no relay pod ready for " + name));
    }

    /** @param key "StatefulSet/name" or "Deployment/name" */
    private void sync(String key, boolean restart) {
        if (closed) {
            return; // an event that arrived while closing must not start a relay nobody will stop
        }
        String name = key.substring(key.indexOf('/') + 1);
        try {
            HasMetadata workload = key.startsWith(STATEFUL_SET + "/")
                    ? client.apps().statefulSets().inNamespace(namespace).withName(name).get()
                    : client.apps().deployments().inNamespace(namespace).withName(name).get();
            if (workload instanceof StatefulSet statefulSet && ours(statefulSet)) {
                syncStatefulSet(statefulSet, restart);
            } else if (workload instanceof Deployment deployment && ours(deployment)) {
                syncDeployment(deployment, restart);
            } else {
                Map<String, Pod> gone = pods.remove(key);
                if (gone != null) {
                    gone.values().forEach(this::stop);
                    announce(name);
                }
            }
        } catch (RuntimeException e) {
            if (!closed) { // while closing, an interrupted stop is expected: close() stops every pod itself
                System.err.println("LocalKubelet: sync of " + key + " failed: " + e);
                e.printStackTrace();
            }
        }
    }

    private static boolean ours(HasMetadata workload) {
        return workload.getMetadata().getDeletionTimestamp() == null && workload.getMetadata().getOwnerReferences()
                .stream().anyMatch(o -> "MailRelay".equals(o.getKind()));
    }

    /** The StatefulSet controller: ordinals, claims, reverse-ordinal rolling update, scale up and down. */
    private void syncStatefulSet(StatefulSet statefulSet, boolean restart) {
        String name = statefulSet.getMetadata().getName();
        PodTemplateSpec template = statefulSet.getSpec().getTemplate();
        String revision = revision(template);
        String wanted = revision + (simulateSnat ? "+snat" : "");
        int replicas = Objects.requireNonNullElse(statefulSet.getSpec().getReplicas(), 1);
        boolean onDelete = statefulSet.getSpec().getUpdateStrategy() != null
                && "OnDelete".equals(statefulSet.getSpec().getUpdateStrategy().getType());
        Map<String, Pod> running = pods.computeIfAbsent(STATEFUL_SET + "/" + name, n -> new ConcurrentHashMap<>());
        // scale down: the highest ordinals go; their claims stay (persistentVolumeClaimRetentionPolicy Retain)
        for (String pod : byOrdinal(running.keySet(), true)) {
            if (ordinal(pod) >= replicas) {
                stop(running.get(pod));
                running.remove(pod);
                reportStatefulSet(statefulSet, revision);
            }
        }
        // missing ordinals start (Parallel pod management: all at once, none waits for the one before)
        Set<String> started = new java.util.HashSet<>();
        for (int i = 0; i < replicas; i++) {
            String pod = name + "-" + i;
            if (!running.containsKey(pod)) {
                running.put(pod, run(name, pod, template, wanted, claims(statefulSet, i)));
                started.add(pod);
                reportStatefulSet(statefulSet, revision);
            }
        }
        // roll: highest ordinal first, one at a time, the pod gone before its replacement starts on the same
        // claim, and ready before the next one goes; OnDelete leaves that to whoever deletes a pod
        for (String pod : byOrdinal(running.keySet(), true)) {
            Pod current = running.get(pod);
            boolean outdated = !current.revision.equals(wanted) && !onDelete;
            if (!started.contains(pod) && (outdated || restart)) {
                stop(current);
                running.remove(pod);
                reportStatefulSet(statefulSet, revision);
                running.put(pod, run(name, pod, template, wanted, claims(statefulSet, ordinal(pod))));
                reportStatefulSet(statefulSet, revision);
            }
        }
        reportStatefulSet(statefulSet, revision);
        announce(statefulSet.getMetadata().getName());
    }

    /** The Deployment controller with maxSurge 1, maxUnavailable 0, and an emptyDir spool per pod. */
    private void syncDeployment(Deployment deployment, boolean restart) {
        String name = deployment.getMetadata().getName();
        PodTemplateSpec template = deployment.getSpec().getTemplate();
        String revision = revision(template);
        String wanted = revision + (simulateSnat ? "+snat" : "");
        int replicas = Objects.requireNonNullElse(deployment.getSpec().getReplicas(), 1);
        Map<String, Pod> running = pods.computeIfAbsent(DEPLOYMENT + "/" + name, n -> new ConcurrentHashMap<>());
        List<String> old = running.values().stream()
                .filter(p -> restart || !p.revision.equals(wanted)).map(p -> p.name).toList();
        long current = running.size() - old.size();
        for (String pod : old) {
            if (current < replicas) {
                String fresh = name + "-" + Long.toHexString(System.nanoTime());
                running.put(fresh, run(name, fresh, template, wanted, Map.of()));
                current++;
                reportDeployment(deployment, revision);
                announce(deployment.getMetadata().getName());
            }
            stop(running.get(pod));
            running.remove(pod);
        }
        while (current < replicas) {
            String fresh = name + "-" + Long.toHexString(System.nanoTime());
            running.put(fresh, run(name, fresh, template, wanted, Map.of()));
            current++;
        }
        for (String pod : new ArrayList<>(running.keySet())) {
            if (running.size() > replicas) {
                stop(running.get(pod));
                running.remove(pod);
            }
        }
        reportDeployment(deployment, revision);
        announce(deployment.getMetadata().getName());
    }

    /** The claims of pod {@code ordinal}, created and bound as a provisioner would: volume name to directory. */
    private Map<String, Path> claims(StatefulSet statefulSet, int ordinal) {
        Map<String, Path> volumes = new TreeMap<>();
        for (PersistentVolumeClaim template : statefulSet.getSpec().getVolumeClaimTemplates()) {
            String volume = template.getMetadata().getName();
            String claim = volume + "-" + statefulSet.getMetadata().getName() + "-" + ordinal;
            var resource = client.persistentVolumeClaims().inNamespace(namespace).withName(claim);
            if (resource.get() == null) {
                Map<String, String> labels = new TreeMap<>(Objects.requireNonNullElse(template.getMetadata().getLabels(), Map.of()));
                labels.putAll(statefulSet.getSpec().getSelector().getMatchLabels());
                client.resource(new PersistentVolumeClaimBuilder().withNewMetadata().withName(claim).withNamespace(namespace)
                        .withLabels(labels).endMetadata().withSpec(template.getSpec()).build()).create();
            }
            resource.editStatus(c -> {
                c.setStatus(new PersistentVolumeClaimStatusBuilder().withPhase("Bound")
                        .withAccessModes(template.getSpec().getAccessModes())
                        .withCapacity(template.getSpec().getResources().getRequests()).build());
                return c;
            });
            try {
                volumes.put(volume, Files.createDirectories(claimDirectory(claim)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return volumes;
    }

    private Pod run(String workload, String pod, PodTemplateSpec template, String revision, Map<String, Path> claims) {
        try {
            Path dir = Files.createDirectories(root.resolve(workload).resolve(pod + "-" + System.nanoTime()));
            // a claim when the StatefulSet has one, else an emptyDir: a fresh directory for this pod only
            Path spool = claims.containsKey("spool") ? claims.get("spool") : Files.createDirectories(dir.resolve("spool"));
            Map<String, Path> mounts = materializeVolumes(template, dir.resolve("mounts"));
            Path configFile = mounts.values().stream().map(m -> m.resolve("relay.yaml")).filter(Files::exists).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no relay.yaml in the pod template of " + workload));
            int smtpPort = FreePort.pick();
            int httpPort = FreePort.pick();
            Path localConfig = dir.resolve("relay-local.yaml");
            Files.writeString(localConfig, localize(Files.readString(configFile), mounts, smtpPort, spool));
            Container container = template.getSpec().getContainers().get(0);
            AppProcess process = AppProcess.builder("relay-" + pod)
                    .property("quarkus.http.port", String.valueOf(httpPort))
                    .args(localArgs(container.getArgs(), localConfig))
                    .start();
            try {
                FreePort.awaitListening("127.0.0.1", smtpPort, Duration.ofSeconds(90), null);
            } catch (RuntimeException | Error notListening) {
                process.close();
                throw notListening;
            }
            long grace = Objects.requireNonNullElse(template.getSpec().getTerminationGracePeriodSeconds(), 30L);
            long preStop = container.getLifecycle() != null && container.getLifecycle().getPreStop() != null
                    && container.getLifecycle().getPreStop().getSleep() != null
                    ? container.getLifecycle().getPreStop().getSleep().getSeconds() : 0;
            Pod running = new Pod(pod, revision, process, smtpPort, httpPort, spool, grace, preStop);
            started.add(running);
            for (VolumeMount mount : container.getVolumeMounts()) {
                template.getSpec().getVolumes().stream().filter(v -> v.getName().equals(mount.getName())
                        && v.getSecret() != null && mounts.containsKey(mount.getMountPath())).findFirst()
                        .ifPresent(v -> running.secretMounts.computeIfAbsent(v.getSecret().getSecretName(),
                                n -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(mounts.get(mount.getMountPath())));
            }
            return running;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The container's own arguments, with the config file where this machine has it. */
    private static String[] localArgs(List<String> args, Path localConfig) {
        List<String> local = new ArrayList<>(args);
        int config = local.indexOf("--config");
        local.set(config + 1, localConfig.toString());
        return local.toArray(String[]::new);
    }

    /**
     * Stops a pod as the kubelet does: out of the endpoints, the preStop sleep, SIGTERM, then SIGKILL when the
     * grace period (counted from the start) is over. Waits until the process is gone.
     */
    private void stop(Pod pod) {
        if (pod == null) {
            return;
        }
        pod.ready = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(pod.graceSeconds);
        if (pod.process.isAlive() && pod.preStopSeconds > 0 && !closed) {
            FreePort.sleep(TimeUnit.SECONDS.toMillis(Math.min(pod.preStopSeconds, pod.graceSeconds)));
        }
        pod.process.terminate();
        long left = Math.max(0, deadline - System.nanoTime());
        try {
            pod.process.awaitExit(Duration.ofNanos(left).plusMillis(100));
        } catch (AssertionError stillRunning) {
            System.err.println("LocalKubelet: " + pod.name + " outlived its grace period of " + pod.graceSeconds
                    + " s: SIGKILL");
            pod.process.kill();
        }
        started.remove(pod);
    }

    /**
     * A changed Secret reaches the running pods that mount it, as the kubelet updates a Secret volume (each file
     * replaced whole, by a rename); the relay re-reads it on its own.
     */
    private void refreshSecret(Secret secret) {
        Map<String, byte[]> files = new TreeMap<>();
        if (secret.getData() != null) {
            secret.getData().forEach((k, v) -> files.put(k, Base64.getDecoder().decode(v)));
        }
        if (secret.getStringData() != null) {
            secret.getStringData().forEach((k, v) -> files.put(k, v.getBytes(StandardCharsets.UTF_8)));
        }
        for (Map<String, Pod> workload : pods.values()) {
            for (Pod pod : workload.values()) {
                for (Path dir : pod.secretMounts.getOrDefault(secret.getMetadata().getName(), List.of())) {
                    try {
                        for (Map.Entry<String, byte[]> file : files.entrySet()) {
                            Path next = Files.write(dir.resolve("." + file.getKey() + ".new"), file.getValue());
                            Files.move(next, dir.resolve(file.getKey()), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }
        }
    }

    /** Writes each ConfigMap/Secret volume of the template where its mount path would be. */
    private Map<String, Path> materializeVolumes(PodTemplateSpec template, Path base) throws IOException {
        Map<String, Path> byMountPath = new ConcurrentHashMap<>();
        List<VolumeMount> mounts = template.getSpec().getContainers().get(0).getVolumeMounts();
        for (VolumeMount mount : mounts) {
            Volume volume = template.getSpec().getVolumes().stream()
                    .filter(v -> v.getName().equals(mount.getName())).findFirst().orElse(null);
            Map<String, byte[]> files = volume == null ? null : volumeFiles(volume); // null: a claim
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
        outbound.put("mode", "smarthost");
        localizeSmarthost(outbound.withObject("smarthost"), hop);
        for (String routes : List.of("recipientRoutes", "senderRoutes")) { // every route's smarthost too
            if (outbound.get(routes) instanceof ArrayNode list) {
                list.forEach(route -> localizeSmarthost(((ObjectNode) route).withObject("smarthost"), hop));
            }
        }
        if (upstreamCheckInterval != null) {
            config.withObject("upstreamCheck").put("interval", upstreamCheckInterval);
        }
        if (simulateSnat) {
            // a load balancer that SNATs: every client arrives from an address the relay trusts
            ArrayNode allowed = config.withArray("allowedNetworks");
            allowed.add("127.0.0.0/8");
        }
        return YAML.writeValueAsString(config);
    }

    /** A smarthost pointed at the loopback next hop: without TLS and AUTH unless {@link #smarthostTlsAndAuth}. */
    private void localizeSmarthost(ObjectNode smarthost, String[] hop) {
        smarthost.put("host", hop[0]);
        smarthost.put("port", Integer.parseInt(hop[1]));
        if (smarthostCa == null) {
            smarthost.put("tls", "none");
            smarthost.remove(List.of("usernameFile", "passwordFile", "trustedCaFile"));
        } else {
            smarthost.put("trustedCaFile", smarthostCa.toString());
        }
    }

    private void reportStatefulSet(StatefulSet statefulSet, String revision) {
        Map<String, Pod> running = pods.getOrDefault(STATEFUL_SET + "/" + statefulSet.getMetadata().getName(), Map.of());
        int ready = (int) running.values().stream().filter(p -> p.ready && p.process.isAlive()).count();
        int updated = (int) running.values().stream().filter(p -> p.revision.startsWith(revision)).count();
        String updateRevision = statefulSet.getMetadata().getName() + "-" + revision;
        var status = new StatefulSetStatusBuilder()
                .withObservedGeneration(statefulSet.getMetadata().getGeneration())
                .withReplicas(running.size()).withReadyReplicas(ready).withAvailableReplicas(ready)
                .withUpdatedReplicas(updated).withCurrentReplicas(updated)
                .withUpdateRevision(updateRevision).withCurrentRevision(updateRevision).build();
        // merge patch of the status subresource: no resourceVersion, no conflict with the operator's applies
        client.apps().statefulSets().inNamespace(namespace).withName(statefulSet.getMetadata().getName())
                .subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE),
                        Serialization.asJson(Map.of("status", status)));
    }

    private void reportDeployment(Deployment deployment, String revision) {
        Map<String, Pod> running = pods.getOrDefault(DEPLOYMENT + "/" + deployment.getMetadata().getName(), Map.of());
        int ready = (int) running.values().stream().filter(p -> p.ready && p.process.isAlive()).count();
        int updated = (int) running.values().stream().filter(p -> p.revision.startsWith(revision)).count();
        var status = new DeploymentStatusBuilder()
                .withObservedGeneration(deployment.getMetadata().getGeneration())
                .withReplicas(running.size()).withReadyReplicas(ready).withAvailableReplicas(ready)
                .withUpdatedReplicas(updated)
                .withConditions(new DeploymentConditionBuilder().withType("Available").withStatus("True")
                        .withReason("MinimumReplicasAvailable").withMessage("relay process running on loopback")
                        .build())
                .build();
        client.apps().deployments().inNamespace(namespace).withName(deployment.getMetadata().getName())
                .subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE),
                        Serialization.asJson(Map.of("status", status)));
    }

    /**
     * Points the operator's probe (and its admin reader) at the first ready pod, and tells it where every pod
     * listens (its scale-down hand-off reaches each pod, as it would by pod IP), when that changed.
     */
    private void announce(String relayName) {
        var relay = client.genericKubernetesResources("mailrelay.io/v1alpha1", "MailRelay").inNamespace(namespace)
                .withName(relayName);
        var current = relay.get();
        if (current == null) {
            return;
        }
        Map<String, String> annotations = Objects.requireNonNullElse(current.getMetadata().getAnnotations(), Map.of());
        Map<String, String> wanted = new TreeMap<>();
        Map<String, Map<String, String>> every = new TreeMap<>();
        for (String kind : List.of(STATEFUL_SET, DEPLOYMENT)) {
            pods.getOrDefault(kind + "/" + relayName, Map.of()).values().stream().filter(p -> p.ready)
                    .forEach(pod -> every.put(pod.name, Map.of("smtp", "127.0.0.1:" + pod.smtpPort,
                            "admin", "127.0.0.1:" + pod.httpPort, "workload", kind)));
        }
        wanted.put(POD_ADDRESSES_ANNOTATION, Serialization.asJson(every));
        podsOf(relayName).stream().filter(p -> p.ready).min(Comparator.comparing(p -> p.name)).ifPresent(pod -> {
            wanted.put(PROBE_ADDRESS_ANNOTATION, "127.0.0.1:" + pod.smtpPort);
            wanted.put(ADMIN_ADDRESS_ANNOTATION, "127.0.0.1:" + pod.httpPort);
        });
        boolean changed = wanted.entrySet().stream().anyMatch(e -> !e.getValue().equals(annotations.get(e.getKey())));
        if (changed) {
            // a merge patch without resourceVersion: never conflicts with the operator's status updates
            relay.patch(PatchContext.of(PatchType.JSON_MERGE),
                    Serialization.asJson(Map.of("metadata", Map.of("annotations", wanted))));
        }
    }

    private static String revision(PodTemplateSpec template) {
        return Integer.toHexString(template.hashCode());
    }

    private static int ordinal(String pod) {
        return Integer.parseInt(pod.substring(pod.lastIndexOf('-') + 1));
    }

    private static List<String> byOrdinal(Set<String> names, boolean descending) {
        Comparator<String> order = Comparator.comparingInt(LocalKubelet::ordinal);
        return names.stream().sorted(descending ? order.reversed() : order).toList();
    }

    /** Stops every relay at once (SIGTERM, then SIGKILL after 30 s); no pod is started after this returns. */
    @Override
    public void close() {
        closed = true;
        informers.forEach(SharedIndexInformer::close);
        controller.shutdownNow();
        try {
            controller.awaitTermination(2, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pods.values().forEach(workload -> workload.values().forEach(started::add));
        started.forEach(pod -> pod.process.close());
        started.clear();
        pods.clear();
    }
}
