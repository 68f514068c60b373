package io.mailrelay.relay.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.mailrelay.testing.ManualClock;

/** The per-client tables behind the rate limit and the AUTH lockout: entries expire, and there are never too many. */
@Tag("unit")
class ClientTableTest {
    private static final Duration TTL = Duration.ofMinutes(1);

    private final ManualClock clock = new ManualClock();
    private final ClientTable<Integer> table = new ClientTable<>(100, TTL, clock::nanos);

    private static String client(int i) {
        return "127.0." + (i / 250) + "." + (1 + i % 250);
    }

    @Test
    void anEntryExpiresTtlAfterItsLastUpdateAndNotBefore() {
        table.update("127.0.0.9", n -> 1);
        clock.advance(Duration.ofSeconds(40));
        table.update("127.0.0.9", n -> n + 1); // expiry restarts here
        clock.advance(TTL.minusNanos(1));
        assertThat(table.get("127.0.0.9")).isEqualTo(2);
        clock.advance(Duration.ofNanos(1));
        assertThat(table.get("127.0.0.9")).isNull();
        assertThat(table.update("127.0.0.9", n -> n == null ? 1 : n + 1)).as("counts from scratch").isEqualTo(1);
    }

    @Test
    void manyDistinctClientsNeverHoldMoreThanTheCapAndTheOldestGoFirst() {
        for (int i = 0; i < 5_000; i++) {
            table.update(client(i), n -> 1);
            assertThat(table.size()).isLessThanOrEqualTo(100);
        }
        assertThat(table.size()).isEqualTo(100);
        assertThat(table.get(client(4_999))).isEqualTo(1);
        assertThat(table.get(client(4_900))).isEqualTo(1);
        assertThat(table.get(client(4_899))).as("the 101st newest was dropped").isNull();
        assertThat(table.get(client(0))).isNull();
    }

    @Test
    void aQuietPeriodEmptiesTheTableWithoutAnyLookupOfTheOldClients() {
        for (int i = 0; i < 100; i++) {
            table.update(client(i), n -> 1);
            clock.advance(Duration.ofMillis(100));
        }
        clock.advance(TTL);
        table.update("127.0.9.9", n -> 1); // the only call: it drops the expired ones on its way
        assertThat(table.size()).isEqualTo(1);
    }

    @Test
    void anUpdateToNullRemovesTheEntry() {
        table.update("127.0.0.9", n -> 1);
        table.update("127.0.0.9", n -> null);
        assertThat(table.get("127.0.0.9")).isNull();
        assertThat(table.size()).isZero();
    }
}
