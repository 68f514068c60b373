package io.mailrelay.relay.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.mailrelay.testing.ManualClock;

/** {@link MessageRateGate} and {@link RecipientBudget} on test clocks. */
@Tag("unit")
class RateLimitUnitTest {

    private static final long MS = 1_000_000L;

    @TempDir
    Path dir;

    @Test
    void theGateLetsABurstOfItsLimitStartAndKeepsEachSlotASecondAfterItsTransactionEnded() {
        MessageRateGate gate = new MessageRateGate(2);
        long t = 1_000 * MS;
        assertThat(gate.tryAcquire(t)).isTrue();
        assertThat(gate.tryAcquire(t)).isTrue(); // a burst of the limit at once
        assertThat(gate.tryAcquire(t)).isFalse();
        assertThat(gate.nanosUntilFree(t)).isEqualTo(-1); // both running: only an end frees one

        gate.release(t + 300 * MS, true);
        assertThat(gate.nanosUntilFree(t + 300 * MS)).isEqualTo(1_000 * MS); // a second after it ended
        assertThat(gate.tryAcquire(t + 1_299 * MS)).isFalse();
        assertThat(gate.tryAcquire(t + 1_300 * MS)).isTrue();
    }

    @Test
    void aTransactionThatNeverTalkedToTheUpstreamGivesItsSlotBackAtOnce() {
        MessageRateGate gate = new MessageRateGate(1);
        assertThat(gate.tryAcquire(0)).isTrue();
        gate.release(5 * MS, false);
        assertThat(gate.tryAcquire(5 * MS)).isTrue();
        gate.release(6 * MS, true);
        assertThat(gate.tryAcquire(6 * MS + 999 * MS)).isFalse();
    }

    @Test
    void noOneSecondWindowEverHoldsMoreThanTheLimitWhateverTheTransactionsTake() {
        // transactions of varying length started whenever the gate allows, on a 1 ms grid for 20 s
        MessageRateGate gate = new MessageRateGate(5);
        java.util.List<long[]> done = new java.util.ArrayList<>(); // {start, end}
        java.util.List<long[]> running = new java.util.ArrayList<>();
        java.util.Random random = new java.util.Random(7);
        for (long now = 0; now < 20_000 * MS; now += MS) {
            long at = now;
            running.removeIf(tx -> {
                if (tx[1] <= at) {
                    gate.release(at, true);
                    done.add(tx);
                    return true;
                }
                return false;
            });
            while (gate.tryAcquire(now)) {
                running.add(new long[] {now, now + (1 + random.nextInt(700)) * MS});
            }
        }
        // the upstream may stamp a transaction at any moment between its start and its end: count every
        // transaction whose span touches a window, the worst case of any stamping; the busiest window is one that
        // ends just after some transaction's start
        int busiest = 0;
        for (long[] tx : done) {
            long start = tx[0];
            int touching = (int) done.stream().filter(o -> o[0] <= start && o[1] > start - 1_000 * MS).count();
            busiest = Math.max(busiest, touching);
        }
        assertThat(done.size()).isGreaterThan(50);
        assertThat(busiest).isLessThanOrEqualTo(5);
    }

    @Test
    void theDailyBudgetIsARolling24HoursCountedPerMinuteAndGivenBackWhenNotAccepted() {
        ManualClock clock = new ManualClock(Instant.parse("2026-12-03T10:00:30Z"));
        RecipientBudget budget = new RecipientBudget("smarthost s.test:587", 10, clock, null);
        assertThat(budget.reserve(4).granted()).isEqualTo(4);
        clock.advance(Duration.ofHours(12));
        RecipientBudget.Reservation second = budget.reserve(8);
        assertThat(second.granted()).isEqualTo(6); // as many as are left
        assertThat(budget.remaining()).isZero();
        budget.giveBack(second, 2); // two the upstream did not accept
        assertThat(budget.remaining()).isEqualTo(2);
        assertThat(budget.reserve(5).granted()).isEqualTo(2);
        assertThat(budget.reserve(1).granted()).isZero();
        // the first 4 return at the end of their minute plus 24 hours, not a moment earlier
        assertThat(budget.nextFree()).isEqualTo(Instant.parse("2026-12-04T10:01:00Z"));
        clock.advance(Duration.between(clock.instant(), Instant.parse("2026-12-04T10:00:59Z")));
        assertThat(budget.remaining()).isZero();
        clock.advance(Duration.ofSeconds(1));
        assertThat(budget.remaining()).isEqualTo(4);
    }

    @Test
    void theCountIsKeptInItsFileAndReadBackByTheNextRun() throws Exception {
        ManualClock clock = new ManualClock(Instant.parse("2026-12-03T10:00:00Z"));
        Path file = dir.resolve("smarthost-s.test_587.recipients");
        RecipientBudget first = new RecipientBudget("smarthost s.test:587", 100, clock, file);
        first.reserve(30);
        clock.advance(Duration.ofMinutes(5));
        first.reserve(20);
        assertThat(Files.readAllLines(file)).hasSize(2);

        RecipientBudget restarted = new RecipientBudget("smarthost s.test:587", 100, clock, file);
        assertThat(restarted.remaining()).isEqualTo(50);
        clock.advance(Duration.ofHours(24));
        assertThat(new RecipientBudget("smarthost s.test:587", 100, clock, file).remaining()).isEqualTo(80);

        Files.writeString(file, "garbage\nnot numbers here\n1 x\n");
        assertThat(new RecipientBudget("smarthost s.test:587", 100, clock, file).remaining()).isEqualTo(100);
    }
}
