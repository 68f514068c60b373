package io.mailrelay.relay.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.mailrelay.config.HostPort;
import io.mailrelay.relay.delivery.Outcome;
import io.mailrelay.relay.delivery.RecipientCallout;
import io.mailrelay.testing.FreePort;
import io.mailrelay.testing.ManualClock;
import io.mailrelay.testing.SmtpSink;

/** The callout cache against real smtp-sinks (one accepts every recipient, one refuses them), on a manual clock. */
@Tag("smtp")
class RecipientVerifierTest {
    private static final RecipientVerifier.Settings SETTINGS = new RecipientVerifier.Settings(Duration.ofHours(1),
            Duration.ofMinutes(10), 3, Duration.ofSeconds(10), 2, 10);

    @RegisterExtension
    static final SmtpSink accepting = new SmtpSink();
    @RegisterExtension
    static final SmtpSink refusing = new SmtpSink("-f", "RCPT");

    private final ManualClock clock = new ManualClock();

    private RecipientVerifier verifier(int closedPort) {
        return new RecipientVerifier(Map.of("known.test", new HostPort("127.0.0.1", accepting.port()),
                "unknown.test", new HostPort("127.0.0.1", refusing.port()),
                "down.test", new HostPort("127.0.0.1", closedPort)),
                new RecipientCallout("relay.test", SETTINGS.timeout()), SETTINGS, clock::nanos);
    }

    private static Outcome.Kind verify(RecipientVerifier verifier, String recipient) throws Exception {
        return verifier.verify(recipient).get(60, TimeUnit.SECONDS).kind();
    }

    @Test
    void acceptedRecipientsAreRememberedForThePositiveTtlRefusedOnesForTheNegativeTtl() throws Exception {
        try (RecipientVerifier verifier = verifier(FreePort.pick())) {
            assertThat(verifier.cached("bob@known.test")).isEmpty();
            assertThat(verify(verifier, "bob@known.test")).isEqualTo(Outcome.Kind.DELIVERED);
            assertThat(verify(verifier, "nosuch@unknown.test")).isEqualTo(Outcome.Kind.PERMANENT);

            clock.advance(Duration.ofMinutes(9));
            assertThat(verifier.cached("bob@known.test")).map(Outcome::kind).contains(Outcome.Kind.DELIVERED);
            assertThat(verifier.cached("nosuch@unknown.test")).map(Outcome::kind).contains(Outcome.Kind.PERMANENT);

            clock.advance(Duration.ofMinutes(1));
            assertThat(verifier.cached("nosuch@unknown.test")).isEmpty();
            assertThat(verifier.cached("bob@known.test")).isPresent();

            clock.advance(Duration.ofMinutes(50));
            assertThat(verifier.cached("bob@known.test")).isEmpty();
        }
    }

    @Test
    void temporaryFailuresAreNotRemembered() throws Exception {
        try (RecipientVerifier verifier = verifier(FreePort.pick())) {
            assertThat(verify(verifier, "bob@down.test")).isEqualTo(Outcome.Kind.TEMPORARY);
            assertThat(verify(verifier, "bob@nowhere.test")).isEqualTo(Outcome.Kind.TEMPORARY); // no deliverTo
            assertThat(verifier.cached("bob@down.test")).isEmpty();
            assertThat(verifier.cachedEntries()).isZero();
        }
    }

    @Test
    void theCacheKeepsAtMostMaxEntriesDroppingTheLeastRecentlyUsed() throws Exception {
        try (RecipientVerifier verifier = verifier(FreePort.pick())) {
            for (String user : new String[] { "a", "b", "c" }) {
                verify(verifier, user + "@known.test");
            }
            assertThat(verifier.cached("a@known.test")).isPresent(); // a is now the most recently used
            verify(verifier, "d@known.test");
            assertThat(verifier.cachedEntries()).isEqualTo(3);
            assertThat(verifier.cached("b@known.test")).isEmpty();
            assertThat(verifier.cached("a@known.test")).isPresent();
            assertThat(verifier.cached("c@known.test")).isPresent();
            assertThat(verifier.cached("d@known.test")).isPresent();
        }
    }
}
