package io.mailrelay.relay.delivery;

import static io.mailrelay.relay.delivery.DeliveryFixture.FAST_RETRY;
import static io.mailrelay.relay.delivery.DeliveryFixture.count;
import static io.mailrelay.relay.delivery.DeliveryFixture.loopback;
import static io.mailrelay.relay.delivery.DeliveryFixture.message;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.mailrelay.config.HostPort;
import io.mailrelay.config.OutboundMode;
import io.mailrelay.relay.RelayFixture;
import io.mailrelay.relay.spool.FileMessageSpool;
import io.mailrelay.testing.Dnsmasq;
import io.mailrelay.testing.SinkMessage;
import io.mailrelay.testing.SmtpSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * At delivery, a next hop that is the relay itself (an MX that resolves to its own address and port, a route to its
 * own hostname) is never connected to: the recipient bounces with 5.4.6, no delivery loop. A real relay listens where
 * the MX points (it would refuse the mail as relaying from 127.0.0.1, so a connection would show in its counter), a
 * real DNS server (dnsmasq) answers the MX, a real smtp-sink takes the rest and the bounce.
 */
@Tag("smtp")
class MailLoopDeliveryTest {

    @RegisterExtension
    static final SmtpSink sink = new SmtpSink();

    @TempDir
    Path dir;

    @Test
    void anMxOrRouteThatIsTheRelayItselfBouncesWith546AndIsNeverConnectedTo() throws Exception {
        try (RelayFixture relay = RelayFixture.start();
                Dnsmasq dns = Dnsmasq.start("--mx-host=loop.test,mx.loop.test,10",
                        "--host-record=mx.loop.test,127.0.0.1")) {
            // the relay's hostname is localhost here: were the check missing, the route would resolve it from
            // /etc/hosts, never from DNS
            DeliverySettings settings = new DeliverySettings("localhost",
                    Map.of("sender.test", loopback(sink.port()), "named.test", new HostPort("LocalHost", 25)),
                    OutboundMode.MX, null, new DeliverySettings.MxSettings(dns.address(), relay.port()), FAST_RETRY,
                    DeliveryFixture.SMALL_POOL, SmtpTimeouts.uniform(Duration.ofSeconds(10)));
            SelfAddresses self = new SelfAddresses("localhost", "127.0.0.1", relay.port());
            FileMessageSpool spool = new FileMessageSpool(dir);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            DeliveryFixture.spool(spool, "alice@sender.test", message("loop", "x\r\n"),
                    "bob@loop.test", "carol@named.test", "dave@sender.test");

            try (DeliveryService service = new DeliveryService(spool, settings, registry, self)) {
                service.start();
                assertThat(service.drain(Duration.ofSeconds(60))).isTrue();
            }

            assertThat(relay.registry.get("mailrelay.relay.connections").counter().count())
                    .as("connections to the relay itself").isZero();
            List<SinkMessage> received = sink.messages();
            assertThat(received).extracting(SinkMessage::recipients).containsExactlyInAnyOrder(
                    List.of("dave@sender.test"), List.of("alice@sender.test"));
            SinkMessage dsn = received.stream().filter(m -> m.mailFrom().isEmpty()).findFirst().orElseThrow();
            assertThat(dsn.text())
                    .contains("Final-Recipient: rfc822; bob@loop.test").contains("Status: 5.4.6")
                    .contains("mail for loop.test loops back to myself")
                    .contains("Final-Recipient: rfc822; carol@named.test")
                    .contains("mail for LocalHost:25 loops back to myself") // the destination is the route's target
                    .doesNotContain("Final-Recipient: rfc822; dave@sender.test");
            assertThat(count(registry, "bounced")).isEqualTo(2);
            assertThat(count(registry, "delivered")).isEqualTo(2);
        }
    }
}
