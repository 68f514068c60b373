package io.mailrelay.operator;

import static io.mailrelay.operator.KubeFixture.conditionIs;
import static io.mailrelay.operator.KubeFixture.observed;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.mailrelay.api.Conditions;
import io.mailrelay.api.MailRelay;
import io.mailrelay.operator.naming.RelayLabels;

/**
 * A reconciliation that finds nothing changed writes nothing: no server-side apply of a dependent (not even its dry
 * run), no status, no Event; and a spec change rewrites only the objects it changes. Counted at the API server
 * ({@code apiserver_request_total}), and by the objects' resourceVersions.
 */
@Tag("kube")
class UnchangedRelayKubeTest {

    @RegisterExtension
    static final OperatorUnderTest operator = new OperatorUnderTest();
    static final KubeFixture kube = operator.kube;
    /** What the operator writes (the API server's own writes, such as its leases, are left out). */
    static final Set<String> RESOURCES = Set.of("mailrelays", "events", "configmaps", "secrets", "serviceaccounts",
            "services", "networkpolicies", "poddisruptionbudgets", "deployments", "statefulsets");

    @Test
    void aReconciliationOfAnUnchangedRelayWritesNothing() {
        String ns = "unchanged";
        MailRelay relay = createApplied(ns, "relay");
        Map<String, String> versions = versions(ns);
        ApiServerRequests apiWrites = new ApiServerRequests(kube.client(), ApiServerRequests.WRITES, RESOURCES);
        Map<String, Double> writes = apiWrites.now();
        int reconciled = kube.reconciliations(ns, "relay");

        // the referenced Secret changes in a way that changes nothing rendered: the relay is reconciled again
        kube.client().secrets().inNamespace(ns).withName("relay-tls").patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"metadata\":{\"annotations\":{\"touched\":\"yes\"}}}");
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> kube.reconciliations(ns, "relay") > reconciled);

        assertThat(apiWrites.since(writes)).as("writes at the API server besides the test's own Secret patch")
                .isEqualTo(Map.of("PATCH secrets", 1.0));
        assertThat(versions(ns)).isEqualTo(versions);
        assertThat(kube.get(ns, "relay").getStatus().conditions).isEqualTo(relay.getStatus().conditions);
    }

    @Test
    void aSpecChangeRewritesOnlyTheObjectsItChanges() {
        String ns = "changed";
        createApplied(ns, "relay");
        Map<String, String> versions = versions(ns);

        kube.client().resources(MailRelay.class).inNamespace(ns).withName("relay").patch(
                PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"limits\":{\"maxRecipients\":77}}}");
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> kube.client().configMaps().inNamespace(ns)
                .withName("relay-config").get().getData().get("relay.yaml").contains("maxRecipients: 77"));
        MailRelay done = kube.awaitRelay(ns, "relay", r -> r.getStatus() != null
                && r.getMetadata().getGeneration().equals(r.getStatus().observedGeneration));

        Map<String, String> after = versions(ns);
        Map<String, String> rewritten = new TreeMap<>();
        after.forEach((object, version) -> {
            if (!version.equals(versions.get(object))) {
                rewritten.put(object, version);
            }
        });
        // the relay.yaml, the workload whose pod template carries its hash, and the MailRelay (spec, then status)
        assertThat(rewritten.keySet()).containsExactlyInAnyOrder("ConfigMap relay-config", "StatefulSet relay",
                "MailRelay relay");
        assertThat(done.getStatus().conditions).anySatisfy(c -> assertThat(c.getType() + "=" + c.getStatus())
                .isEqualTo(Conditions.APPLIED + "=" + Conditions.TRUE));
    }

    private static MailRelay createApplied(String ns, String name) {
        kube.namespace(ns, Map.of());
        kube.secret(ns, "relay-tls", "kubernetes.io/tls", Map.of("tls.crt", "CERT", "tls.key", "KEY"));
        MailRelay relay = kube.create(Specs.fromYaml(name, ns, """
                allowedNetworks: [10.20.0.0/16]
                outbound: {mode: mx}
                tls: {secretName: relay-tls}
                """));
        return kube.awaitRelay(ns, name, observed(relay).and(conditionIs(Conditions.CONFIG_VALID, Conditions.TRUE))
                .and(conditionIs(Conditions.APPLIED, Conditions.TRUE)));
    }

    /** "Kind name" → resourceVersion of the MailRelays and everything labelled as the operator's in the namespace. */
    private static Map<String, String> versions(String ns) {
        Map<String, String> versions = new TreeMap<>();
        kube.client().resources(MailRelay.class).inNamespace(ns).list().getItems().forEach(r -> put(versions, r));
        for (Class<? extends HasMetadata> kind : java.util.stream.Stream.concat(MailRelayReconciler.OWNED_KINDS.stream(),
                java.util.stream.Stream.of(Secret.class)).toList()) {
            kube.client().resources(kind).inNamespace(ns)
                    .withLabel(RelayLabels.MANAGED_BY, OperatorSettings.FIELD_MANAGER).list().getItems()
                    .forEach(o -> put(versions, o));
        }
        return versions;
    }

    private static void put(Map<String, String> versions, HasMetadata object) {
        versions.put(object.getKind() + " " + object.getMetadata().getName(), object.getMetadata().getResourceVersion());
    }
}
