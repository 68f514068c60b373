package io.mailrelay.relay.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.mailrelay.testing.ManualClock;

/** The AUTH lockout on a clock the test moves: when it starts, how long it lasts, what resets it. */
@Tag("unit")
class AuthFailuresTest {
    private static final Duration LOCKOUT = Duration.ofMinutes(15);
    private static final String CLIENT = "198.51.100.7";

    private final ManualClock clock = new ManualClock();
    private final AuthFailures failures = new AuthFailures(3, LOCKOUT, clock::nanos);

    @Test
    void theNthFailureLocksTheClientOutUntilTheLockoutHasPassedAndNotAMomentLonger() {
        failures.failed(CLIENT);
        failures.failed(CLIENT);
        assertThat(failures.isLockedOut(CLIENT)).as("after 2 of 3 failures").isFalse();

        clock.advance(Duration.ofMinutes(1));
        failures.failed(CLIENT); // the lockout counts from this failure
        assertThat(failures.isLockedOut(CLIENT)).as("at the 3rd failure").isTrue();
        clock.advance(LOCKOUT.minusNanos(1));
        assertThat(failures.isLockedOut(CLIENT)).as("1 ns before the lockout ends").isTrue();
        clock.advance(Duration.ofNanos(1));
        assertThat(failures.isLockedOut(CLIENT)).as("when the lockout ends").isFalse();
    }

    @Test
    void afterTheLockoutTheCountStartsAgain() {
        for (int i = 0; i < 3; i++) {
            failures.failed(CLIENT);
        }
        clock.advance(LOCKOUT);
        assertThat(failures.isLockedOut(CLIENT)).isFalse();

        failures.failed(CLIENT);
        failures.failed(CLIENT);
        assertThat(failures.isLockedOut(CLIENT)).as("2 new failures after the lockout").isFalse();
        failures.failed(CLIENT);
        assertThat(failures.isLockedOut(CLIENT)).as("3 new failures after the lockout").isTrue();
    }

    @Test
    void aSuccessClearsEarlierFailures() {
        failures.failed(CLIENT);
        failures.failed(CLIENT);
        failures.succeeded(CLIENT);
        failures.failed(CLIENT);
        failures.failed(CLIENT);
        assertThat(failures.isLockedOut(CLIENT)).as("2 failures since the success").isFalse();
        failures.failed(CLIENT);
        assertThat(failures.isLockedOut(CLIENT)).isTrue();
    }

    @Test
    void failuresCountPerClientIp() {
        for (int i = 0; i < 3; i++) {
            failures.failed(CLIENT);
        }
        failures.failed("198.51.100.8");
        failures.failed("198.51.100.8");
        assertThat(failures.isLockedOut(CLIENT)).isTrue();
        assertThat(failures.isLockedOut("198.51.100.8")).isFalse();
        assertThat(failures.isLockedOut("198.51.100.9")).isFalse();
    }

    @Test
    void failuresAreForgottenALockoutAfterTheLastOneAndAtMostMaxClientsAreRemembered() {
        AuthFailures bounded = new AuthFailures(3, LOCKOUT, clock::nanos, 50);
        for (int i = 1; i <= 250; i++) {
            bounded.failed("127.0.0." + i);
            assertThat(bounded.clients()).isLessThanOrEqualTo(50);
        }
        assertThat(bounded.clients()).isEqualTo(50);

        failures.failed(CLIENT);
        failures.failed(CLIENT);
        clock.advance(LOCKOUT);
        failures.failed(CLIENT);
        assertThat(failures.isLockedOut(CLIENT)).as("the two earlier failures had expired").isFalse();
        assertThat(bounded.clients()).as("all expired").isZero();
    }
}
