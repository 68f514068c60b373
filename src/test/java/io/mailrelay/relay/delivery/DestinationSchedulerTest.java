package io.mailrelay.relay.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The pool and lane limits of {@link DestinationScheduler}, with jobs that block until the test releases them. */
@Tag("unit")
class DestinationSchedulerTest {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final Router.Destination SLOW = new Router.Destination("mx", "slow.test");
    private static final Router.Destination FAST = new Router.Destination("mx", "fast.test");

    private final CountDownLatch release = new CountDownLatch(1);
    private final List<String> started = new CopyOnWriteArrayList<>();

    private Runnable blocking(String name) {
        return () -> {
            started.add(name);
            try {
                release.await(WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    @Test
    void aDestinationAtItsLimitLeavesTheOtherWorkersToTheOtherDestinations() {
        DestinationScheduler scheduler = new DestinationScheduler(new DeliverySettings.Limits(3, 2, 5, 2));
        for (int i = 0; i < 5; i++) {
            scheduler.submit(SLOW, blocking("slow" + i)); // submitted first, all of them
        }
        for (int i = 0; i < 5; i++) {
            scheduler.submit(FAST, blocking("fast" + i));
        }
        await().atMost(WAIT).until(() -> started.size() == 3);

        assertThat(scheduler.running(SLOW)).isEqualTo(2); // its limit, though more of its jobs came first
        assertThat(scheduler.running(FAST)).isEqualTo(1); // the pool's third worker
        assertThat(scheduler.running()).isEqualTo(3);
        assertThat(started).containsExactlyInAnyOrder("slow0", "slow1", "fast0");

        release.countDown();
        await().atMost(WAIT).until(() -> started.size() == 10 && scheduler.running() == 0);
        scheduler.close(WAIT.toMillis());
    }

    @Test
    void aLimitAsLargeAsThePoolLetsTheFirstDestinationTakeEveryWorker() {
        // the other side: it is the lane limit, not the order, that keeps a worker for the second destination
        DestinationScheduler scheduler = new DestinationScheduler(new DeliverySettings.Limits(3, 3, 5, 2));
        for (int i = 0; i < 5; i++) {
            scheduler.submit(SLOW, blocking("slow" + i));
        }
        scheduler.submit(FAST, blocking("fast0"));
        await().atMost(WAIT).until(() -> started.size() == 3);

        assertThat(scheduler.running(SLOW)).isEqualTo(3);
        assertThat(scheduler.running(FAST)).isZero();

        release.countDown();
        await().atMost(WAIT).until(() -> started.size() == 6 && scheduler.running() == 0);
        assertThat(scheduler.submit(FAST, blocking("late"))).isTrue();
        scheduler.close(WAIT.toMillis());
        assertThat(scheduler.submit(FAST, blocking("after close"))).isFalse();
    }

    @Test
    void aRateGateHoldsJobsInTheirLaneWithoutAWorkerAndListsThemUntilASlotFrees() {
        MessageRateGate gate = new MessageRateGate(2);
        java.util.concurrent.atomic.AtomicInteger waited = new java.util.concurrent.atomic.AtomicInteger();
        List<long[]> spans = new CopyOnWriteArrayList<>(); // {start, end} in nanos
        DestinationScheduler scheduler = new DestinationScheduler(new DeliverySettings.Limits(10, 10, 5, 2),
                destination -> destination.equals(SLOW) ? gate : null, new DestinationScheduler.RateListener() {
                    @Override
                    public void throttled(Router.Destination destination, MessageRateGate g, int waiting) {
                    }

                    @Override
                    public void waited(Router.Destination destination) {
                        waited.incrementAndGet();
                    }
                });
        for (int i = 0; i < 6; i++) {
            String name = "rated" + i;
            scheduler.submit(SLOW, name, wait -> {
                long start = System.nanoTime();
                blocking(name).run();
                spans.add(new long[] {start, System.nanoTime()});
                return true;
            });
        }
        scheduler.submit(FAST, blocking("unrated"));
        await().atMost(WAIT).until(() -> started.size() == 3);

        // two hold the gate's slots (blocked on the latch): the other four wait without a worker, listed by tag
        assertThat(started).containsExactlyInAnyOrder("rated0", "rated1", "unrated");
        assertThat(scheduler.running()).isEqualTo(3);
        assertThat(scheduler.rateHeld().keySet()).containsExactly("rated2", "rated3", "rated4", "rated5");

        release.countDown();
        await().atMost(WAIT).until(() -> started.size() == 7 && scheduler.running() == 0);
        assertThat(waited.get()).isEqualTo(4);
        assertThat(scheduler.rateHeld()).isEmpty();
        // each slot is kept a second after its job ended: no 1-second window touches more than 2 jobs (the busiest
        // window is one that ends just after some job's start)
        for (long[] span : spans) {
            long start = span[0];
            assertThat(spans.stream().filter(other -> other[0] <= start && other[1] > start - 1_000_000_000L).count())
                    .isLessThanOrEqualTo(2);
        }
        scheduler.close(WAIT.toMillis());
    }

    @Test
    void threadsFollowTheJobsRunningAtOnceNotTheProcessLimit() {
        // Postfix's default_process_limit of 100 with one destination at its limit of 2: 60 jobs, each waiting for the
        // one before it to finish, ran on 60 threads when every submit below the core size started one
        DestinationScheduler scheduler = new DestinationScheduler(new DeliverySettings.Limits(100, 2, 5, 2));
        CountDownLatch done = new CountDownLatch(60);
        for (int i = 0; i < 60; i++) {
            scheduler.submit(SLOW, done::countDown);
        }
        await().atMost(WAIT).until(() -> done.getCount() == 0 && scheduler.running() == 0);

        // at most 2 running, and at most 2 more that had just finished a job when the next one was handed over
        assertThat(scheduler.largestThreads()).isBetween(1, 4);
        scheduler.close(WAIT.toMillis());
    }

    @Test
    void jobsRunningAtOnceGetAThreadEach() {
        // the other side: the hand-off queue never holds a job back for want of a thread
        DestinationScheduler scheduler = new DestinationScheduler(new DeliverySettings.Limits(100, 20, 5, 2));
        for (int i = 0; i < 20; i++) {
            scheduler.submit(SLOW, blocking("slow" + i));
        }
        await().atMost(WAIT).until(() -> started.size() == 20);
        assertThat(scheduler.running()).isEqualTo(20);
        assertThat(scheduler.threads()).isEqualTo(20);

        release.countDown();
        await().atMost(WAIT).until(() -> scheduler.running() == 0);
        scheduler.close(WAIT.toMillis());
    }
}
