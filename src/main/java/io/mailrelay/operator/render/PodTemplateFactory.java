package io.mailrelay.operator.render;

import io.mailrelay.operator.naming.RelayLabels;
import io.mailrelay.operator.naming.DependentNames;
import io.mailrelay.api.SecretRefs;
import io.mailrelay.api.ServiceSpec;
import io.mailrelay.api.SecretKeys;
import static java.util.Objects.requireNonNullElse;

import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.mailrelay.api.DkimSigning;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.MailRelaySpec;
import io.mailrelay.api.Persistence;
import io.mailrelay.config.ByteSize;
import io.mailrelay.config.RelayJvmOptions;

/**
 * The relay pod: passes PodSecurity "restricted" (non-root, read-only root file system, no capabilities, no
 * privilege escalation, RuntimeDefault seccomp) with or without a fixed UID ({@link RelayUid}), has no API token,
 * and stops gently: preStop pause, then the relay's drain, then the exit margin, all within
 * terminationGracePeriodSeconds.
 */
public final class PodTemplateFactory {

    public static final String CONFIG_HASH_ANNOTATION = "mailrelay.io/config-hash";
    public static final String CONTAINER = "relay";
    public static final String SPOOL_VOLUME = "spool";
    /** Endpoints are removed while the pod sleeps, so few new sessions arrive once SIGTERM comes. */
    static final long PRE_STOP_SLEEP_SECONDS = 10;
    /** After the relay's drain: 421 to sessions still open, the spool closed, the JVM gone, before SIGKILL. */
    static final long EXIT_MARGIN_SECONDS = 5;
    /** The CRD's default of spec.terminationGracePeriodSeconds. */
    static final long DEFAULT_TERMINATION_GRACE_SECONDS = 60;
    private static final int FILE_MODE = 0440;
    /**
     * The relay's default memory request and limit: it runs the 20-session benchmark and 4 x 20 MB at once within it
     * (docs/benchmarks.md, bench/relay-memory.sh), with the options RelayJvmOptions renders for it.
     */
    static final String DEFAULT_MEMORY = "192Mi";
    /**
     * ... and of a relay that signs with an RSA key: below 256Mi only C1 compiles (RelayJvmOptions), and an RSA
     * signature's big-integer arithmetic is fast only in C2's code (its intrinsics): 15 ms a 2048-bit signature under
     * C1 against 2 ms. With C2 such a relay peaked at 211 MB under 20 sessions, over 192Mi (docs/benchmarks.md).
     */
    static final String DEFAULT_MEMORY_RSA_SIGNING = "256Mi";

    private PodTemplateFactory() {
    }

    /** The operator's pull secrets, for pods that run the operator's own image and name no secrets themselves. */
    static void defaultImagePullSecrets(HasMetadata workload, List<String> names) {
        if (names.isEmpty()) {
            return;
        }
        template(workload).getSpec().setImagePullSecrets(names.stream().map(LocalObjectReference::new).toList());
    }

    /**
     * The pods' UID, GID and fsGroup (spool volumes are made writable for that group), or none of them: then the
     * platform assigns them (OpenShift's SCC: a UID and an fsGroup from the namespace's range; the image's
     * files are group 0 and group-writable where the relay writes, so any UID works).
     */
    static void runAs(HasMetadata workload, RelayUid relayUid) {
        PodSecurityContext context = template(workload).getSpec().getSecurityContext();
        OptionalLong uid = relayUid.uid();
        Long id = uid.isPresent() ? uid.getAsLong() : null;
        context.setRunAsUser(id);
        context.setRunAsGroup(id);
        context.setFsGroup(id);
        context.setFsGroupChangePolicy(id == null ? null : "OnRootMismatch");
    }

    private static PodTemplateSpec template(HasMetadata workload) {
        return workload instanceof Deployment deployment ? deployment.getSpec().getTemplate()
                : ((StatefulSet) workload).getSpec().getTemplate();
    }

    /** The user's extra labels under the operator's own: the selector labels can never be overridden. */
    private static Map<String, String> podLabels(MailRelay relay) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (relay.getSpec().podLabels != null) {
            labels.putAll(relay.getSpec().podLabels);
        }
        labels.putAll(RelayLabels.all(relay));
        return labels;
    }

    private static Map<String, String> podAnnotations(MailRelaySpec spec, String configHash) {
        Map<String, String> annotations = new LinkedHashMap<>();
        if (spec.podAnnotations != null) {
            annotations.putAll(spec.podAnnotations);
        }
        annotations.put(CONFIG_HASH_ANNOTATION, configHash);
        annotations.put("kubectl.kubernetes.io/default-container", CONTAINER);
        return annotations;
    }

    /** @param persistentSpool true when a StatefulSet volume claim template provides the spool volume */
    public static PodTemplateSpec podTemplate(MailRelay relay, String image, String configHash, boolean persistentSpool) {
        MailRelaySpec spec = relay.getSpec();
        return new PodTemplateSpecBuilder()
                .withNewMetadata()
                    .withLabels(podLabels(relay))
                    .withAnnotations(podAnnotations(spec, configHash))
                .endMetadata()
                .withNewSpec()
                    .withServiceAccountName(DependentNames.serviceAccount(relay))
                    .withAutomountServiceAccountToken(false)
                    .withEnableServiceLinks(false)
                    .withTerminationGracePeriodSeconds(terminationGraceSeconds(spec))
                    .withNewSecurityContext() // the identity: runAs(), from the operator's setting
                        .withRunAsNonRoot(true)
                        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                    .endSecurityContext()
                    .withContainers(container(relay, image))
                    .withVolumes(volumes(relay, persistentSpool))
                    .withImagePullSecrets(spec.imagePullSecrets)
                    .withPriorityClassName(spec.priorityClassName)
                    .withNodeSelector(spec.nodeSelector)
                    .withTolerations(spec.tolerations)
                    .withAffinity(spec.affinity)
                    .withTopologySpreadConstraints(spread(relay))
                .endSpec()
                .build();
    }

    private static Container container(MailRelay relay, String image) {
        ResourceRequirements resources = resources(relay.getSpec());
        return new ContainerBuilder()
                .withName(CONTAINER)
                .withImage(image)
                .withImagePullPolicy("IfNotPresent")
                .withArgs("relay", "--config", RelayPod.CONFIG_FILE,
                        "--grace-period", drainSeconds(relay.getSpec()) + "s")
                .addNewPort().withName(ServiceSpec.SMTP_PORT_NAME).withContainerPort(RelayPod.SMTP_PORT)
                    .withProtocol("TCP").endPort()
                .addNewPort().withName(RelayPod.HTTP_PORT_NAME).withContainerPort(RelayPod.HTTP_PORT)
                    .withProtocol("TCP").endPort()
                .withResources(resources)
                .withEnv(jvmEnvironment(resources))
                // the JVM starts slowly: liveness only counts once the relay has started
                .withStartupProbe(health("/q/health/live", 2, 60))
                .withLivenessProbe(health("/q/health/live", 10, 3))
                .withReadinessProbe(health("/q/health/ready", 5, 2))
                .withNewLifecycle().withNewPreStop().withNewSleep(PRE_STOP_SLEEP_SECONDS).endPreStop().endLifecycle()
                .withNewSecurityContext()
                    .withRunAsNonRoot(true)
                    .withAllowPrivilegeEscalation(false)
                    .withReadOnlyRootFilesystem(true)
                    .withNewCapabilities().withDrop("ALL").endCapabilities()
                    .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .endSecurityContext()
                .withVolumeMounts(mounts(relay))
                .build();
    }

    static long terminationGraceSeconds(MailRelaySpec spec) {
        return spec.terminationGracePeriodSeconds == null ? DEFAULT_TERMINATION_GRACE_SECONDS
                : spec.terminationGracePeriodSeconds;
    }

    /** The relay's --grace-period: what the pod's grace period leaves after the preStop pause and the exit margin. */
    static long drainSeconds(MailRelaySpec spec) {
        return terminationGraceSeconds(spec) - PRE_STOP_SLEEP_SECONDS - EXIT_MARGIN_SECONDS;
    }

    private static Probe health(String path, int periodSeconds, int failureThreshold) {
        return new ProbeBuilder()
                .withNewHttpGet().withPath(path).withNewPort(RelayPod.HTTP_PORT_NAME).endHttpGet()
                .withPeriodSeconds(periodSeconds)
                .withTimeoutSeconds(2)
                .withFailureThreshold(failureThreshold)
                .build();
    }

    static ResourceRequirements resources(MailRelaySpec spec) {
        ResourceRequirements requested = spec.resources;
        if (requested != null && (!isEmpty(requested.getRequests()) || !isEmpty(requested.getLimits()))) {
            return requested;
        }
        String memory = signsWithRsa(spec) ? DEFAULT_MEMORY_RSA_SIGNING : DEFAULT_MEMORY;
        return new ResourceRequirementsBuilder()
                .withRequests(Map.of("cpu", new Quantity("100m"), "memory", new Quantity(memory)))
                .withLimits(Map.of("memory", new Quantity(memory)))
                .build();
    }

    /** A DKIM key that is RSA: generated as RSA, or a given Secret's (whose algorithm the render does not read). */
    static boolean signsWithRsa(MailRelaySpec spec) {
        return spec.dkim != null && spec.dkim.stream()
                .anyMatch(key -> key.secretName != null || key.algorithm != DkimSigning.Algorithm.ED25519);
    }

    /**
     * The JVM's memory options for the container's memory limit (RelayJvmOptions, the one rule): JAVA_TOOL_OPTIONS
     * and glibc's malloc settings; none without a limit (the image's -XX:MaxRAMPercentage then applies).
     */
    static List<EnvVar> jvmEnvironment(ResourceRequirements resources) {
        Quantity limit = resources.getLimits() == null ? null : resources.getLimits().get("memory");
        Optional<ByteSize> bytes = limit == null ? Optional.empty()
                : Optional.of(new ByteSize(Quantity.getAmountInBytes(limit).setScale(0, RoundingMode.DOWN).longValueExact()));
        return RelayJvmOptions.environment(bytes).entrySet().stream()
                .map(env -> new EnvVar(env.getKey(), env.getValue(), null))
                .toList();
    }

    private static boolean isEmpty(Map<?, ?> map) {
        return map == null || map.isEmpty();
    }

    private static List<VolumeMount> mounts(MailRelay relay) {
        MailRelaySpec spec = relay.getSpec();
        List<VolumeMount> mounts = new ArrayList<>();
        mounts.add(mount("config", RelayPod.CONFIG_DIR, true));
        if (spec.tls != null) {
            mounts.add(mount("tls", RelayPod.TLS_DIR, true));
        }
        if (spec.authentication != null) {
            mounts.add(mount("auth", RelayPod.AUTH_DIR, true));
        }
        if (SecretRefs.smarthostCredentials(spec) != null) {
            mounts.add(mount("smarthost", RelayPod.SMARTHOST_DIR, true));
        }
        SecretRefs.routeCredentials(spec).forEach(route -> mounts.add(mount(routeVolume(route), RelayPod.routeDirectory(
                route.kind(), route.index()), true)));
        SecretRefs.clientCertificates(spec).forEach(client -> mounts.add(mount(clientVolume(client),
                RelayPod.clientDirectory(client.kind(), client.index()), true)));
        mounts.add(mount("admin", RelayPod.ADMIN_DIR, true));
        mounts.add(mount("peer", RelayPod.PEER_DIR, true));
        if (spec.relayFor != null && spec.relayFor.credentials != null) {
            mounts.add(mount("credentials", RelayPod.CREDENTIALS_DIR, true));
        }
        for (int i = 0; spec.dkim != null && i < spec.dkim.size(); i++) {
            mounts.add(mount("dkim-" + i, RelayPod.DKIM_DIR + "/" + i, true));
        }
        mounts.add(mount(SPOOL_VOLUME, RelayPod.SPOOL_DIR, false));
        mounts.add(mount("tmp", RelayPod.TMP_DIR, false));
        return mounts;
    }

    private static String routeVolume(SecretRefs.RouteSecret route) {
        return "route-" + route.kind() + "-" + route.index();
    }

    private static String clientVolume(SecretRefs.RouteSecret client) {
        return "smarthost".equals(client.kind()) ? "smarthost-client" : routeVolume(client) + "-client";
    }

    private static VolumeMount mount(String volume, String path, boolean readOnly) {
        return new VolumeMountBuilder().withName(volume).withMountPath(path).withReadOnly(readOnly).build();
    }

    private static List<Volume> volumes(MailRelay relay, boolean persistentSpool) {
        MailRelaySpec spec = relay.getSpec();
        List<Volume> volumes = new ArrayList<>();
        volumes.add(new VolumeBuilder().withName("config").withNewConfigMap()
                .withName(DependentNames.configMap(relay)).withDefaultMode(FILE_MODE)
                .addNewItem().withKey(RelayPod.CONFIG_KEY).withPath(RelayPod.CONFIG_KEY).endItem()
                .endConfigMap().build());
        if (spec.tls != null) {
            volumes.add(secretVolume("tls", spec.tls.secretName, "tls.crt", "tls.key"));
        }
        if (spec.authentication != null) {
            volumes.add(secretVolume("auth", spec.authentication.usersSecret, SecretKeys.USERS));
        }
        String credentials = SecretRefs.smarthostCredentials(spec);
        if (credentials != null) {
            volumes.add(secretVolume("smarthost", credentials, SecretKeys.USERNAME, SecretKeys.PASSWORD));
        }
        SecretRefs.routeCredentials(spec).forEach(route -> volumes.add(secretVolume(routeVolume(route), route.secretName(),
                SecretKeys.USERNAME, SecretKeys.PASSWORD)));
        SecretRefs.clientCertificates(spec).forEach(client -> volumes.add(secretVolume(clientVolume(client),
                client.secretName(), "tls.crt", "tls.key")));
        volumes.add(secretVolume("admin", DependentNames.adminSecret(relay), RelayPod.ADMIN_TOKEN_KEY));
        volumes.add(secretVolume("peer", DependentNames.peerSecret(relay), SecretKeys.USERNAME, SecretKeys.PASSWORD,
                SecretKeys.USERS));
        if (spec.relayFor != null && spec.relayFor.credentials != null) {
            volumes.add(secretVolume("credentials", DependentNames.credentialsSecret(relay), SecretKeys.USERS,
                    RelayPod.LOGIN_MAPS_KEY));
        }
        for (int i = 0; spec.dkim != null && i < spec.dkim.size(); i++) {
            volumes.add(secretVolume("dkim-" + i, DkimSecrets.secretName(relay, spec.dkim.get(i)), SecretKeys.DKIM_PRIVATE_KEY));
        }
        if (!persistentSpool) {
            // bounded like the claim would be: a full node disk evicts every pod on it, not just this one
            volumes.add(new VolumeBuilder().withName(SPOOL_VOLUME).withNewEmptyDir()
                    .withSizeLimit(new Quantity(Persistence.size(spec.persistence).toString())).endEmptyDir().build());
        }
        volumes.add(new VolumeBuilder().withName("tmp").withNewEmptyDir().withSizeLimit(new Quantity("64Mi"))
                .endEmptyDir().build());
        return volumes;
    }

    private static Volume secretVolume(String volume, String secret, String... keys) {
        var builder = new VolumeBuilder().withName(volume).withNewSecret().withSecretName(secret)
                .withDefaultMode(FILE_MODE);
        for (String key : keys) {
            builder.addNewItem().withKey(key).withPath(key).endItem();
        }
        return builder.endSecret().build();
    }

    /** Spread over nodes and zones by default, so one node or zone failure does not take every replica. */
    private static List<TopologySpreadConstraint> spread(MailRelay relay) {
        MailRelaySpec spec = relay.getSpec();
        if (requireNonNullElse(spec.replicas, 1) <= 1 || spec.affinity != null) {
            return List.of();
        }
        return List.of(spreadOver("kubernetes.io/hostname", relay), spreadOver("topology.kubernetes.io/zone", relay));
    }

    private static TopologySpreadConstraint spreadOver(String topologyKey, MailRelay relay) {
        return new TopologySpreadConstraintBuilder()
                .withTopologyKey(topologyKey)
                .withMaxSkew(1)
                .withWhenUnsatisfiable("ScheduleAnyway")
                .withLabelSelector(new LabelSelectorBuilder().withMatchLabels(RelayLabels.selector(relay)).build())
                .build();
    }
}
