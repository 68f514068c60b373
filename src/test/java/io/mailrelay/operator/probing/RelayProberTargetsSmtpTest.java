package io.mailrelay.operator.probing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.Condition;
import io.mailrelay.operator.status.ProbeStatusMapper;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.MailRelaySpec;
import io.mailrelay.api.ProbeStatus;
import io.mailrelay.api.ServiceSpec;
import io.mailrelay.api.Conditions;
import io.mailrelay.relay.RelayFixture;
import io.mailrelay.testing.FreePort;
import io.mailrelay.testing.PostfixInstance;
import io.mailrelay.testing.SmtpSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * {@link RelayProber} probing every target of a relay, on loopback through the out-of-cluster address
 * annotation: a closed ClusterIP (our relay), a NodePort whose path lets the probe in as an allow-listed client
 * (a Postfix whose mynetworks holds the probe's address, as a SNAT to a node address would), a NodePort that
 * nothing answers; and a PROXY-protocol relay probed with and without a forged header.
 */
@Tag("smtp")
class RelayProberTargetsSmtpTest {

    private static final String PROBE = "127.0.0.9";

    @RegisterExtension
    static final SmtpSink sink = new SmtpSink();

    @Test
    void theNodePortOpenWhileTheClusterIpIsClosedIsTheWorstAndNamedWithItsLikelyCause() throws Exception {
        try (RelayFixture clusterIp = RelayFixture.start();
                PostfixInstance snatPath = PostfixInstance.builder().set("mynetworks", PROBE + "/32")
                        .set("smtpd_relay_restrictions", "permit_mynetworks, reject_unauth_destination")
                        .relayTo(sink.host(), sink.port()).start()) {
            int nobody = FreePort.pick();
            MailRelay relay = relay("ClusterIP=127.0.0.1:" + clusterIp.port() + ",NodePort=" + snatPath.host() + ":"
                    + snatPath.port() + ",NodePort=127.0.0.1:" + nobody, null);

            ProbeRun run = probe(relay);
            ProbeStatus status = ProbeStatusMapper.status(run);

            assertThat(status.targets).extracting(t -> t.path + " " + t.verdict).containsExactly(
                    "ClusterIP Closed", "NodePort Open", "NodePort Unreachable");
            assertThat(status.verdict).isEqualTo("Open");
            assertThat(status.targets.get(1).acceptedAttempts).contains("external-sender");
            assertThat(status.targets.get(2).reason).contains("cannot connect to 127.0.0.1:" + nobody);
            Condition condition = condition(run);
            assertThat(condition.getReason()).isEqualTo(ProbeStatusMapper.OPEN_RELAY_DETECTED);
            assertThat(condition.getMessage()).startsWith("OPEN RELAY: NodePort " + snatPath.host() + ":" + snatPath.port())
                    .contains("the ClusterIP is closed, so the NodePort path gives clients an allow-listed address")
                    .contains("externalTrafficPolicy: Cluster");
            assertThat(clusterIp.spool.messages()).isEmpty();
        }
        assertThat(sink.messages()).as("the probe never sends DATA").isEmpty();
    }

    @Test
    void aProxyProtocolRelayIsClosedByTheForgedHeaderItRefusesAndOpenWhenItBelievesIt() throws Exception {
        try (RelayFixture refusing = proxyRelay("127.0.0.2/32"); RelayFixture believing = proxyRelay(PROBE + "/32")) {
            ProbeRun closed = probe(relay("127.0.0.1:" + refusing.port(), "198.51.100.0/24"));
            ProbeRun open = probe(relay("127.0.0.1:" + believing.port(), "198.51.100.0/24"));

            assertThat(ProbeStatusMapper.status(closed).targets).extracting(t -> t.vantage + " " + t.verdict)
                    .containsExactly("direct ProxyOnly", "forged PROXY v2 header claiming 198.51.100.1 Closed");
            assertThat(ProbeStatusMapper.status(closed).verdict).isEqualTo("Closed");
            assertThat(condition(closed).getStatus()).isEqualTo("True");

            // trusting the probe's address, the relay takes the header's word: the claimed address relays
            assertThat(ProbeStatusMapper.status(open).targets).extracting(t -> t.vantage + " " + t.verdict)
                    .containsExactly("direct ProxyOnly", "forged PROXY v2 header claiming 198.51.100.1 Open");
            assertThat(ProbeStatusMapper.status(open).verdict).isEqualTo("Open");
            assertThat(condition(open).getMessage()).contains("PROXY_SPOOFABLE").contains("trustedProxies");
            assertThat(ProbeStatusMapper.status(open).findings).anySatisfy(f -> assertThat(f).startsWith("PROXY_SPOOFABLE"));
        }
    }

    private static RelayFixture proxyRelay(String trustedProxies) {
        return RelayFixture.builder().server("proxyProtocol: true\ntrustedProxies: [" + trustedProxies + "]\n"
                + "proxyHeaderTimeout: 2s").allowedNetworks("[198.51.100.0/24]").start();
    }

    private static ProbeRun probe(MailRelay relay) throws Exception {
        ProbeSettings settings = new ProbeSettings(InetAddress.getByName(PROBE), null, true, 1, 8, "probe.example",
                Duration.ofSeconds(5), Duration.ofMinutes(1));
        try (RelayProber prober = new RelayProber(settings, new ProbeMetrics(new SimpleMeterRegistry()))) {
            prober.track(relay, true, "1/abc");
            return Awaitility.await().atMost(Duration.ofMinutes(3)).until(() -> prober.latest(relay).orElse(null),
                    run -> run != null);
        }
    }

    /** @param proxyAllowed allowedNetworks of a PROXY-protocol relay, or null for a plain one */
    private static MailRelay relay(String probeAddress, String proxyAllowed) {
        MailRelay relay = new MailRelay();
        relay.getMetadata().setNamespace("mail");
        relay.getMetadata().setName("office");
        relay.getMetadata().setAnnotations(Map.of(RelayProber.ADDRESS_ANNOTATION, probeAddress));
        relay.setSpec(new MailRelaySpec());
        relay.getSpec().allowedNetworks = List.of(proxyAllowed == null ? "10.20.0.0/16" : proxyAllowed);
        if (proxyAllowed != null) {
            relay.getSpec().service = new ServiceSpec();
            relay.getSpec().service.proxyProtocol = true;
        }
        return relay;
    }

    private static Condition condition(ProbeRun run) {
        Conditions conditions = new Conditions(List.of(), 1, java.time.Instant.now());
        ProbeStatusMapper.applyCondition(conditions, run);
        return conditions.get(Conditions.RELAY_CLOSED).orElseThrow();
    }
}
