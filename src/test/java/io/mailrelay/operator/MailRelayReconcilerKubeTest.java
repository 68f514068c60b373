package io.mailrelay.operator;

import static io.mailrelay.operator.KubeFixture.condition;
import static io.mailrelay.operator.KubeFixture.conditionIs;
import static io.mailrelay.operator.KubeFixture.observed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.mailrelay.api.MailRelay;
import io.mailrelay.operator.render.PodTemplateFactory;
import io.mailrelay.api.Conditions;
import io.mailrelay.testing.RealKubeApiServer;

/** The reconciler against a real API server: every dependent, status, events, invalid references, kubectl. */
@Tag("kube")
class MailRelayReconcilerKubeTest {

    @RegisterExtension
    static final OperatorUnderTest operator = new OperatorUnderTest();
    static final RealKubeApiServer api = operator.api;
    static final KubeFixture kube = operator.kube;
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final List<Class<? extends HasMetadata>> DEPENDENT_KINDS = MailRelayReconciler.OWNED_KINDS;

    @Test
    void minimalRelayGetsEveryDependentOwnedAndHardened() throws Exception {
        String ns = "minimal";
        kube.namespace(ns, Map.of());
        MailRelay relay = kube.create(kube.example("minimal.yaml", ns));
        MailRelay done = kube.awaitRelay(ns, "minimal", observed(relay).and(conditionIs(Conditions.CONFIG_VALID, "True")));

        JsonNode config = YAML.readTree(configMap(ns, "minimal-config").getData().get("relay.yaml"));
        assertThat(config.at("/server/port").asInt()).isEqualTo(2525);
        assertThat(config.at("/allowedNetworks/0").asText()).isEqualTo("10.20.0.0/16");
        assertThat(config.at("/outbound/mode").asText()).isEqualTo("mx");
        assertThat(config.at("/spool/directory").asText()).isEqualTo("/var/spool/mailrelay");
        assertThat(config.has("authentication")).isFalse();
        assertThat(config.has("tls")).isFalse();

        // durable by default: a StatefulSet, a claim per pod, rolled one pod at a time
        StatefulSet statefulSet = kube.client().apps().statefulSets().inNamespace(ns).withName("minimal").get();
        assertThat(statefulSet.getSpec().getReplicas()).isEqualTo(1);
        assertThat(statefulSet.getSpec().getSelector().getMatchLabels())
                .containsExactlyInAnyOrderEntriesOf(Map.of("app.kubernetes.io/name", "mailrelay",
                        "app.kubernetes.io/instance", "minimal"));
        assertThat(statefulSet.getSpec().getUpdateStrategy().getType()).isEqualTo("RollingUpdate");
        assertThat(statefulSet.getSpec().getVolumeClaimTemplates()).singleElement().satisfies(claim ->
                assertThat(claim.getSpec().getResources().getRequests().get("storage").toString()).isEqualTo("1Gi"));
        assertThat(kube.client().apps().deployments().inNamespace(ns).list().getItems()).isEmpty();
        var pod = statefulSet.getSpec().getTemplate();
        assertThat(pod.getMetadata().getAnnotations()).containsKey(PodTemplateFactory.CONFIG_HASH_ANNOTATION);
        assertThat(pod.getSpec().getServiceAccountName()).isEqualTo("minimal-relay");
        assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
        assertThat(pod.getSpec().getSecurityContext().getRunAsUser()).isEqualTo(10025L);
        assertThat(pod.getSpec().getSecurityContext().getFsGroup()).isEqualTo(10025L);
        assertThat(pod.getSpec().getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(pod.getSpec().getTopologySpreadConstraints()).isEmpty();
        var container = pod.getSpec().getContainers().get(0);
        assertThat(container.getImage()).isEqualTo(KubeFixture.TEST_IMAGE);
        assertThat(container.getArgs()).containsExactly("relay", "--config", "/etc/mailrelay/config/relay.yaml",
                "--grace-period", "45s");
        assertThat(pod.getSpec().getTerminationGracePeriodSeconds()).isEqualTo(60L);
        assertThat(container.getPorts()).extracting(p -> p.getName() + ":" + p.getContainerPort())
                .containsExactly("smtp:2525", "http:8080");
        assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
        assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
        assertThat(container.getLifecycle().getPreStop().getSleep().getSeconds()).isEqualTo(10L);
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(container.getResources().getLimits()).containsKey("memory");
        assertThat(container.getVolumeMounts()).extracting(m -> m.getName() + "@" + m.getMountPath())
                .containsExactly("config@/etc/mailrelay/config", "admin@/etc/mailrelay/admin", "peer@/etc/mailrelay/peer",
                        "spool@/var/spool/mailrelay", "tmp@/tmp");
        assertThat(pod.getSpec().getVolumes()).extracting(v -> v.getName()).doesNotContain("spool"); // the claim
        assertThat(condition(done, Conditions.SPOOL_EPHEMERAL).orElseThrow())
                .satisfies(c -> assertThat(c.getStatus() + "/" + c.getReason()).isEqualTo("False/PersistentVolumeClaim"));

        Service service = kube.client().services().inNamespace(ns).withName("minimal").get();
        assertThat(service.getSpec().getType()).isEqualTo("ClusterIP");
        assertThat(service.getSpec().getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getPort()).isEqualTo(25);
            assertThat(p.getTargetPort()).isEqualTo(new IntOrString("smtp"));
        });

        NetworkPolicy policy = kube.client().network().v1().networkPolicies().inNamespace(ns).withName("minimal").get();
        assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress");
        assertThat(policy.getSpec().getIngress()).hasSize(2);
        assertThat(policy.getSpec().getIngress().get(0)).satisfies(rule -> {
            assertThat(rule.getPorts()).singleElement().satisfies(p -> assertThat(p.getPort()).isEqualTo(new IntOrString("smtp")));
            assertThat(rule.getFrom()).extracting(MailRelayReconcilerKubeTest::peer)
                    .containsExactly("ip:10.20.0.0/16", "ns:{kubernetes.io/metadata.name=mailrelay-system}",
                            "pods:{app.kubernetes.io/instance=minimal, app.kubernetes.io/name=mailrelay}");
        });
        // the management port: the operator's namespace only (it reads the queues with the admin token)
        assertThat(policy.getSpec().getIngress().get(1)).satisfies(rule -> {
            assertThat(rule.getPorts()).singleElement().satisfies(p -> assertThat(p.getPort()).isEqualTo(new IntOrString("http")));
            assertThat(rule.getFrom()).extracting(MailRelayReconcilerKubeTest::peer)
                    .containsExactly("ns:{kubernetes.io/metadata.name=mailrelay-system}");
        });
        // the admin token: owned, made once, kept across reconciliations
        var admin = kube.client().secrets().inNamespace(ns).withName("minimal-admin").get();
        assertThat(admin.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(owner -> assertThat(owner.getName()).isEqualTo("minimal"));
        assertThat(admin.getData()).containsOnlyKeys("token");
        // the hand-off credentials: owned, mounted, named in relay.yaml
        var peer = kube.client().secrets().inNamespace(ns).withName("minimal-peer").get();
        assertThat(peer.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(owner -> assertThat(owner.getName()).isEqualTo("minimal"));
        assertThat(peer.getData()).containsOnlyKeys("username", "password", "users");
        assertThat(YAML.readTree(configMap(ns, "minimal-config").getData().get("relay.yaml")).at("/handOff/usersFile")
                .asText()).isEqualTo("/etc/mailrelay/peer/users");
        assertThat(YAML.readTree(configMap(ns, "minimal-config").getData().get("relay.yaml")).at("/admin/tokenFile")
                .asText()).isEqualTo("/etc/mailrelay/admin/token");
        assertThat(kube.client().serviceAccounts().inNamespace(ns).withName("minimal-relay").get().getAutomountServiceAccountToken())
                .isFalse();
        assertThat(kube.client().policy().v1().podDisruptionBudget().inNamespace(ns).withName("minimal").get()).isNull();

        assertThat(done.getStatus().endpoint).isEqualTo("minimal.minimal.svc:25");
        assertThat(condition(done, Conditions.READY).orElseThrow().getStatus()).isEqualTo("False");
        assertThat(condition(done, Conditions.NETWORK_RISK).orElseThrow().getStatus()).isEqualTo("False");
        assertThat(condition(done, Conditions.RELAY_CLOSED).orElseThrow())
                .satisfies(c -> assertThat(c.getStatus() + "/" + c.getReason()).isEqualTo("Unknown/NotProbedYet"));
        assertThat(done.getStatus().probe).isNull();
        assertThat(eventReasons(ns, "minimal")).contains("Created");
        assertEverythingOwned(ns, done, 5);
    }

    @Test
    void specChangeRollsThePodsAndAvailabilityMakesItReady() {
        String ns = "rollout";
        kube.namespace(ns, Map.of());
        MailRelay relay = kube.example("minimal.yaml", ns);
        // asked for in so many words: a Deployment with a bounded emptyDir, flagged as ephemeral
        relay.getSpec().persistence = new io.mailrelay.api.Persistence();
        relay.getSpec().persistence.type = io.mailrelay.api.Persistence.Type.EmptyDir;
        relay = kube.create(relay);
        MailRelay created = kube.awaitRelay(ns, "minimal", observed(relay));
        String firstHash = configHash(ns);
        assertThat(condition(created, Conditions.SPOOL_EPHEMERAL).orElseThrow()).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("True");
            assertThat(c.getReason()).isEqualTo("EmptyDirRequested");
        });
        assertThat(kube.client().apps().deployments().inNamespace(ns).withName("minimal").get().getSpec().getTemplate()
                .getSpec().getVolumes()).filteredOn(v -> "spool".equals(v.getName())).singleElement()
                .satisfies(v -> assertThat(v.getEmptyDir().getSizeLimit().toString()).isEqualTo("1Gi"));
        assertThat(kube.client().apps().statefulSets().inNamespace(ns).list().getItems()).isEmpty();

        relay = kube.get(ns, "minimal");
        relay.getSpec().allowedNetworks = List.of("10.20.0.0/16", "192.0.2.0/24");
        MailRelay updated = kube.update(relay);
        kube.awaitRelay(ns, "minimal", observed(updated));

        assertThat(configMap(ns, "minimal-config").getData().get("relay.yaml")).contains("192.0.2.0/24");
        assertThat(configHash(ns)).isNotEqualTo(firstHash);
        assertThat(eventReasons(ns, "minimal")).contains("ConfigChanged");

        // no kubelet or controller-manager here: report the rollout as done, as they would
        kube.client().apps().deployments().inNamespace(ns).withName("minimal").editStatus(d -> {
            d.setStatus(new DeploymentStatusBuilder().withObservedGeneration(d.getMetadata().getGeneration())
                    .withReplicas(1).withUpdatedReplicas(1).withReadyReplicas(1).withAvailableReplicas(1).build());
            return d;
        });
        MailRelay ready = kube.awaitRelay(ns, "minimal", conditionIs(Conditions.READY, "True"));
        assertThat(ready.getStatus().readyReplicas).isEqualTo(1);
        assertThat(condition(ready, Conditions.READY).orElseThrow().getMessage()).isEqualTo("1/1 relay pods available");
        assertThat(eventReasons(ns, "minimal")).contains("Ready").containsOnlyOnce("SpoolEphemeral");

        var get = api.kubectl("get", "mr", "-n", ns).assertSuccess().stdout();
        assertThat(get.lines().findFirst().orElseThrow().split("\\s+")).as(get)
                .containsExactly("NAME", "READY", "REPLICAS", "RELAY", "QUEUE", "OLDEST", "ENDPOINT", "AGE");
        assertThat(get).containsPattern("minimal\\s+True\\s+1\\s+minimal\\.rollout\\.svc:25");
        var describe = api.kubectl("describe", "mr", "minimal", "-n", ns).assertSuccess().stdout();
        assertThat(describe).contains("Type:", "Ready", "ConfigValid", "Applied", "NetworkRisk", "RelayClosed",
                "NotProbedYet", "1/1 relay pods available", "Events:", "Created", "ConfigChanged");

        // the next rollout: the old pod still available, the new one never comes (image not pullable, say)
        String token = kube.client().secrets().inNamespace(ns).withName("minimal-admin").get().getData().get("token");
        var peerPassword = kube.client().secrets().inNamespace(ns).withName("minimal-peer").get().getData();
        relay = kube.get(ns, "minimal");
        relay.getSpec().allowedNetworks = List.of("10.20.0.0/16");
        MailRelay rolling = kube.update(relay);
        kube.awaitRelay(ns, "minimal", observed(rolling));
        assertThat(kube.client().secrets().inNamespace(ns).withName("minimal-admin").get().getData().get("token"))
                .as("a reconciliation never rotates the admin token").isEqualTo(token);
        assertThat(kube.client().secrets().inNamespace(ns).withName("minimal-peer").get().getData())
                .as("nor the hand-off credentials").isEqualTo(peerPassword);
        kube.client().apps().deployments().inNamespace(ns).withName("minimal").editStatus(d -> {
            d.setStatus(new DeploymentStatusBuilder().withObservedGeneration(d.getMetadata().getGeneration())
                    .withReplicas(2).withUpdatedReplicas(0).withReadyReplicas(1).withAvailableReplicas(1).build());
            return d;
        });
        // the old pod is available, but it runs the old configuration
        MailRelay progressing = kube.awaitRelay(ns, "minimal", r -> condition(r, Conditions.READY)
                .map(c -> c.getMessage().endsWith("0 updated to the latest configuration")).orElse(false));
        assertThat(condition(progressing, Conditions.READY).orElseThrow()).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("Progressing");
        });

        kube.client().apps().deployments().inNamespace(ns).withName("minimal").editStatus(d -> {
            d.setStatus(new DeploymentStatusBuilder().withObservedGeneration(d.getMetadata().getGeneration())
                    .withReplicas(2).withUpdatedReplicas(1).withReadyReplicas(1).withAvailableReplicas(1)
                    .addNewCondition().withType("Progressing").withStatus("False").withReason("ProgressDeadlineExceeded")
                    .withMessage("ReplicaSet \"minimal-7c9\" has timed out progressing.").endCondition().build());
            return d;
        });
        MailRelay stuck = kube.awaitRelay(ns, "minimal", r -> condition(r, Conditions.READY)
                .map(c -> "RolloutStuck".equals(c.getReason())).orElse(false));
        assertThat(condition(stuck, Conditions.READY).orElseThrow()).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getMessage()).isEqualTo("ReplicaSet \"minimal-7c9\" has timed out progressing.");
        });
    }

    @Test
    void missingSecretsAreReportedAndNothingIsHalfApplied() throws Exception {
        String ns = "tls-auth";
        kube.namespace(ns, Map.of());
        MailRelay relay = kube.create(kube.example("tls-auth.yaml", ns));
        MailRelay invalid = kube.awaitRelay(ns, "tls-auth", observed(relay).and(conditionIs(Conditions.CONFIG_VALID, "False")));
        assertThat(condition(invalid, Conditions.CONFIG_VALID).orElseThrow()).satisfies(c -> {
            assertThat(c.getReason()).isEqualTo("SecretMissing");
            assertThat(c.getMessage()).contains("tls.secretName: Secret relay-tls not found")
                    .contains("authentication.usersSecret: Secret relay-users not found");
        });
        assertThat(condition(invalid, Conditions.READY).orElseThrow().getReason()).isEqualTo("ConfigInvalid");
        for (var kind : DEPENDENT_KINDS) {
            assertThat(kube.client().resources(kind).inNamespace(ns).list().getItems()).as(kind.getSimpleName()).isEmpty();
        }
        assertThat(eventReasons(ns, "tls-auth")).containsOnlyOnce("InvalidConfig");

        kube.secret(ns, "relay-tls", "kubernetes.io/tls", Map.of("tls.crt", "CERT", "tls.key", "KEY"));
        kube.secret(ns, "relay-users", "Opaque", Map.of("users", "alice:" + bcrypt("secret") + "\n"));
        relay = kube.get(ns, "tls-auth");
        relay.getSpec().limits.maxAuthFailures = 3; // a spec change reconciles now rather than at the next resync
        relay = kube.update(relay);
        MailRelay valid = kube.awaitRelay(ns, "tls-auth", observed(relay).and(conditionIs(Conditions.CONFIG_VALID, "True")));
        JsonNode config = YAML.readTree(configMap(ns, "tls-auth-config").getData().get("relay.yaml"));
        assertThat(config.at("/tls/certificateFile").asText()).isEqualTo("/etc/mailrelay/tls/tls.crt");
        assertThat(config.at("/authentication/usersFile").asText()).isEqualTo("/etc/mailrelay/auth/users");
        assertThat(config.at("/limits/maxAuthFailures").asInt()).isEqualTo(3);
        var podSpec = kube.podTemplate(ns, "tls-auth").getSpec();
        assertThat(podSpec.getVolumes()).filteredOn(v -> v.getSecret() != null)
                .extracting(v -> v.getName() + "=" + v.getSecret().getSecretName())
                .containsExactly("tls=relay-tls", "auth=relay-users", "admin=tls-auth-admin", "peer=tls-auth-peer");
        // with TLS the hand-off user authenticates after STARTTLS, like everyone
        assertThat(config.at("/handOff/allowWithoutTls").asBoolean()).isFalse();
        String validYaml = configMap(ns, "tls-auth-config").getData().get("relay.yaml");
        String validHash = configHash(ns, "tls-auth");

        valid.getSpec().authentication.usersSecret = "gone";
        valid.getSpec().limits.maxAuthFailures = 9;
        MailRelay broken = kube.update(valid);
        MailRelay reported = kube.awaitRelay(ns, "tls-auth", observed(broken).and(conditionIs(Conditions.CONFIG_VALID, "False")));
        assertThat(condition(reported, Conditions.CONFIG_VALID).orElseThrow().getMessage())
                .contains("Secret gone not found").contains("the previous configuration keeps running");
        assertThat(configMap(ns, "tls-auth-config").getData().get("relay.yaml")).isEqualTo(validYaml);
        assertThat(configHash(ns, "tls-auth")).isEqualTo(validHash);
        assertEverythingOwned(ns, reported, 5);
    }

    @Test
    void smarthostRelayWithTwoReplicasIsSpreadBudgetedAndOpenForItsLocalDomain() throws Exception {
        String ns = "smarthost";
        kube.namespace(ns, Map.of());
        kube.secret(ns, "smarthost-credentials", "Opaque", Map.of("username", "relay", "password", "pw"));
        MailRelay relay = kube.create(kube.example("smarthost.yaml", ns));
        MailRelay done = kube.awaitRelay(ns, "smarthost", observed(relay).and(conditionIs(Conditions.CONFIG_VALID, "True")));

        JsonNode config = YAML.readTree(configMap(ns, "smarthost-config").getData().get("relay.yaml"));
        assertThat(config.at("/outbound/smarthost/host").asText()).isEqualTo("smtp.provider.example");
        assertThat(config.at("/outbound/smarthost/port").asInt()).isEqualTo(587);
        assertThat(config.at("/outbound/smarthost/tls").asText()).isEqualTo("required");
        assertThat(config.at("/outbound/smarthost/usernameFile").asText()).isEqualTo("/etc/mailrelay/smarthost/username");
        assertThat(config.at("/localDomains/0/deliverTo").asText()).isEqualTo("mail.example.com:25");
        assertThat(config.at("/localDomains/0/recipientCheck").asText()).isEqualTo("callout");
        assertThat(config.at("/localDomains/0/recipients").isMissingNode()).isTrue();
        assertThat(config.at("/localDomains/1/recipientCheck").asText()).isEqualTo("list");
        assertThat(config.at("/localDomains/1/recipients/0").asText()).isEqualTo("*-announce@lists.example.com");
        assertThat(config.at("/senderRestrictions/allowedSenderDomains/0").asText()).isEqualTo("example.com");

        var pod = kube.podTemplate(ns, "smarthost").getSpec();
        assertThat(pod.getTopologySpreadConstraints()).extracting(c -> c.getTopologyKey())
                .containsExactly("kubernetes.io/hostname", "topology.kubernetes.io/zone");
        assertThat(kube.client().policy().v1().podDisruptionBudget().inNamespace(ns).withName("smarthost").get()
                .getSpec().getMaxUnavailable()).isEqualTo(new IntOrString(1));

        var ingress = kube.client().network().v1().networkPolicies().inNamespace(ns).withName("smarthost").get().getSpec()
                .getIngress();
        assertThat(ingress).hasSize(2);
        assertThat(ingress.get(0).getFrom()).extracting(MailRelayReconcilerKubeTest::peer)
                .containsExactly("ip:0.0.0.0/0", "ip:::/0");
        assertThat(ingress.get(1).getPorts().get(0).getPort()).isEqualTo(new IntOrString("http"));
        assertThat(ingress.get(1).getFrom()).extracting(MailRelayReconcilerKubeTest::peer)
                .containsExactly("ns:{kubernetes.io/metadata.name=mailrelay-system}", "ns:{kubernetes.io/metadata.name=monitoring}");

        // new smarthost password: the relay reads it for every connection, so nothing rolls
        String hashBefore = configHash(ns, "smarthost");
        String yamlBefore = configMap(ns, "smarthost-config").getData().get("relay.yaml");
        kube.secret(ns, "smarthost-credentials", "Opaque", Map.of("username", "relay", "password", "rotated"));
        done.getSpec().probe = new io.mailrelay.api.ProbeSpec();
        done.getSpec().probe.interval = "10m"; // not in relay.yaml: only triggers a reconciliation now
        done = kube.update(done);
        kube.awaitRelay(ns, "smarthost", observed(done));
        assertThat(configMap(ns, "smarthost-config").getData().get("relay.yaml")).isEqualTo(yamlBefore);
        assertThat(configHash(ns, "smarthost")).isEqualTo(hashBefore);

        // scaling down to one removes the budget, which would otherwise block every drain
        done.getSpec().replicas = 1;
        MailRelay single = kube.update(done);
        kube.awaitRelay(ns, "smarthost", observed(single));
        assertThat(kube.client().policy().v1().podDisruptionBudget().inNamespace(ns).withName("smarthost").get()).isNull();
        assertEverythingOwned(ns, single, 5);
    }

    @Test
    void persistentRelayIsAStatefulSetUntilPersistenceIsTurnedOff() {
        String ns = "persistent";
        kube.namespace(ns, Map.of());
        MailRelay relay = kube.create(kube.example("persistent.yaml", ns));
        MailRelay done = kube.awaitRelay(ns, "persistent", observed(relay).and(conditionIs(Conditions.CONFIG_VALID, "True")));

        StatefulSet statefulSet = kube.client().apps().statefulSets().inNamespace(ns).withName("persistent").get();
        assertThat(statefulSet.getSpec().getReplicas()).isEqualTo(2);
        assertThat(statefulSet.getSpec().getVolumeClaimTemplates()).singleElement().satisfies(claim -> {
            assertThat(claim.getMetadata().getName()).isEqualTo("spool");
            assertThat(claim.getSpec().getResources().getRequests().get("storage").toString()).isEqualTo("1Gi");
        });
        assertThat(statefulSet.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenDeleted()).isEqualTo("Retain");
        assertThat(statefulSet.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds()).isEqualTo(120L);
        assertThat(statefulSet.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
                .endsWith("--grace-period", "105s");
        assertThat(kube.client().configMaps().inNamespace(ns).withName("persistent-config").get().getData().get("relay.yaml"))
                .contains("minFreeSpace: 104857600");
        assertThat(statefulSet.getSpec().getTemplate().getSpec().getVolumes()).extracting(v -> v.getName())
                .doesNotContain("spool");
        assertThat(kube.client().apps().deployments().inNamespace(ns).list().getItems()).isEmpty();
        assertEverythingOwned(ns, done, 6);

        // volume claim templates are immutable: refused before anything is applied, not halfway through
        done.getSpec().persistence.size = new io.fabric8.kubernetes.api.model.Quantity("5Gi");
        done.getSpec().limits = new io.mailrelay.api.Limits();
        done.getSpec().limits.maxRecipients = 10;
        MailRelay resized = kube.update(done);
        MailRelay refused = kube.awaitRelay(ns, "persistent",
                observed(resized).and(conditionIs(Conditions.CONFIG_VALID, "False")));
        assertThat(condition(refused, Conditions.CONFIG_VALID).orElseThrow()).satisfies(c -> {
            assertThat(c.getReason()).isEqualTo("SpoolVolumeImmutable");
            assertThat(c.getMessage()).startsWith("persistence.size: the spool volumes of the running StatefulSet are 1Gi");
        });
        assertThat(configMap(ns, "persistent-config").getData().get("relay.yaml")).doesNotContain("maxRecipients");
        assertThat(kube.client().apps().statefulSets().inNamespace(ns).withName("persistent").get().getMetadata().getGeneration())
                .isEqualTo(statefulSet.getMetadata().getGeneration());

        // a switch to an emptyDir while pods hold their queues on the claims: refused, nothing applied
        refused.getSpec().persistence.size = null; // the default, 1Gi: the size refusal is gone
        refused.getSpec().persistence.enabled = null;
        refused.getSpec().persistence.type = io.mailrelay.api.Persistence.Type.EmptyDir;
        MailRelay switched = kube.update(refused);
        MailRelay switchRefused = kube.awaitRelay(ns, "persistent",
                observed(switched).and(conditionIs(Conditions.CONFIG_VALID, "False")));
        assertThat(condition(switchRefused, Conditions.CONFIG_VALID).orElseThrow()).satisfies(c -> {
            assertThat(c.getReason()).isEqualTo("SpoolVolumeSwitch");
            assertThat(c.getMessage()).contains("StatefulSet persistent whose 2 pod(s)").contains("replicas: 0");
        });
        assertThat(kube.client().apps().statefulSets().inNamespace(ns).withName("persistent").get()).isNotNull();
        assertThat(kube.client().apps().deployments().inNamespace(ns).list().getItems()).isEmpty();

        // scaled to 0 first (every pod drains), then the switch is allowed; the claims would be kept
        switchRefused.getSpec().persistence.type = null;
        switchRefused.getSpec().replicas = 0;
        MailRelay scaledDown = kube.update(switchRefused);
        kube.awaitRelay(ns, "persistent", observed(scaledDown).and(conditionIs(Conditions.CONFIG_VALID, "True")));
        assertThat(kube.client().apps().statefulSets().inNamespace(ns).withName("persistent").get().getSpec().getReplicas())
                .isZero();
        MailRelay atZero = kube.get(ns, "persistent");
        atZero.getSpec().persistence.type = io.mailrelay.api.Persistence.Type.EmptyDir;
        MailRelay ephemeral = kube.update(atZero);
        kube.awaitRelay(ns, "persistent", observed(ephemeral).and(conditionIs(Conditions.CONFIG_VALID, "True")));
        assertThat(kube.client().apps().deployments().inNamespace(ns).withName("persistent").get()).isNotNull();
        assertThat(kube.client().apps().statefulSets().inNamespace(ns).list().getItems()).isEmpty();

        // and back to claims: refused while the Deployment has pods, with what to do
        MailRelay back = kube.get(ns, "persistent");
        back.getSpec().replicas = 1;
        back = kube.update(back);
        kube.awaitRelay(ns, "persistent", observed(back).and(conditionIs(Conditions.CONFIG_VALID, "True")));
        back = kube.get(ns, "persistent");
        // as a v0.1 object reads: persistence.enabled: false was written as a default and says nothing
        back.getSpec().persistence.type = null;
        back.getSpec().persistence.enabled = false;
        back = kube.update(back);
        MailRelay backRefused = kube.awaitRelay(ns, "persistent",
                observed(back).and(conditionIs(Conditions.CONFIG_VALID, "False")));
        assertThat(condition(backRefused, Conditions.CONFIG_VALID).orElseThrow()).satisfies(c -> {
            assertThat(c.getReason()).isEqualTo("SpoolVolumeSwitch");
            assertThat(c.getMessage()).contains("Deployment persistent with an emptyDir spool")
                    .contains("(the previous configuration keeps running)");
        });
        assertThat(kube.client().apps().deployments().inNamespace(ns).withName("persistent").get()).isNotNull();
        assertThat(kube.client().apps().statefulSets().inNamespace(ns).list().getItems()).isEmpty();
    }

    @Test
    void aPendingSpoolClaimShowsInReadyWithTheReasonFromItsEvents() {
        String ns = "pending";
        kube.namespace(ns, Map.of());
        MailRelay relay = kube.create(kube.example("minimal.yaml", ns));
        kube.awaitRelay(ns, "minimal", observed(relay));
        // no controller-manager here: make the claim the StatefulSet controller makes, and the PV controller's event
        var claim = kube.client().persistentVolumeClaims().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder()
                .withNewMetadata().withName("spool-minimal-0").withLabels(Map.of("app.kubernetes.io/name", "mailrelay",
                        "app.kubernetes.io/instance", "minimal", "app.kubernetes.io/component", "relay",
                        "app.kubernetes.io/managed-by", "mailrelay-operator")).endMetadata()
                .withNewSpec().withAccessModes("ReadWriteOnce").withNewResources()
                    .addToRequests("storage", new io.fabric8.kubernetes.api.model.Quantity("1Gi")).endResources().endSpec()
                .build()).create();
        kube.client().v1().events().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.EventBuilder()
                .withNewMetadata().withName("spool-minimal-0.1").endMetadata()
                .withNewInvolvedObject().withKind("PersistentVolumeClaim").withNamespace(ns).withName("spool-minimal-0")
                    .withUid(claim.getMetadata().getUid()).withApiVersion("v1").endInvolvedObject()
                .withType("Warning").withReason("FailedBinding")
                .withMessage("no persistent volumes available for this claim and no storage class is set")
                .withLastTimestamp(java.time.Instant.now().toString()).withCount(1)
                .withNewSource().withComponent("persistentvolume-controller").endSource()
                .build()).create();
        kube.client().persistentVolumeClaims().inNamespace(ns).withName("spool-minimal-0").editStatus(c -> {
            c.setStatus(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatusBuilder().withPhase("Pending").build());
            return c;
        });

        MailRelay pending = kube.awaitRelay(ns, "minimal", r -> condition(r, Conditions.READY)
                .map(c -> "SpoolVolumePending".equals(c.getReason())).orElse(false));
        assertThat(condition(pending, Conditions.READY).orElseThrow()).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getMessage()).isEqualTo("PersistentVolumeClaim spool-minimal-0 is Pending: FailedBinding: "
                    + "no persistent volumes available for this claim and no storage class is set");
        });

        // bound, and the pod up: Ready
        kube.client().persistentVolumeClaims().inNamespace(ns).withName("spool-minimal-0").editStatus(c -> {
            c.setStatus(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatusBuilder().withPhase("Bound").build());
            return c;
        });
        kube.client().apps().statefulSets().inNamespace(ns).withName("minimal").editStatus(d -> {
            d.setStatus(new io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder()
                    .withObservedGeneration(d.getMetadata().getGeneration()).withReplicas(1).withUpdatedReplicas(1)
                    .withReadyReplicas(1).withAvailableReplicas(1).build());
            return d;
        });
        MailRelay ready = kube.awaitRelay(ns, "minimal", conditionIs(Conditions.READY, "True"));
        assertThat(condition(ready, Conditions.READY).orElseThrow().getMessage()).isEqualTo("1/1 relay pods available");
    }

    @Test
    void loadBalancerWithProxyProtocolKeepsClientAddresses() throws Exception {
        String ns = "edge";
        kube.namespace(ns, Map.of());
        MailRelay relay = kube.create(kube.example("loadbalancer-proxy.yaml", ns));
        MailRelay done = kube.awaitRelay(ns, "edge", observed(relay).and(conditionIs(Conditions.CONFIG_VALID, "True")));

        Service service = kube.client().services().inNamespace(ns).withName("edge").get();
        assertThat(service.getSpec().getType()).isEqualTo("LoadBalancer");
        assertThat(service.getSpec().getExternalTrafficPolicy()).isEqualTo("Local");
        assertThat(service.getSpec().getLoadBalancerSourceRanges()).containsExactly("198.51.100.0/24");
        assertThat(service.getMetadata().getAnnotations())
                .containsEntry("service.beta.kubernetes.io/aws-load-balancer-proxy-protocol", "*");
        var relayYaml = YAML.readTree(configMap(ns, "edge-config").getData().get("relay.yaml"));
        assertThat(relayYaml.at("/server/proxyProtocol").asBoolean()).isTrue();
        assertThat(relayYaml.at("/server/trustedProxies/0").asText()).isEqualTo("10.0.1.0/24");
        // only the load balancer (and the probe's namespace) may reach the SMTP port
        var smtpSources = kube.client().network().v1().networkPolicies().inNamespace(ns).withName("edge").get().getSpec()
                .getIngress().get(0).getFrom();
        assertThat(smtpSources).filteredOn(peer -> peer.getIpBlock() != null)
                .extracting(peer -> peer.getIpBlock().getCidr()).containsExactly("10.0.1.0/24");
        assertThat(condition(done, Conditions.NETWORK_RISK).orElseThrow().getStatus()).isEqualTo("False");
    }

    @Test
    void riskyAllowListIsFlaggedOnceNotAtEveryReconciliation() {
        String ns = "risky";
        kube.namespace(ns, Map.of());
        MailRelay relay = kube.example("minimal.yaml", ns);
        relay.getSpec().allowedNetworks = List.of("10.0.0.0/8");
        relay = kube.create(relay);
        MailRelay flagged = kube.awaitRelay(ns, "minimal", observed(relay).and(conditionIs(Conditions.NETWORK_RISK, "True")));
        assertThat(condition(flagged, Conditions.NETWORK_RISK).orElseThrow()).satisfies(c -> {
            assertThat(c.getReason()).isEqualTo("RiskyAllowList");
            assertThat(c.getMessage()).contains("10.0.0.0/8");
        });

        flagged.getSpec().replicas = 1;
        flagged.getSpec().hostname = "relay.example.com";
        MailRelay again = kube.update(flagged);
        kube.awaitRelay(ns, "minimal", observed(again));
        assertThat(eventReasons(ns, "minimal")).containsOnlyOnce("RiskyAllowList");
    }

    @Test
    void podTemplateIsAdmittedByARestrictedNamespace() {
        String ns = "restricted";
        kube.namespace(ns, Map.of("pod-security.kubernetes.io/enforce", "restricted",
                "pod-security.kubernetes.io/enforce-version", "latest"));
        MailRelay relay = kube.create(kube.example("minimal.yaml", ns));
        kube.awaitRelay(ns, "minimal", observed(relay));
        Pod pod = kube.relayPod(ns, "minimal");
        assertThat(kube.client().pods().inNamespace(ns).resource(pod).dryRun().create().getMetadata().getName())
                .isEqualTo("relay-pod");

        // control: the namespace really enforces "restricted"
        Pod weakened = new PodBuilder(pod).editSpec().editFirstContainer().editSecurityContext()
                .withAllowPrivilegeEscalation(true).endSecurityContext().endContainer().endSpec().build();
        assertThatThrownBy(() -> kube.client().pods().inNamespace(ns).resource(weakened).dryRun().create())
                .isInstanceOf(KubernetesClientException.class).hasMessageContaining("allowPrivilegeEscalation");
    }

    private static ConfigMap configMap(String ns, String name) {
        return kube.configMap(ns, name);
    }

    private static String configHash(String ns) {
        return configHash(ns, "minimal");
    }

    private static String configHash(String ns, String name) {
        return kube.configHash(ns, name);
    }

    private static List<String> eventReasons(String ns, String name) {
        return Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> kube.client().v1().events().inNamespace(ns).list()
                .getItems().stream().filter(e -> name.equals(e.getInvolvedObject().getName()))
                .map(Event::getReason).toList(), reasons -> !reasons.isEmpty());
    }

    private static String peer(NetworkPolicyPeer peer) {
        if (peer.getIpBlock() != null) {
            return "ip:" + peer.getIpBlock().getCidr();
        }
        if (peer.getNamespaceSelector() == null) {
            return "pods:" + new java.util.TreeMap<>(peer.getPodSelector().getMatchLabels()); // its own pods (hand-off)
        }
        return "ns:" + peer.getNamespaceSelector().getMatchLabels();
    }

    /** The API server runs no garbage collector here, so ownership is checked object by object. */
    private static void assertEverythingOwned(String ns, MailRelay relay, int expected) {
        List<HasMetadata> all = DEPENDENT_KINDS.stream()
                .flatMap(kind -> kube.client().resources(kind).inNamespace(ns).list().getItems().stream().map(HasMetadata.class::cast))
                .toList();
        assertThat(all).hasSize(expected);
        assertThat(all).allSatisfy(object -> {
            assertThat(object.getMetadata().getOwnerReferences()).as(object.getKind() + " " + object.getMetadata().getName())
                    .singleElement().satisfies(owner -> {
                        assertThat(owner.getUid()).isEqualTo(relay.getMetadata().getUid());
                        assertThat(owner.getKind()).isEqualTo("MailRelay");
                        assertThat(owner.getController()).isTrue();
                    });
            assertThat(object.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "mailrelay-operator")
                    .containsEntry("app.kubernetes.io/instance", relay.getMetadata().getName());
        });
    }

    private static String bcrypt(String password) {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        return OpenBSDBCrypt.generate("2y", password.toCharArray(), salt, 5);
    }

}
