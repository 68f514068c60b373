package io.mailrelay.operator;

import static io.mailrelay.operator.KubeFixture.condition;
import static io.mailrelay.operator.KubeFixture.conditionIs;
import static io.mailrelay.operator.KubeFixture.observed;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.mailrelay.api.MailRelay;
import io.mailrelay.operator.check.ReferencedSecrets;
import io.mailrelay.operator.naming.DependentNames;
import io.mailrelay.operator.naming.RelayLabels;
import io.mailrelay.api.Conditions;
import io.mailrelay.relay.RelayFixture;
import io.mailrelay.testing.RealKubeApiServer;

/**
 * Drift and Secret changes reach the reconciler through its informers, not through the periodic
 * reconciliation: the operator here reconciles every 3 minutes at the latest
 * ({@code maxReconciliationInterval}), and every repair is awaited for at most {@link #NOT_THE_RESYNC}, so
 * only a watch event can make it in time. Each step starts seconds after a reconciliation, which pushes the
 * next periodic one 3 minutes away. The measured delays are printed.
 */
@Tag("kube")
class DriftRepairKubeTest {

    /** Well under the 3-minute periodic reconciliation, generous for a loaded machine. */
    static final Duration NOT_THE_RESYNC = Duration.ofSeconds(60);

    @RegisterExtension
    static final OperatorUnderTest operator = new OperatorUnderTest();
    static final RealKubeApiServer api = operator.api;
    static final KubeFixture kube = operator.kube;

    @Test
    void everyOwnedObjectDeletedByHandIsRecreatedAtOnce() {
        String ns = "drift";
        kube.namespace(ns, Map.of());
        MailRelay relay = kube.example("minimal.yaml", ns);
        relay.getSpec().replicas = 2; // so that the PodDisruptionBudget exists
        MailRelay applied = createApplied(relay);

        Map<String, Duration> delays = new LinkedHashMap<>();
        for (Class<? extends HasMetadata> kind : MailRelayReconciler.OWNED_KINDS) {
            List<? extends HasMetadata> existing = owned(kind, ns);
            if (existing.isEmpty()) {
                continue; // the Deployment of a relay with an emptyDir spool
            }
            HasMetadata original = existing.get(0);
            kube.client().resource(original).withGracePeriod(0).delete();
            delays.put(kind.getSimpleName(), measure(() -> owned(kind, ns), now -> now.size() == 1
                    && !now.get(0).getMetadata().getUid().equals(original.getMetadata().getUid())));
            HasMetadata recreated = owned(kind, ns).get(0);
            assertThat(recreated.getMetadata().getName()).isEqualTo(original.getMetadata().getName());
            assertThat(recreated.getMetadata().getOwnerReferences()).singleElement()
                    .satisfies(owner -> assertThat(owner.getUid()).isEqualTo(applied.getMetadata().getUid()));
        }
        System.out.println("drift repaired, deleted by hand -> recreated: " + delays);
        assertThat(delays).containsOnlyKeys("ConfigMap", "ServiceAccount", "Service", "NetworkPolicy",
                "PodDisruptionBudget", "StatefulSet");
    }

    @Test
    void configMapEditedByHandIsPutBackWithoutRollingThePods() {
        String ns = "edited";
        kube.namespace(ns, Map.of());
        MailRelay applied = createApplied(kube.example("minimal.yaml", ns));
        String name = DependentNames.configMap(applied);
        String rendered = configMap(ns, name).getData().get("relay.yaml");
        String hash = configHash(ns);

        ConfigMap edited = kube.client().configMaps().inNamespace(ns).withName(name).edit(cm -> {
            cm.getData().put("relay.yaml", rendered.replace("10.20.0.0/16", "0.0.0.0/0"));
            return cm;
        });
        assertThat(edited.getData().get("relay.yaml")).contains("0.0.0.0/0"); // control: the edit took
        Duration delay = measure(() -> configMap(ns, name).getData().get("relay.yaml"), rendered::equals);
        System.out.println("drift repaired, ConfigMap relay.yaml edited by hand -> put back: " + delay);
        assertThat(configHash(ns)).isEqualTo(hash);
    }

    @Test
    void secretsCreatedAfterTheRelayBrokenFixedAndDeletedAreRevalidatedAtOnce() {
        String ns = "late-secrets";
        kube.namespace(ns, Map.of());
        MailRelay relay = kube.create(kube.example("tls-auth.yaml", ns));
        MailRelay missing = kube.awaitRelay(ns, "tls-auth",
                observed(relay).and(conditionIs(Conditions.CONFIG_VALID, Conditions.FALSE)));
        assertThat(condition(missing, Conditions.CONFIG_VALID).orElseThrow().getReason())
                .isEqualTo(ReferencedSecrets.SECRET_MISSING);

        Map<String, Duration> delays = new LinkedHashMap<>();
        kube.secret(ns, "relay-tls", "kubernetes.io/tls", Map.of("tls.crt", "CERT", "tls.key", "KEY"));
        users(ns, RelayFixture.userLine("alice", "secret", 4));
        delays.put("created -> ConfigValid", awaitConfigValid(ns, "tls-auth", Conditions.TRUE, "Valid"));
        String relayYaml = configMap(ns, "tls-auth-config").getData().get("relay.yaml");
        String hash = configHash(ns, "tls-auth");

        users(ns, "alice:plaintext\n");
        delays.put("users broken -> invalid",
                awaitConfigValid(ns, "tls-auth", Conditions.FALSE, ReferencedSecrets.SECRET_INVALID));

        users(ns, RelayFixture.userLine("alice", "secret", 4) + RelayFixture.userLine("bob", "other", 4));
        delays.put("users fixed -> ConfigValid", awaitConfigValid(ns, "tls-auth", Conditions.TRUE, "Valid"));
        // the relay reloads its Secrets: nothing rolls
        assertThat(configMap(ns, "tls-auth-config").getData().get("relay.yaml")).isEqualTo(relayYaml);
        assertThat(configHash(ns, "tls-auth")).isEqualTo(hash);

        kube.client().secrets().inNamespace(ns).withName("relay-tls").delete();
        delays.put("tls deleted -> missing",
                awaitConfigValid(ns, "tls-auth", Conditions.FALSE, ReferencedSecrets.SECRET_MISSING));
        System.out.println("Secret changes re-validated: " + delays);
    }

    @Test
    void secretsThatExistedBeforeTheRelayAreWatchedToo() {
        String ns = "early-secrets";
        kube.namespace(ns, Map.of());
        kube.secret(ns, "relay-tls", "kubernetes.io/tls", Map.of("tls.crt", "CERT", "tls.key", "KEY"));
        users(ns, RelayFixture.userLine("alice", "secret", 4));
        // a Secret nobody references: watched too, but never a reason to reconcile
        kube.secret(ns, "unrelated", "Opaque", Map.of("key", "value"));
        MailRelay relay = kube.create(kube.example("tls-auth.yaml", ns));
        kube.awaitRelay(ns, "tls-auth", observed(relay).and(conditionIs(Conditions.CONFIG_VALID, Conditions.TRUE)));

        Map<String, Duration> delays = new LinkedHashMap<>();
        users(ns, "alice:$2$04$tooshort\n");
        delays.put("users broken -> invalid",
                awaitConfigValid(ns, "tls-auth", Conditions.FALSE, ReferencedSecrets.SECRET_INVALID));
        kube.client().secrets().inNamespace(ns).withName("relay-users").delete();
        delays.put("users deleted -> missing",
                awaitConfigValid(ns, "tls-auth", Conditions.FALSE, ReferencedSecrets.SECRET_MISSING));
        System.out.println("Secret changes re-validated (Secrets older than the relay): " + delays);
        assertThat(condition(kube.get(ns, "tls-auth"), Conditions.CONFIG_VALID).orElseThrow().getMessage())
                .contains("authentication.usersSecret: Secret relay-users not found")
                .doesNotContain("relay-tls");
    }

    private static MailRelay createApplied(MailRelay relay) {
        MailRelay created = kube.create(relay);
        return kube.awaitRelay(created.getMetadata().getNamespace(), created.getMetadata().getName(),
                observed(created).and(conditionIs(Conditions.APPLIED, Conditions.TRUE)));
    }

    private static Duration awaitConfigValid(String ns, String name, String status, String reason) {
        return measure(() -> kube.get(ns, name), r -> r.getStatus() != null && condition(r, Conditions.CONFIG_VALID)
                .map(c -> status.equals(c.getStatus()) && reason.equals(c.getReason())).orElse(false));
    }

    /** How long until the condition holds; fails after {@link #NOT_THE_RESYNC}. */
    private static <T> Duration measure(Callable<T> supplier, Predicate<T> until) {
        long start = System.nanoTime();
        Awaitility.await().atMost(NOT_THE_RESYNC).pollInterval(Duration.ofMillis(50)).until(supplier, until::test);
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private static List<? extends HasMetadata> owned(Class<? extends HasMetadata> kind, String ns) {
        return kube.client().resources(kind).inNamespace(ns).withLabel(RelayLabels.MANAGED_BY, OperatorSettings.FIELD_MANAGER)
                .list().getItems();
    }

    private static void users(String ns, String lines) {
        kube.secret(ns, "relay-users", "Opaque", Map.of("users", lines));
    }

    private static ConfigMap configMap(String ns, String name) {
        return kube.configMap(ns, name);
    }

    private static String configHash(String ns) {
        return kube.configHash(ns, "minimal");
    }

    private static String configHash(String ns, String name) {
        return kube.configHash(ns, name);
    }
}
