package io.mailrelay.relay.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.mailrelay.testing.ManualClock;

/** The per-client MAIL rate (a sliding minute) on a clock the test moves. */
@Tag("unit")
class MailTransactionHookTest {
    private static final String CLIENT = "198.51.100.7";

    private final ManualClock clock = new ManualClock();
    private final MailTransactionHook hook = new MailTransactionHook(2, client -> false, () -> false, clock::nanos);

    @Test
    void theWindowAdmitsAgainExactlyWhenTheOldestTransactionSlidesOut() {
        assertThat(hook.admit(CLIENT)).as("1st at 0 s").isTrue();
        clock.advance(Duration.ofSeconds(20));
        assertThat(hook.admit(CLIENT)).as("2nd at 20 s").isTrue();
        clock.advance(Duration.ofSeconds(10));
        assertThat(hook.admit(CLIENT)).as("3rd at 30 s").isFalse();

        clock.advance(Duration.ofSeconds(30).minusNanos(1));
        assertThat(hook.admit(CLIENT)).as("1 ns before the 0 s one is a minute old").isFalse();
        clock.advance(Duration.ofNanos(1));
        assertThat(hook.admit(CLIENT)).as("at 60 s: the 0 s one slid out").isTrue();

        // the window now holds 20 s and 60 s; the refusals at 30 s and 59.999 s took no room in it
        clock.advance(Duration.ofSeconds(20).minusNanos(1));
        assertThat(hook.admit(CLIENT)).as("1 ns before the 20 s one is a minute old").isFalse();
        clock.advance(Duration.ofNanos(1));
        assertThat(hook.admit(CLIENT)).as("at 80 s: the 20 s one slid out").isTrue();
        assertThat(hook.admit(CLIENT)).as("again at 80 s: 60 s and 80 s fill the window").isFalse();
    }

    @Test
    void aQuietMinuteEmptiesTheWindow() {
        assertThat(hook.admit(CLIENT)).isTrue();
        assertThat(hook.admit(CLIENT)).isTrue();
        assertThat(hook.admit(CLIENT)).isFalse();
        clock.advance(Duration.ofHours(1));
        assertThat(hook.admit(CLIENT)).isTrue();
        assertThat(hook.admit(CLIENT)).isTrue();
        assertThat(hook.admit(CLIENT)).isFalse();
    }

    @Test
    void eachClientHasItsOwnWindow() {
        assertThat(hook.admit(CLIENT)).isTrue();
        assertThat(hook.admit(CLIENT)).isTrue();
        assertThat(hook.admit(CLIENT)).isFalse();
        assertThat(hook.admit("198.51.100.8")).isTrue();
        assertThat(hook.admit("198.51.100.8")).isTrue();
        assertThat(hook.admit("198.51.100.8")).isFalse();
    }

    @Test
    void manyDistinctClientsKeepAtMostMaxClientsWindowsAndAQuietMinuteForgetsThemAll() {
        MailTransactionHook bounded = new MailTransactionHook(2, client -> false, () -> false, clock::nanos, 50);
        for (int i = 1; i <= 250; i++) {
            assertThat(bounded.admit("127.0.0." + i)).isTrue();
            assertThat(bounded.clients()).isLessThanOrEqualTo(50);
        }
        assertThat(bounded.clients()).isEqualTo(50);
        assertThat(bounded.admit("127.0.0.250")).isTrue();
        assertThat(bounded.admit("127.0.0.250")).as("a remembered window still counts").isFalse();

        clock.advance(Duration.ofMinutes(1));
        assertThat(bounded.clients()).isZero();
        assertThat(bounded.admit("127.0.0.250")).isTrue();
    }
}
