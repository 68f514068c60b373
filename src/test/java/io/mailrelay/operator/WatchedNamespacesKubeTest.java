package io.mailrelay.operator;

import static io.mailrelay.operator.KubeFixture.condition;
import static io.mailrelay.operator.KubeFixture.conditionIs;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.mailrelay.api.MailRelay;
import io.mailrelay.operator.check.ReferencedSecrets;
import io.mailrelay.api.Conditions;
import io.mailrelay.relay.RelayFixture;
import io.mailrelay.testing.RealKubeApiServer;

/**
 * An operator that watches a list of namespaces has one Secret informer per namespace, each with its own
 * store: JOSDK shares one item store between the informers of an event source, and the initial list of one
 * namespace would drop the Secrets of the other (relays there reported SecretMissing).
 */
@Tag("kube")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WatchedNamespacesKubeTest {

    static final List<String> WATCHED = List.of("team-a", "team-b");

    @RegisterExtension
    static final RealKubeApiServer api = new RealKubeApiServer();
    static KubeFixture kube;

    @BeforeAll
    static void relaysAndSecretsThenTheOperator() {
        kube = new KubeFixture(api.client());
        kube.installCrdOnly();
        for (String ns : WATCHED) {
            kube.namespace(ns, Map.of());
            kube.secret(ns, "relay-tls", "kubernetes.io/tls", Map.of("tls.crt", "CERT", "tls.key", "KEY"));
            kube.secret(ns, "relay-users", "Opaque", Map.of("users", RelayFixture.userLine("alice", "secret", 4)));
            kube.create(kube.example("tls-auth.yaml", ns));
        }
        kube.startOperator(api.client(), Set.copyOf(WATCHED));
    }

    @AfterAll
    static void stop() {
        kube.stop();
    }

    /**
     * The owned kinds' informers keep pruned objects in an item store of their own, which JOSDK would share between
     * the informers of the watched namespaces: the initial list of one namespace then dropped the objects of the
     * others, and the ownership check read each of their dependents from the API server (a GET) as someone else's.
     */
    @Test
    @Order(1) // before the Secrets below turn the configurations invalid
    void aRestartedOperatorFindsTheDependentsOfEveryWatchedNamespaceInItsCaches() {
        for (String ns : WATCHED) {
            kube.awaitRelay(ns, "tls-auth", conditionIs(Conditions.APPLIED, Conditions.TRUE));
        }
        // (not Services: the cluster-network check reads the kubernetes Service)
        ApiServerRequests reads = new ApiServerRequests(api.client(), Set.of("GET"), Set.of("configmaps",
                "serviceaccounts", "networkpolicies", "poddisruptionbudgets", "deployments", "statefulsets"));
        Map<String, Integer> reconciled = new java.util.HashMap<>();
        WATCHED.forEach(ns -> reconciled.put(ns, kube.reconciliations(ns, "tls-auth")));
        Map<String, Double> before = reads.now();

        kube.stop();
        kube.startOperator(api.client(), Set.copyOf(WATCHED));
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> WATCHED.stream()
                .allMatch(ns -> kube.reconciliations(ns, "tls-auth") > reconciled.get(ns)));

        assertThat(reads.since(before)).as("dependents read from the API server, not from the caches").isEmpty();
    }

    @Test
    @Order(2)
    void secretsOfEveryWatchedNamespaceAreSeenAndWatched() {
        for (String ns : WATCHED) {
            MailRelay valid = kube.awaitRelay(ns, "tls-auth", conditionIs(Conditions.CONFIG_VALID, Conditions.TRUE));
            assertThat(condition(valid, Conditions.CONFIG_VALID).orElseThrow().getReason()).as(ns).isEqualTo("Valid");
        }
        for (String ns : WATCHED) {
            kube.secret(ns, "relay-users", "Opaque", Map.of("users", "alice:plaintext\n"));
            MailRelay invalid = kube.awaitRelay(ns, "tls-auth", conditionIs(Conditions.CONFIG_VALID, Conditions.FALSE));
            assertThat(condition(invalid, Conditions.CONFIG_VALID).orElseThrow().getReason()).as(ns)
                    .isEqualTo(ReferencedSecrets.SECRET_INVALID);
        }
    }
}
