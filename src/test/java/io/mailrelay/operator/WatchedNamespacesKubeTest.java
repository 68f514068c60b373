package io.mailrelay.operator;

import static io.mailrelay.operator.KubeFixture.condition;
import static io.mailrelay.operator.KubeFixture.conditionIs;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
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

    @Test
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
