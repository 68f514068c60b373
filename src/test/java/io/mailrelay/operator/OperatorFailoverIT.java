package io.mailrelay.operator;

import static io.mailrelay.operator.KubeFixture.conditionIs;
import static io.mailrelay.operator.KubeFixture.observed;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.Conditions;
import io.mailrelay.testing.AppProcess;
import io.mailrelay.testing.FreePort;
import io.mailrelay.testing.RealKubeApiServer;

/**
 * Two packaged operators against one real API server, as the chart runs them (replicaCount 2): they elect a
 * leader through a Lease, only the leader reconciles, and when the leader dies without a word (kill -9, a
 * node that went away) the standby takes the Lease once it expires and reconciles the next change.
 */
@Tag("kube")
class OperatorFailoverIT {

    static final String NAMESPACE = "ha";
    static final String LEASE = "mailrelay-operator";
    static final Duration LEASE_DURATION = Duration.ofSeconds(6);

    @RegisterExtension
    static final RealKubeApiServer api = new RealKubeApiServer();

    @Test
    void standbyTakesOverWhenTheLeaderDiesAndReconcilesTheNextChange() throws Exception {
        KubeFixture kube = KubeFixture.forPackagedOperator(api.client(), NAMESPACE);

        try (AppProcess first = operator("operator-a"); AppProcess second = operator("operator-b")) {
            Map<String, AppProcess> replicas = Map.of("operator-a", first, "operator-b", second);
            String leaderName = awaitHolder(name -> replicas.containsKey(name));
            AppProcess leader = replicas.get(leaderName);
            String standbyName = leaderName.equals("operator-a") ? "operator-b" : "operator-a";
            AppProcess standby = replicas.get(standbyName);

            MailRelay relay = kube.create(kube.example("minimal.yaml", NAMESPACE));
            kube.awaitRelay(NAMESPACE, "minimal", observed(relay).and(conditionIs(Conditions.CONFIG_VALID, "True")));
            assertThat(relayYaml()).contains("10.20.0.0/16");
            awaitLog(leader, leaderName + " is the leader");
            awaitLog(standby, "leader is now " + leaderName);
            assertThat(standby.log()).as("the standby neither leads nor reconciles")
                    .doesNotContain(standbyName + " is the leader");

            // the leader dies without releasing the Lease: the standby must wait for it to expire, then lead
            Instant killed = Instant.now();
            leader.kill();
            assertThat(leader.awaitExit(Duration.ofSeconds(30))).isEqualTo(137);
            assertThat(awaitHolder(standbyName::equals)).isEqualTo(standbyName);
            Duration takeover = Duration.between(killed, Instant.now());

            MailRelay changed = kube.get(NAMESPACE, "minimal");
            changed.getSpec().allowedNetworks = List.of("10.30.0.0/16");
            MailRelay updated = kube.update(changed);
            kube.awaitRelay(NAMESPACE, "minimal", observed(updated).and(conditionIs(Conditions.CONFIG_VALID, "True")));
            Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> relayYaml().contains("10.30.0.0/16"));
            Duration reconciled = Duration.between(killed, Instant.now());
            System.out.printf("failover: lease %s, new leader after %d ms, change reconciled %d ms after the kill%n",
                    LEASE_DURATION, takeover.toMillis(), reconciled.toMillis());
            assertThat(standby.log()).contains(standbyName + " is the leader");
            assertThat(standby.isAlive()).isTrue();
        }
    }

    private static AppProcess operator(String identity) {
        return AppProcess.builder(identity)
                .env("KUBECONFIG", api.kubeconfigFile().toString())
                .property("quarkus.http.host", "127.0.0.1")
                .property("quarkus.http.port", String.valueOf(FreePort.pick()))
                .property("mailrelay.operator-namespace", KubeFixture.OPERATOR_NAMESPACE)
                .property("mailrelay.probe.address-override", "true")
                .property("mailrelay.leader-election.identity", identity)
                .property("mailrelay.leader-election.lease-duration", LEASE_DURATION.toSeconds() + "s")
                .property("mailrelay.leader-election.renew-deadline", "4s")
                .property("mailrelay.leader-election.retry-period", "1s")
                .args("operator").start();
    }

    /** Waits (generously: a loaded machine starts a JVM slowly) until the Lease is held as {@code wanted} says. */
    private static String awaitHolder(java.util.function.Predicate<String> wanted) {
        AtomicReference<String> holder = new AtomicReference<>();
        Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> {
            Lease lease = api.client().leases().inNamespace(KubeFixture.OPERATOR_NAMESPACE).withName(LEASE).get();
            String name = lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
            holder.set(name);
            return name != null && wanted.test(name);
        });
        return holder.get();
    }

    private static void awaitLog(AppProcess process, String line) {
        Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> process.log().contains(line));
    }

    private static String relayYaml() {
        ConfigMap config = api.client().configMaps().inNamespace(NAMESPACE).withName("minimal-config").get();
        return config == null ? "" : String.join("\n", config.getData().values());
    }
}
