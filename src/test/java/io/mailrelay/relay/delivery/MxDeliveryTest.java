package io.mailrelay.relay.delivery;

import static io.mailrelay.relay.delivery.DeliveryFixture.FAST_RETRY;
import static io.mailrelay.relay.delivery.DeliveryFixture.count;
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

import io.mailrelay.config.OutboundMode;
import io.mailrelay.relay.spool.FileMessageSpool;
import io.mailrelay.testing.Dnsmasq;
import io.mailrelay.testing.SinkMessage;
import io.mailrelay.testing.SmtpSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** Direct delivery by MX lookup against a real DNS server (dnsmasq) on loopback; every address is 127.0.0.1. */
@Tag("smtp")
class MxDeliveryTest {

    @RegisterExtension
    static final SmtpSink sink = new SmtpSink();

    @TempDir
    Path dir;

    private DeliverySettings mxMode(Dnsmasq dns) {
        return new DeliverySettings("relay.test", Map.of(), OutboundMode.MX, null,
                new DeliverySettings.MxSettings(dns.address(), sink.port()), FAST_RETRY,
                DeliveryFixture.SMALL_POOL, SmtpTimeouts.uniform(Duration.ofSeconds(10)));
    }

    @Test
    void deliversToMxHostsAndImplicitMxAndBouncesNullMxAndMissingDomains() throws Exception {
        try (Dnsmasq dns = Dnsmasq.start(
                "--mx-host=mx.test,mx1.mx.test,10", "--host-record=mx1.mx.test,127.0.0.1",
                "--mx-host=sender.test,mx1.mx.test,10",
                "--host-record=implicit.test,127.0.0.1",
                "--dns-rr=nullmx.test,15,000000")) { // MX 0 "." (RFC 7505)
            FileMessageSpool spool = new FileMessageSpool(dir);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            DeliveryFixture.spool(spool, "alice@sender.test", message("mx", "x\r\n"),
                    "bob@mx.test", "carol@implicit.test", "dave@nullmx.test", "erin@nowhere.test");

            try (DeliveryService service = new DeliveryService(spool, mxMode(dns), registry)) {
                service.start();
                assertThat(service.drain(Duration.ofSeconds(30))).isTrue();
            }

            List<SinkMessage> received = sink.messages();
            assertThat(received).extracting(SinkMessage::recipients).containsExactlyInAnyOrder(
                    List.of("bob@mx.test"), List.of("carol@implicit.test"), List.of("alice@sender.test"));
            SinkMessage dsn = received.stream().filter(m -> m.mailFrom().isEmpty()).findFirst().orElseThrow();
            assertThat(dsn.text())
                    .contains("Final-Recipient: rfc822; dave@nullmx.test").contains("Status: 5.1.10")
                    .contains("Final-Recipient: rfc822; erin@nowhere.test").contains("Status: 5.1.2");
            assertThat(count(registry, "bounced")).isEqualTo(2);
        }
    }
}
