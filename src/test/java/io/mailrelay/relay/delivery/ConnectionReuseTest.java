package io.mailrelay.relay.delivery;

import static io.mailrelay.relay.delivery.DeliveryFixture.FAST_RETRY;
import static io.mailrelay.relay.delivery.DeliveryFixture.message;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.mailrelay.config.OutboundMode;
import io.mailrelay.relay.spool.FileMessageSpool;
import io.mailrelay.relay.spool.SpooledMessage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Sessions to a next hop kept between messages (Postfix's connection cache), against a real SMTP peer on loopback that
 * counts its connections: reused while within the cache's limits, a fresh one past them, and a cached session the peer
 * closed never costs a message (it goes on a fresh session, exactly once).
 */
class ConnectionReuseTest {

    /** Limits no test run reaches by waiting: the tests decide what expires, not the machine's speed. */
    private static final ConnectionCache.Limits LONG = new ConnectionCache.Limits(Duration.ofMinutes(5),
            Duration.ofMinutes(10), 100, 4);

    @AutoClose
    final ScriptedNextHop peer = ScriptedNextHop.start(ScriptedNextHop.Misbehaviour.NONE);
    @AutoClose
    ConnectionCache<SmtpSender.Target> cache = new ConnectionCache<>(LONG);

    @TempDir
    Path dir;

    private SmtpSender sender(ConnectionCache.Limits limits) {
        cache.close();
        cache = new ConnectionCache<>(limits);
        return new SmtpSender("relay.test", SmtpTimeouts.uniform(Duration.ofSeconds(10)), 2, cache);
    }

    private static String queue(FileMessageSpool spool, int n) throws Exception {
        return DeliveryFixture.spool(spool, "alice@sender.test", message("reuse " + n, "body\r\n"),
                "bob" + n + "@far-away.test");
    }

    private SpooledMessage spooled(FileMessageSpool spool, int n) throws Exception {
        return spool.get(queue(spool, n)).orElseThrow();
    }

    private Outcome.Kind send(SmtpSender sender, NextHop hop, SpooledMessage message) {
        Map<String, Outcome> outcomes = sender.send(hop, message, message.envelope().recipients());
        return outcomes.values().iterator().next().kind();
    }

    @Test
    void messagesOneAfterAnotherShareOneSession() throws Exception {
        FileMessageSpool spool = new FileMessageSpool(dir);
        SmtpSender sender = sender(LONG);
        NextHop hop = NextHop.localRoute(peer.address());
        for (int n = 1; n <= 5; n++) {
            assertThat(send(sender, hop, spooled(spool, n))).isEqualTo(Outcome.Kind.DELIVERED);
        }
        assertThat(peer.accepted()).hasSize(5);
        assertThat(peer.connections()).isEqualTo(1);
        assertThat(cache.idleSessions()).isEqualTo(1);

        cache.close(); // QUIT
        assertThat(cache.idleSessions()).isZero();
    }

    @Test
    void withoutACacheEveryMessageHasItsOwnSession() throws Exception {
        FileMessageSpool spool = new FileMessageSpool(dir);
        SmtpSender sender = new SmtpSender("relay.test", SmtpTimeouts.uniform(Duration.ofSeconds(10)), 2);
        NextHop hop = NextHop.localRoute(peer.address());
        for (int n = 1; n <= 3; n++) {
            assertThat(send(sender, hop, spooled(spool, n))).isEqualTo(Outcome.Kind.DELIVERED);
        }
        assertThat(peer.connections()).isEqualTo(3);
    }

    @Test
    void aSessionPastItsMessageLimitIsNotReused() throws Exception {
        FileMessageSpool spool = new FileMessageSpool(dir);
        SmtpSender sender = sender(new ConnectionCache.Limits(Duration.ofMinutes(5), Duration.ofMinutes(10), 2, 4));
        NextHop hop = NextHop.localRoute(peer.address());
        for (int n = 1; n <= 5; n++) {
            assertThat(send(sender, hop, spooled(spool, n))).isEqualTo(Outcome.Kind.DELIVERED);
        }
        assertThat(peer.accepted()).hasSize(5);
        assertThat(peer.connections()).isEqualTo(3); // 2 + 2 + 1
    }

    @Test
    void aSessionIdlePastItsLimitIsClosedNotReused() throws Exception {
        FileMessageSpool spool = new FileMessageSpool(dir);
        long[] now = {0};
        cache.close();
        cache = new ConnectionCache<>(LONG, () -> now[0]);
        SmtpSender sender = new SmtpSender("relay.test", SmtpTimeouts.uniform(Duration.ofSeconds(10)), 2, cache);
        NextHop hop = NextHop.localRoute(peer.address());
        assertThat(send(sender, hop, spooled(spool, 1))).isEqualTo(Outcome.Kind.DELIVERED);
        now[0] += LONG.idle().toNanos(); // as long idle as the limit allows
        assertThat(send(sender, hop, spooled(spool, 2))).isEqualTo(Outcome.Kind.DELIVERED);
        assertThat(peer.connections()).isEqualTo(2);
        assertThat(peer.accepted()).hasSize(2);
    }

    @Test
    void aCachedSessionThePeerClosedCostsNoMessage() throws Exception {
        FileMessageSpool spool = new FileMessageSpool(dir);
        SmtpSender sender = sender(LONG);
        NextHop hop = NextHop.localRoute(peer.address());
        assertThat(send(sender, hop, spooled(spool, 1))).isEqualTo(Outcome.Kind.DELIVERED);
        assertThat(cache.idleSessions()).isEqualTo(1);

        peer.dropOpenConnections(); // its idle timeout, say: our cached session is dead
        assertThat(send(sender, hop, spooled(spool, 2))).isEqualTo(Outcome.Kind.DELIVERED);

        assertThat(peer.accepted()).containsExactly(List.of("bob1@far-away.test"), List.of("bob2@far-away.test"));
        assertThat(peer.connections()).isEqualTo(2);
    }

    @Test
    void aCachedSessionLostAfterItsResetStillDeliversExactlyOnce() throws Exception {
        FileMessageSpool spool = new FileMessageSpool(dir);
        SmtpSender sender = sender(LONG);
        NextHop hop = NextHop.localRoute(peer.address());
        assertThat(send(sender, hop, spooled(spool, 1))).isEqualTo(Outcome.Kind.DELIVERED);

        peer.dropSessionsAfterRset(); // RSET answered, then gone: MAIL finds the session broken
        assertThat(send(sender, hop, spooled(spool, 2))).isEqualTo(Outcome.Kind.DELIVERED);

        assertThat(peer.accepted()).containsExactly(List.of("bob1@far-away.test"), List.of("bob2@far-away.test"));
        assertThat(peer.connections()).isEqualTo(2);
    }

    @Test
    void theDeliveryServiceReusesSessionsAndLosesNothingWhenThePeerDropsThem() throws Exception {
        FileMessageSpool spool = new FileMessageSpool(dir);
        for (int n = 1; n <= 10; n++) {
            queue(spool, n);
        }
        DeliverySettings settings = new DeliverySettings("relay.test", Map.of("far-away.test", peer.address()),
                OutboundMode.SMARTHOST, DeliveryFixture.unusedSmarthost(), null, FAST_RETRY,
                new DeliverySettings.Limits(1, 1, 5, 2), SmtpTimeouts.uniform(Duration.ofSeconds(10)));
        try (DeliveryService service = DeliveryFixture.start(spool, settings, new SimpleMeterRegistry())) {
            assertThat(service.drain(Duration.ofSeconds(30))).isTrue();
            int first = peer.connections();
            // one worker, back to back: fewer sessions than messages (one, unless the machine stalled 2 s between two)
            assertThat(first).isLessThan(10);

            peer.dropOpenConnections();
            for (int n = 11; n <= 15; n++) {
                queue(spool, n); // the running service may deliver and remove it at once
            }
            assertThat(service.drain(Duration.ofSeconds(30))).isTrue();
        }
        assertThat(peer.accepted()).hasSize(15).doesNotHaveDuplicates();
        assertThat(spool.depth()).isZero();
    }
}
