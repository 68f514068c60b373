package io.mailrelay.operator.probing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class ProbeSchedulerTest {

    private final List<String> results = new CopyOnWriteArrayList<>();

    @Test
    void runsPeriodicallyWithoutOverlapAndInOrder() {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        AtomicInteger runs = new AtomicInteger();
        try (ProbeScheduler<String> scheduler = new ProbeScheduler<>(4, (key, r) -> results.add(r))) {
            scheduler.schedule("ns/relay", Duration.ofMillis(20), Duration.ZERO, () -> {
                maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                sleep(30); // slower than the interval: must still never overlap
                inFlight.decrementAndGet();
                return "run-" + runs.incrementAndGet();
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> results.size() >= 5);
        }
        assertThat(maxInFlight.get()).isEqualTo(1);
        assertThat(results.subList(0, 5)).containsExactly("run-1", "run-2", "run-3", "run-4", "run-5");
    }

    @Test
    void boundsConcurrencyAcrossKeys() throws InterruptedException {
        AtomicInteger started = new AtomicInteger();
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch allRan = new CountDownLatch(6);
        try (ProbeScheduler<String> scheduler = new ProbeScheduler<>(2, (key, r) -> allRan.countDown())) {
            for (int i = 0; i < 6; i++) {
                scheduler.schedule("ns/relay-" + i, Duration.ofHours(1), Duration.ZERO, () -> {
                    started.incrementAndGet();
                    maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                    awaitLatch(release); // every run holds its worker until the test lets go
                    inFlight.decrementAndGet();
                    return "done";
                });
            }
            // all six are due at once: two run side by side, and while they hold both workers no third
            // starts (an unbounded scheduler would start all six during this time)
            await().atMost(Duration.ofSeconds(30)).until(() -> inFlight.get() >= 2);
            await().failFast("a third run started", () -> started.get() > 2)
                    .during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(30)).until(() -> started.get() == 2);
            release.countDown();
            assertThat(allRan.await(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(started.get()).isEqualTo(6);
        assertThat(maxInFlight.get()).isEqualTo(2);
    }

    @Test
    void runNowCoalescesWithARunInFlight() throws InterruptedException {
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        try (ProbeScheduler<String> scheduler = new ProbeScheduler<>(1, (key, r) -> results.add(r))) {
            scheduler.schedule("ns/relay", Duration.ofHours(1), Duration.ZERO, () -> {
                int n = runs.incrementAndGet();
                if (n == 1) {
                    firstStarted.countDown();
                    awaitLatch(releaseFirst);
                }
                return "run-" + n;
            });
            assertThat(firstStarted.await(30, TimeUnit.SECONDS)).isTrue();
            scheduler.runNow("ns/relay");
            scheduler.runNow("ns/relay");
            scheduler.runNow("ns/relay");
            releaseFirst.countDown();
            await().atMost(Duration.ofSeconds(30)).until(() -> results.size() == 2);
            sleep(200); // room for a wrong third run to show up
        }
        // three requests during one run: exactly one more run, not three
        assertThat(results).containsExactly("run-1", "run-2");
    }

    @Test
    void cancelStopsFurtherRuns() {
        AtomicInteger runs = new AtomicInteger();
        try (ProbeScheduler<String> scheduler = new ProbeScheduler<>(1, (key, r) -> results.add(r))) {
            scheduler.schedule("ns/relay", Duration.ofMillis(10), Duration.ZERO, () -> "run-" + runs.incrementAndGet());
            await().atMost(Duration.ofSeconds(30)).until(() -> results.size() >= 2);
            scheduler.cancel("ns/relay");
            int afterCancel = runs.get();
            sleep(200);
            assertThat(runs.get()).isLessThanOrEqualTo(afterCancel + 1);
            assertThat(scheduler.isScheduled("ns/relay")).isFalse();
        }
    }

    @Test
    void aFailingRunIsRescheduled() {
        AtomicInteger runs = new AtomicInteger();
        try (ProbeScheduler<String> scheduler = new ProbeScheduler<>(1, (key, r) -> results.add(r))) {
            scheduler.schedule("ns/relay", Duration.ofMillis(10), Duration.ZERO, () -> {
                if (runs.incrementAndGet() == 1) {
                    throw new IllegalStateException("boom");
                }
                return "ok";
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> !results.isEmpty());
        }
        assertThat(runs.get()).isGreaterThanOrEqualTo(2);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
