package io.mailrelay.relay.delivery;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.mailrelay.concurrent.DaemonThreads;

/**
 * Runs delivery jobs on a bounded pool with a limit per destination (Postfix's queue manager with
 * default_process_limit and smtp_destination_concurrency_limit): a destination at its limit keeps its further jobs
 * waiting in its own lane, without holding a worker, and free workers go to the other destinations' lanes in turn
 * (round robin), so a slow or tarpitting destination holds at most its limit of the pool.
 *
 * <p>Threads are started on demand and end after a minute idle: an idle relay holds none.
 */
final class DestinationScheduler {

    private final int processLimit;
    private final int destinationLimit;
    private final ThreadPoolExecutor pool;
    private final Map<Router.Destination, Lane> lanes = new HashMap<>();
    /** lanes with waiting jobs that are below their limit, in turn order */
    private final ArrayDeque<Lane> ready = new ArrayDeque<>();
    private int busy;
    private boolean closed;

    DestinationScheduler(DeliverySettings.Limits limits) {
        this.processLimit = limits.processLimit();
        this.destinationLimit = limits.destinationConcurrencyLimit();
        this.pool = new ThreadPoolExecutor(processLimit, processLimit, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                DaemonThreads.numbered("delivery"));
        pool.allowCoreThreadTimeOut(true);
    }

    /** Queues a job in its destination's lane; false once closed (the job is not run). */
    synchronized boolean submit(Router.Destination destination, Runnable job) {
        if (closed) {
            return false;
        }
        Lane lane = lanes.computeIfAbsent(destination, Lane::new);
        lane.waiting.add(job);
        offer(lane);
        dispatch();
        return true;
    }

    /** Jobs running now for {@code destination}. */
    synchronized int running(Router.Destination destination) {
        Lane lane = lanes.get(destination);
        return lane == null ? 0 : lane.running;
    }

    /** Jobs running now over all destinations. */
    synchronized int running() {
        return busy;
    }

    /**
     * Stops taking jobs and drops the waiting ones (their messages stay spooled); waits up to {@code waitMillis} for
     * the running ones to end.
     */
    void close(long waitMillis) {
        synchronized (this) {
            closed = true;
            lanes.values().forEach(lane -> lane.waiting.clear());
            ready.clear();
        }
        pool.shutdown();
        try {
            pool.awaitTermination(waitMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void offer(Lane lane) {
        if (!lane.inTurn && !lane.waiting.isEmpty() && lane.running < destinationLimit) {
            lane.inTurn = true;
            ready.add(lane);
        }
    }

    private void dispatch() {
        while (busy < processLimit && !ready.isEmpty()) {
            Lane lane = ready.poll();
            lane.inTurn = false;
            Runnable job = lane.waiting.poll();
            lane.running++;
            busy++;
            offer(lane); // back at the end of the turn order when it may run more
            pool.execute(() -> run(lane, job));
        }
    }

    private void run(Lane lane, Runnable job) {
        try {
            job.run();
        } finally {
            finished(lane);
        }
    }

    private synchronized void finished(Lane lane) {
        lane.running--;
        busy--;
        if (lane.running == 0 && lane.waiting.isEmpty()) {
            lanes.remove(lane.destination);
        } else {
            offer(lane);
        }
        dispatch();
    }

    private static final class Lane {
        final Router.Destination destination;
        final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
        int running;
        boolean inTurn;

        Lane(Router.Destination destination) {
            this.destination = destination;
        }
    }
}
