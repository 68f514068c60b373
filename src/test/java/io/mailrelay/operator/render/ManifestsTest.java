package io.mailrelay.operator.render;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.mailrelay.api.Authentication;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.MailRelaySpec;
import io.mailrelay.api.Persistence;
import io.mailrelay.api.ServiceSpec;
import io.mailrelay.operator.OperatorSettings;
import io.mailrelay.operator.Specs;

/** spec → manifests, with plain objects. */
@Tag("unit")
class ManifestsTest {

    private static final OperatorSettings SETTINGS = new OperatorSettings("mailrelay/mailrelay-operator:1.0", "ops");

    private static DesiredState desired(MailRelaySpec spec) {
        return DesiredState.of(Specs.relay("r", spec), SETTINGS, "yaml", "hash1", "admin-token");
    }

    @Test
    void everyObjectIsOwnedByTheRelayAndLabelled() {
        DesiredState state = desired(Specs.minimal());

        assertThat(state.objects()).extracting(HasMetadata::getKind)
                .containsExactly("ConfigMap", "Secret", "Secret", "ServiceAccount", "Service", "NetworkPolicy",
                        "StatefulSet");
        assertThat(state.objects()).allSatisfy(object -> {
            assertThat(object.getMetadata().getNamespace()).isEqualTo("mail");
            assertThat(object.getMetadata().getOwnerReferences()).singleElement().satisfies(owner -> {
                assertThat(owner.getUid()).isEqualTo("uid-r");
                assertThat(owner.getController()).isTrue();
                assertThat(owner.getBlockOwnerDeletion()).isTrue();
                assertThat(owner.getApiVersion()).isEqualTo("mailrelay.io/v1alpha1");
            });
            assertThat(object.getMetadata().getLabels()).containsEntry("app.kubernetes.io/instance", "r")
                    .containsEntry("app.kubernetes.io/managed-by", "mailrelay-operator");
        });
    }

    @Test
    void podSettingsReachThePodAndTheOperatorsOwnLabelsAndHashWin() {
        MailRelaySpec spec = Specs.minimal();
        spec.imagePullSecrets = List.of(new LocalObjectReference("registry"));
        spec.priorityClassName = "mail-critical";
        spec.podLabels = Map.of("cost-center", "42", "team", "platform");
        spec.podAnnotations = Map.of("backup.example/skip", "true", PodTemplateFactory.CONFIG_HASH_ANNOTATION, "forged");
        var template = desired(spec).get(StatefulSet.class).getSpec().getTemplate();

        assertThat(template.getSpec().getImagePullSecrets()).extracting(LocalObjectReference::getName).containsExactly("registry");
        assertThat(template.getSpec().getPriorityClassName()).isEqualTo("mail-critical");
        assertThat(template.getMetadata().getLabels()).containsEntry("cost-center", "42").containsEntry("team", "platform")
                .containsEntry("app.kubernetes.io/instance", "r");
        assertThat(template.getMetadata().getAnnotations()).containsEntry("backup.example/skip", "true")
                .containsEntry(PodTemplateFactory.CONFIG_HASH_ANNOTATION, "hash1");
    }

    @Test
    void theOperatorsPullSecretsGoToPodsOfItsOwnImageOnly() {
        OperatorSettings withSecrets = new OperatorSettings("registry.example/mailrelay:1.0", "ops", List.of("regcred"));
        var defaultImage = DesiredState.of(Specs.relay("r", Specs.minimal()), withSecrets, "yaml", "h", "t")
                .get(StatefulSet.class).getSpec().getTemplate().getSpec();
        assertThat(defaultImage.getImagePullSecrets()).extracting(LocalObjectReference::getName).containsExactly("regcred");

        MailRelaySpec ownImage = Specs.minimal();
        ownImage.image = "elsewhere.example/relay:2";
        assertThat(DesiredState.of(Specs.relay("r", ownImage), withSecrets, "yaml", "h", "t").get(StatefulSet.class)
                .getSpec().getTemplate().getSpec().getImagePullSecrets()).isNullOrEmpty();

        MailRelaySpec ownSecrets = Specs.minimal();
        ownSecrets.imagePullSecrets = List.of(new LocalObjectReference("mine"));
        assertThat(DesiredState.of(Specs.relay("r", ownSecrets), withSecrets, "yaml", "h", "t").get(StatefulSet.class)
                .getSpec().getTemplate().getSpec().getImagePullSecrets()).extracting(LocalObjectReference::getName)
                .containsExactly("mine");
    }

    @Test
    void theAdminTokenSecretIsMadeOnceAndThenKept() {
        Secret secret = desired(Specs.minimal()).get(Secret.class);
        assertThat(secret.getMetadata().getName()).isEqualTo("r-admin");
        assertThat(new String(Base64.getDecoder().decode(secret.getData().get("token")), StandardCharsets.UTF_8))
                .isEqualTo("admin-token");

        String made = SupportFactory.adminToken(null);
        assertThat(made).hasSizeGreaterThanOrEqualTo(43).matches("[A-Za-z0-9_-]+");
        assertThat(SupportFactory.adminToken(null)).as("random").isNotEqualTo(made);
        assertThat(SupportFactory.adminToken(SupportFactory.adminSecret(Specs.relay("r", Specs.minimal()), made)))
                .as("a reconciliation reuses the token the Secret holds").isEqualTo(made);
    }

    @Test
    void podRunsAsFixedNonRootUserWithNothingToEscalate() {
        var pod = pod(Specs.minimal());
        var container = pod.getContainers().get(0);

        assertThat(container.getImage()).isEqualTo("mailrelay/mailrelay-operator:1.0");
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(10025L);
        assertThat(pod.getSecurityContext().getRunAsGroup()).isEqualTo(10025L);
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(container.getSecurityContext().getCapabilities().getAdd()).isNullOrEmpty();
        assertThat(container.getResources().getRequests()).containsEntry("memory", new Quantity("192Mi"));
        assertThat(container.getResources().getLimits()).containsEntry("memory", new Quantity("192Mi"));
        assertThat(pod.getVolumes()).extracting(v -> v.getName()).containsExactly("config", "admin", "peer", "tmp"); // spool: a claim
        assertThat(container.getVolumeMounts()).filteredOn(m -> m.getName().equals("peer")).singleElement()
                .satisfies(m -> {
                    assertThat(m.getMountPath()).isEqualTo("/etc/mailrelay/peer");
                    assertThat(m.getReadOnly()).isTrue();
                });
        assertThat(container.getVolumeMounts()).filteredOn(m -> m.getName().equals("admin")).singleElement()
                .satisfies(m -> {
                    assertThat(m.getMountPath()).isEqualTo("/etc/mailrelay/admin");
                    assertThat(m.getReadOnly()).isTrue();
                });
    }

    @Test
    void theFixedUidIsAlsoTheFsGroupSoTheSpoolClaimIsWritable() {
        var security = pod(Specs.minimal()).getSecurityContext();
        assertThat(security.getFsGroup()).isEqualTo(10025L);
        assertThat(security.getFsGroupChangePolicy()).isEqualTo("OnRootMismatch");

        var configured = podWith(RelayUid.parse("2000")).getSecurityContext();
        assertThat(List.of(configured.getRunAsUser(), configured.getRunAsGroup(), configured.getFsGroup()))
                .containsOnly(2000L);
    }

    @Test
    void withoutAFixedUidThePodAsksForNoneAndKeepsTheRestOfItsHardening() {
        for (RelayUid platformAssigned : List.of(RelayUid.NONE, RelayUid.AUTO.decided(() -> true))) {
            PodSpec pod = podWith(platformAssigned);
            var security = pod.getSecurityContext();
            assertThat(security.getRunAsUser()).as("runAsUser").isNull();
            assertThat(security.getRunAsGroup()).as("runAsGroup").isNull();
            assertThat(security.getFsGroup()).as("fsGroup: OpenShift's SCC assigns one").isNull();
            assertThat(security.getFsGroupChangePolicy()).isNull();
            assertThat(security.getRunAsNonRoot()).isTrue();
            assertThat(security.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
            var container = pod.getContainers().get(0).getSecurityContext();
            assertThat(container.getReadOnlyRootFilesystem()).isTrue();
            assertThat(container.getAllowPrivilegeEscalation()).isFalse();
            assertThat(container.getCapabilities().getDrop()).containsExactly("ALL");
        }
        assertThat(RelayUid.AUTO.decided(() -> false)).as("auto elsewhere: the image's UID").isEqualTo(RelayUid.IMAGE);
        assertThat(RelayUid.parse("2000").decided(() -> true)).as("a configured UID wins on OpenShift too")
                .isEqualTo(RelayUid.fixed(2000));
    }

    @Test
    void relayUidSettingIsAutoNoneOrAUidAboveZero() {
        assertThat(RelayUid.parse(null)).isEqualTo(RelayUid.AUTO);
        assertThat(RelayUid.parse(" auto ")).isEqualTo(RelayUid.AUTO);
        assertThat(RelayUid.parse("none").uid()).isEmpty();
        assertThat(RelayUid.parse("10025")).isEqualTo(RelayUid.IMAGE);
        for (String bad : List.of("0", "-1", "root", "10025:10025")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> RelayUid.parse(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mailrelay.relay-uid");
        }
    }

    private static PodSpec podWith(RelayUid relayUid) {
        OperatorSettings settings = new OperatorSettings(SETTINGS.relayImage(), SETTINGS.operatorNamespace(), List.of(),
                relayUid);
        return ((StatefulSet) DesiredState.of(Specs.relay("r", Specs.minimal()), settings, "yaml", "h", "admin-token")
                .workload()).getSpec().getTemplate().getSpec();
    }

    @Test
    void theDrainFitsTheGracePeriodAndTheRelayIsToldHowLongItHas() {
        var pod = pod(Specs.minimal());
        var container = pod.getContainers().get(0);
        assertThat(pod.getTerminationGracePeriodSeconds()).isEqualTo(60L);
        assertThat(container.getLifecycle().getPreStop().getSleep().getSeconds()).isEqualTo(10L);
        assertThat(container.getArgs()).containsExactly("relay", "--config", "/etc/mailrelay/config/relay.yaml",
                "--grace-period", "45s");

        MailRelaySpec longer = Specs.minimal();
        longer.terminationGracePeriodSeconds = 300;
        var longPod = pod(longer);
        assertThat(longPod.getTerminationGracePeriodSeconds()).isEqualTo(300L);
        assertThat(longPod.getContainers().get(0).getArgs()).endsWith("--grace-period", "285s");

        // the smallest the CRD allows still leaves the relay a drain: preStop + drain + margin = grace period
        MailRelaySpec shortest = Specs.minimal();
        shortest.terminationGracePeriodSeconds = 20;
        assertThat(PodTemplateFactory.PRE_STOP_SLEEP_SECONDS + PodTemplateFactory.drainSeconds(shortest)
                + PodTemplateFactory.EXIT_MARGIN_SECONDS).isEqualTo(20L);
        assertThat(PodTemplateFactory.drainSeconds(shortest)).isEqualTo(5L);
        var ephemeralPod = desired(emptyDir(longer)).get(Deployment.class).getSpec().getTemplate().getSpec();
        assertThat(ephemeralPod.getTerminationGracePeriodSeconds()).isEqualTo(300L);
        assertThat(ephemeralPod.getContainers().get(0).getArgs()).endsWith("--grace-period", "285s");
    }

    private static MailRelaySpec emptyDir(MailRelaySpec spec) {
        spec.persistence = new Persistence();
        spec.persistence.type = Persistence.Type.EmptyDir;
        return spec;
    }

    private static PodSpec pod(MailRelaySpec spec) {
        return ((StatefulSet) desired(spec).workload()).getSpec().getTemplate().getSpec();
    }

    @Test
    void ownImageAndResourcesWin() {
        MailRelaySpec spec = Specs.minimal();
        spec.image = "registry.example/relay:2";
        spec.resources = new ResourceRequirementsBuilder().addToLimits("memory", new Quantity("1Gi")).build();

        var container = pod(spec).getContainers().get(0);

        assertThat(container.getImage()).isEqualTo("registry.example/relay:2");
        assertThat(container.getResources().getLimits()).containsOnlyKeys("memory").containsEntry("memory", new Quantity("1Gi"));
    }

    private static Map<String, String> env(MailRelaySpec spec) {
        Map<String, String> env = new java.util.LinkedHashMap<>();
        var container = pod(spec).getContainers().get(0);
        if (container.getEnv() != null) {
            container.getEnv().forEach(var -> env.put(var.getName(), var.getValue()));
        }
        return env;
    }

    @Test
    void theDefaultLimitOf192MiGetsASmallHeapAndTheSerialCollector() {
        Map<String, String> env = env(Specs.minimal());

        assertThat(env).containsOnlyKeys("JAVA_TOOL_OPTIONS", "MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_",
                "MALLOC_TRIM_THRESHOLD_").containsEntry("MALLOC_ARENA_MAX", "2");
        assertThat(env.get("JAVA_TOOL_OPTIONS").split(" ")).contains("-Xmx64m", "-Xms8m", "-XX:+UseSerialGC",
                "-XX:MaxDirectMemorySize=12m", "-XX:ReservedCodeCacheSize=32m", "-XX:TieredStopAtLevel=1");
    }

    @Test
    void aRelaySigningWithAnRsaKeyGets256MiByDefaultAndWithItC2() {
        MailRelaySpec spec = Specs.minimal();
        io.mailrelay.api.DkimSigning key = new io.mailrelay.api.DkimSigning();
        key.domain = "example.com";
        key.selector = "s1";
        key.algorithm = io.mailrelay.api.DkimSigning.Algorithm.ED25519; // as fast under C1: the default stays
        spec.dkim = List.of(key);
        assertThat(pod(spec).getContainers().get(0).getResources().getLimits()).containsEntry("memory", new Quantity("192Mi"));
        assertThat(env(spec).get("JAVA_TOOL_OPTIONS").split(" ")).contains("-XX:TieredStopAtLevel=1");

        key.secretName = "my-key"; // a key of its own, whose algorithm the render does not read: perhaps RSA
        var resources = pod(spec).getContainers().get(0).getResources();
        assertThat(resources.getLimits()).containsEntry("memory", new Quantity("256Mi"));
        assertThat(resources.getRequests()).containsEntry("memory", new Quantity("256Mi"));
        assertThat(env(spec).get("JAVA_TOOL_OPTIONS").split(" ")).contains("-Xmx85m").doesNotContain("-XX:TieredStopAtLevel=1");

        key.secretName = null;
        key.algorithm = io.mailrelay.api.DkimSigning.Algorithm.RSA;
        assertThat(pod(spec).getContainers().get(0).getResources().getLimits()).containsEntry("memory", new Quantity("256Mi"));

        // resources of its own win: 192Mi then means C1 (slow signatures, but no OOM kill)
        spec.resources = new ResourceRequirementsBuilder().addToLimits("memory", new Quantity("192Mi")).build();
        assertThat(env(spec).get("JAVA_TOOL_OPTIONS").split(" ")).contains("-XX:TieredStopAtLevel=1");
    }

    @Test
    void aLargerLimitGetsALargerHeap() {
        MailRelaySpec spec = Specs.minimal();
        spec.resources = new ResourceRequirementsBuilder().addToLimits("memory", new Quantity("256Mi")).build();
        assertThat(env(spec).get("JAVA_TOOL_OPTIONS").split(" ")).contains("-Xmx85m").doesNotContain("-Xmx64m");

        spec.resources = new ResourceRequirementsBuilder().addToLimits("memory", new Quantity("2Gi")).build();
        assertThat(env(spec).get("JAVA_TOOL_OPTIONS").split(" ")).contains("-Xmx682m", "-XX:+UseG1GC")
                .doesNotContain("-XX:+UseSerialGC");

        // decimal units are bytes too: 1G = 953.67Mi
        spec.resources = new ResourceRequirementsBuilder().addToLimits("memory", new Quantity("1G")).build();
        assertThat(env(spec).get("JAVA_TOOL_OPTIONS").split(" ")).contains("-Xmx317m");
    }

    @Test
    void withoutAMemoryLimitNothingIsRenderedAndTheImageDefaultApplies() {
        MailRelaySpec spec = Specs.minimal();
        spec.resources = new ResourceRequirementsBuilder().addToRequests("memory", new Quantity("300Mi"))
                .addToLimits("cpu", new Quantity("1")).build();

        assertThat(env(spec)).isEmpty();
    }

    @Test
    void severalReplicasAreSpreadAndBudgetedUnlessAffinityIsGiven() {
        MailRelaySpec spec = Specs.minimal();
        spec.replicas = 3;
        DesiredState state = desired(spec);
        assertThat(state.get(StatefulSet.class).getSpec().getTemplate().getSpec().getTopologySpreadConstraints()).hasSize(2);
        assertThat(state.get(PodDisruptionBudget.class).getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);

        spec.affinity = new AffinityBuilder().withNewNodeAffinity().endNodeAffinity().build();
        assertThat(pod(spec).getTopologySpreadConstraints())
                .isEmpty();
    }

    @Test
    void byDefaultAStatefulSetRollsOnePodAtATimeEachWithAClaimOfOneGi() {
        StatefulSet statefulSet = desired(Specs.minimal()).get(StatefulSet.class);

        assertThat(statefulSet.getSpec().getUpdateStrategy().getType()).isEqualTo("RollingUpdate");
        assertThat(statefulSet.getSpec().getVolumeClaimTemplates()).singleElement().satisfies(claim -> {
            assertThat(claim.getMetadata().getName()).isEqualTo("spool");
            assertThat(claim.getSpec().getStorageClassName()).isNull();
            assertThat(claim.getSpec().getAccessModes()).containsExactly("ReadWriteOnce");
            assertThat(claim.getSpec().getResources().getRequests()).containsEntry("storage", new Quantity("1Gi"));
        });
        assertThat(statefulSet.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenScaled()).isEqualTo("Retain");
        assertThat(desired(Specs.minimal()).objects()).noneMatch(Deployment.class::isInstance);
        // the deprecated enabled: true says the same; enabled: false alone says nothing (v0.1 wrote it as a default)
        for (Boolean enabled : new Boolean[] {true, false}) {
            MailRelaySpec old = Specs.minimal();
            old.persistence = new Persistence();
            old.persistence.enabled = enabled;
            assertThat(desired(old).workload()).isInstanceOf(StatefulSet.class);
        }
    }

    @Test
    void onlyAnExplicitEmptyDirMakesADeploymentWithABoundedEmptyDir() {
        MailRelaySpec spec = emptyDir(Specs.minimal());
        Deployment deployment = desired(spec).get(Deployment.class);
        assertThat(desired(spec).objects()).noneMatch(StatefulSet.class::isInstance);
        assertThat(deployment.getSpec().getTemplate().getSpec().getVolumes()).filteredOn(v -> "spool".equals(v.getName()))
                .singleElement().satisfies(v -> assertThat(v.getEmptyDir().getSizeLimit()).isEqualTo(new Quantity("1Gi")));

        spec.persistence.size = new Quantity("300Mi");
        assertThat(desired(spec).get(Deployment.class).getSpec().getTemplate().getSpec().getVolumes())
                .filteredOn(v -> "spool".equals(v.getName())).singleElement()
                .satisfies(v -> assertThat(v.getEmptyDir().getSizeLimit()).isEqualTo(new Quantity("300Mi")));
    }

    @Test
    void persistenceMakesAStatefulSetWithAClaimPerPod() {
        MailRelaySpec spec = Specs.minimal();
        spec.persistence = new Persistence();
        spec.persistence.size = new Quantity("2Gi");
        spec.persistence.storageClassName = "fast";

        StatefulSet statefulSet = desired(spec).get(StatefulSet.class);

        assertThat(statefulSet.getSpec().getVolumeClaimTemplates()).singleElement().satisfies(claim -> {
            assertThat(claim.getSpec().getStorageClassName()).isEqualTo("fast");
            assertThat(claim.getSpec().getResources().getRequests()).containsEntry("storage", new Quantity("2Gi"));
        });
        assertThat(statefulSet.getSpec().getTemplate().getSpec().getContainers().get(0).getVolumeMounts())
                .anySatisfy(m -> assertThat(m.getName() + "@" + m.getMountPath()).isEqualTo("spool@/var/spool/mailrelay"));
    }

    @Test
    void externalServicesKeepClientAddressesByDefault() {
        MailRelaySpec spec = Specs.minimal();
        spec.service = new ServiceSpec();
        spec.service.type = ServiceSpec.Type.NodePort;
        spec.service.port = 2525;

        Service service = desired(spec).get(Service.class);

        assertThat(service.getSpec().getType()).isEqualTo("NodePort");
        assertThat(service.getSpec().getExternalTrafficPolicy()).isEqualTo("Local");
        assertThat(service.getSpec().getPorts().get(0).getPort()).isEqualTo(2525);
        assertThat(desired(Specs.minimal()).get(Service.class).getSpec().getExternalTrafficPolicy()).isNull();
    }

    @Test
    void networkPolicyAdmitsAllowListSelectorsAndTheOperatorOnly() {
        MailRelaySpec spec = Specs.minimal();
        spec.allowedNamespaceSelector = new LabelSelectorBuilder().addToMatchLabels("team", "apps").build();
        spec.allowedPodSelector = new LabelSelectorBuilder().addToMatchLabels("sends-mail", "true").build();

        NetworkPolicy policy = desired(spec).get(NetworkPolicy.class);

        assertThat(policy.getSpec().getIngress()).hasSize(2);
        assertThat(policy.getSpec().getIngress().get(1)).satisfies(rule -> {
            // the management port: the operator's namespace only (it reads the queues), no monitoring set
            assertThat(rule.getPorts()).singleElement().satisfies(port ->
                    assertThat(port.getPort().getStrVal()).isEqualTo("http"));
            assertThat(rule.getFrom()).singleElement().satisfies(peer -> assertThat(
                    peer.getNamespaceSelector().getMatchLabels()).isEqualTo(Map.of("kubernetes.io/metadata.name", "ops")));
        });
        assertThat(policy.getSpec().getIngress().get(0)).satisfies(rule -> {
            assertThat(rule.getFrom()).hasSize(4); // the fourth: the relay's own pods (the hand-off)
            assertThat(rule.getFrom().get(0).getIpBlock().getCidr()).isEqualTo("10.20.0.0/16");
            // both selectors in one peer: pods with that label in those namespaces, not either one
            assertThat(rule.getFrom().get(1).getNamespaceSelector().getMatchLabels()).isEqualTo(Map.of("team", "apps"));
            assertThat(rule.getFrom().get(1).getPodSelector().getMatchLabels()).isEqualTo(Map.of("sends-mail", "true"));
            assertThat(rule.getFrom().get(2).getNamespaceSelector().getMatchLabels())
                    .isEqualTo(Map.of("kubernetes.io/metadata.name", "ops"));
        });
    }

    @Test
    void networkPolicyAdmitsThePodsRelayForSelectsInTheNamedNamespacesOrItsOwn() {
        MailRelaySpec spec = Specs.minimal();
        spec.relayFor = new io.mailrelay.api.RelayFor();
        spec.relayFor.namespaces = List.of("apps", "batch");
        spec.relayFor.podSelector = new LabelSelectorBuilder().addToMatchLabels("role", "mailer").build();

        var peers = desired(spec).get(NetworkPolicy.class).getSpec().getIngress().get(0).getFrom();

        assertThat(peers).filteredOn(peer -> peer.getPodSelector() != null
                && Map.of("role", "mailer").equals(peer.getPodSelector().getMatchLabels())).singleElement()
                .satisfies(peer -> assertThat(peer.getNamespaceSelector().getMatchExpressions()).singleElement()
                        .satisfies(expression -> {
                            assertThat(expression.getKey()).isEqualTo("kubernetes.io/metadata.name");
                            assertThat(expression.getOperator()).isEqualTo("In");
                            assertThat(expression.getValues()).containsExactly("apps", "batch");
                        }));
        spec.relayFor.namespaces = null;
        var own = desired(spec).get(NetworkPolicy.class).getSpec().getIngress().get(0).getFrom();
        assertThat(own).filteredOn(peer -> peer.getPodSelector() != null
                && Map.of("role", "mailer").equals(peer.getPodSelector().getMatchLabels())).singleElement()
                .satisfies(peer -> assertThat(peer.getNamespaceSelector()).as("the policy's own namespace").isNull());
    }

    @Test
    void authenticationOpensSmtpToEveryoneBecauseUsersConnectFromAnywhere() {
        MailRelaySpec spec = Specs.minimal();
        spec.authentication = new Authentication();
        spec.authentication.usersSecret = "users";

        var from = desired(spec).get(NetworkPolicy.class).getSpec().getIngress().get(0).getFrom();

        assertThat(from).extracting(peer -> peer.getIpBlock().getCidr()).containsExactly("0.0.0.0/0", "::/0");
    }

    /** Behind PROXY protocol, a header from anyone but the load balancer could claim any client address. */
    @Test
    void withProxyProtocolSmtpIsAdmittedOnlyFromTheTrustedProxiesAndTheOperator() {
        MailRelaySpec spec = Specs.minimal();
        spec.authentication = new Authentication(); // would open SMTP to 0.0.0.0/0 without PROXY protocol
        spec.authentication.usersSecret = "users";
        spec.allowedNamespaceSelector = new LabelSelectorBuilder().addToMatchLabels("team", "apps").build();
        spec.service = new ServiceSpec();
        spec.service.type = ServiceSpec.Type.LoadBalancer;
        spec.service.proxyProtocol = true;
        spec.service.trustedProxies = List.of("192.0.2.0/28", "2001:db8:5::/64");

        var from = desired(spec).get(NetworkPolicy.class).getSpec().getIngress().get(0).getFrom();

        assertThat(from).hasSize(3); // PROXY protocol: no sibling pods
        assertThat(from.subList(0, 2)).extracting(peer -> peer.getIpBlock().getCidr())
                .containsExactly("192.0.2.0/28", "2001:db8:5::/64");
        assertThat(from.get(2).getNamespaceSelector().getMatchLabels())
                .isEqualTo(Map.of("kubernetes.io/metadata.name", "ops"));
    }

    @Test
    void theRelaysOwnPodsReachEachOthersSmtpPortForTheHandOffExceptBehindProxyProtocol() {
        MailRelaySpec spec = Specs.minimal();
        var from = desired(spec).get(NetworkPolicy.class).getSpec().getIngress().get(0).getFrom();
        assertThat(from).filteredOn(peer -> peer.getPodSelector() != null && peer.getNamespaceSelector() == null)
                .singleElement().satisfies(peer -> assertThat(peer.getPodSelector().getMatchLabels())
                        .isEqualTo(Map.of("app.kubernetes.io/name", "mailrelay", "app.kubernetes.io/instance", "r")));
        // PROXY protocol: the relay drops every peer but a trusted proxy anyway
        spec.service = new ServiceSpec();
        spec.service.proxyProtocol = true;
        spec.service.trustedProxies = List.of("192.0.2.0/28");
        assertThat(desired(spec).get(NetworkPolicy.class).getSpec().getIngress().get(0).getFrom())
                .noneMatch(peer -> peer.getPodSelector() != null && peer.getNamespaceSelector() == null);
    }

    @Test
    void thePeerSecretIsMadeOnceAndItsPasswordMatchesItsUsersLine() {
        Secret peer = desired(Specs.minimal()).objects().stream().filter(Secret.class::isInstance).map(Secret.class::cast)
                .filter(s -> s.getMetadata().getName().equals("r-peer")).findFirst().orElseThrow();
        SupportFactory.PeerCredentials kept = SupportFactory.peerCredentials(peer);
        assertThat(kept.username()).isEqualTo("mailrelay-peer");
        assertThat(kept.password()).hasSizeGreaterThanOrEqualTo(40);
        assertThat(kept.usersLine()).startsWith("mailrelay-peer:$2y$05$");
        assertThat(org.bouncycastle.crypto.generators.OpenBSDBCrypt.checkPassword(
                kept.usersLine().strip().substring("mailrelay-peer:".length()), kept.password().toCharArray())).isTrue();
        assertThat(SupportFactory.peerCredentials(SupportFactory.peerSecret(Specs.relay("r", Specs.minimal()), kept)))
                .isEqualTo(kept);
        assertThat(SupportFactory.peerCredentials(null).password()).isNotEqualTo(kept.password());
    }

    @Test
    void noAllowedClientsMeansSmtpOnlyFromTheRelaysOwnPods() {
        MailRelaySpec spec = Specs.minimal();
        spec.allowedNetworks = List.of();
        MailRelay relay = Specs.relay("r", spec);

        NetworkPolicy policy = NetworkPolicyFactory.networkPolicy(relay, null);

        assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress");
        assertThat(policy.getSpec().getIngress()).singleElement().satisfies(rule -> assertThat(rule.getFrom())
                .singleElement().satisfies(peer -> {
                    assertThat(peer.getIpBlock()).isNull();
                    assertThat(peer.getNamespaceSelector()).isNull();
                    assertThat(peer.getPodSelector().getMatchLabels()).containsEntry("app.kubernetes.io/instance", "r");
                }));
    }
}
