package io.mailrelay.relay.delivery;

import static io.mailrelay.relay.delivery.DeliveryFixture.FAST_RETRY;
import static io.mailrelay.relay.delivery.DeliveryFixture.loopback;
import static io.mailrelay.relay.delivery.DeliveryFixture.message;
import static io.mailrelay.relay.delivery.DeliveryFixture.unusedSmarthost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.mailrelay.config.HostPort;
import io.mailrelay.config.OutboundMode;
import io.mailrelay.relay.spool.FileMessageSpool;
import io.mailrelay.relay.spool.RecipientStatus;
import io.mailrelay.testing.SinkMessage;
import io.mailrelay.testing.SmtpSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * A tarpit next hop (accepts TCP, never greets) next to a healthy smtp-sink: the tarpit holds at most its
 * destination's limit of the workers, and the healthy destination's mail is delivered while the tarpit is stuck.
 * With the former 4 workers taking messages in order, the 6 tarpit messages spooled first held every worker.
 */
@Tag("smtp")
class DestinationConcurrencyTest {

    private static final Duration WAIT = Duration.ofSeconds(120);

    @RegisterExtension
    static final SmtpSink sink = new SmtpSink();

    @TempDir
    Path dir;

    private static DeliverySettings settings(HostPort tarpit, DeliverySettings.Limits limits) {
        // the greeting limit outlasts the test: the tarpit stays stuck until the test closes it
        return new DeliverySettings("relay.test", Map.of("tarpit.test", tarpit, "healthy.test", loopback(sink.port())),
                OutboundMode.SMARTHOST, unusedSmarthost(), null, FAST_RETRY, limits,
                SmtpTimeouts.uniform(Duration.ofMinutes(10)));
    }

    @Test
    void aTarpitHoldsOnlyItsDestinationLimitWhileTheHealthyDestinationIsDelivered() throws Exception {
        FileMessageSpool spool = new FileMessageSpool(dir);
        List<String> stuck = new ArrayList<>();
        for (int i = 0; i < 6; i++) { // spooled first: the oldest mail is for the tarpit
            stuck.add(DeliveryFixture.spool(spool, "alice@sender.test", message("stuck " + i, "x\r\n"),
                    "bob@tarpit.test"));
        }
        int healthy = 10;
        for (int i = 0; i < healthy; i++) {
            DeliveryFixture.spool(spool, "alice@sender.test", message("healthy " + i, "x\r\n"), "carol@healthy.test");
        }
        // one message for both: its healthy recipient must not wait for its tarpit recipient
        String both = DeliveryFixture.spool(spool, "alice@sender.test", message("both", "x\r\n"),
                "dave@tarpit.test", "erin@healthy.test");

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (ScriptedNextHop tarpit = ScriptedNextHop.start(ScriptedNextHop.Misbehaviour.TARPIT);
                DeliveryService service = DeliveryFixture.start(spool,
                        settings(tarpit.address(), new DeliverySettings.Limits(4, 2, 5, 2)), registry)) {
            await().atMost(WAIT).until(() -> sink.messages().size() == healthy + 1);
            await().atMost(WAIT).until(() -> spool.get(both).orElseThrow().state().recipients().get("erin@healthy.test")
                    .status() == RecipientStatus.DELIVERED);

            assertThat(sink.messages()).extracting(SinkMessage::recipients)
                    .containsOnly(List.of("carol@healthy.test"), List.of("erin@healthy.test"))
                    .filteredOn(r -> r.equals(List.of("carol@healthy.test"))).hasSize(healthy);
            assertThat(tarpit.openConnections()).isEqualTo(2); // still stuck, at its limit
            assertThat(tarpit.connections()).isEqualTo(2); // the other tarpit jobs wait in their lane, no worker
            assertThat(tarpit.mostOpenAtOnce()).isEqualTo(2);
            assertThat(tarpit.accepted()).isEmpty();
            await().atMost(WAIT).until(() -> registry.get("mailrelay.delivery.active").gauge().value() == 2);
            for (String id : stuck) {
                assertThat(spool.get(id)).isPresent(); // waiting, not lost
            }
            assertThat(spool.get(both).orElseThrow().state().recipients().get("dave@tarpit.test").status())
                    .isEqualTo(RecipientStatus.PENDING);
            assertThat(spool.depth()).isEqualTo(stuck.size() + 1);
            tarpit.close(); // frees the stuck sessions, so that closing the service does not wait for them
        }
    }

    @Test
    void withALimitAsLargeAsThePoolTheTarpitTakesEveryWorker() throws Exception {
        // the other side: destinationConcurrencyLimit is what protects the healthy destination
        FileMessageSpool spool = new FileMessageSpool(dir);
        for (int i = 0; i < 6; i++) {
            DeliveryFixture.spool(spool, "alice@sender.test", message("stuck " + i, "x\r\n"), "bob@tarpit.test");
        }
        DeliveryFixture.spool(spool, "alice@sender.test", message("healthy", "x\r\n"), "carol@healthy.test");

        try (ScriptedNextHop tarpit = ScriptedNextHop.start(ScriptedNextHop.Misbehaviour.TARPIT);
                DeliveryService service = DeliveryFixture.start(spool,
                        settings(tarpit.address(), new DeliverySettings.Limits(4, 4, 5, 2)),
                        new SimpleMeterRegistry())) {
            await().atMost(WAIT).until(() -> tarpit.openConnections() == 4);
            // every worker is held: the healthy message's job waits behind them (a poll, not a sleep: it can only
            // stay empty while the tarpit holds on)
            await().during(Duration.ofSeconds(3)).atMost(WAIT).until(() -> tarpit.openConnections() == 4);
            assertThat(sink.messages()).isEmpty();
            assertThat(tarpit.mostOpenAtOnce()).isEqualTo(4);
            tarpit.close();
        }
    }
}
