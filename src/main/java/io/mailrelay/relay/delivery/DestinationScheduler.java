package io.mailrelay.relay.delivery;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.mailrelay.concurrent.DaemonThreads;

/**
 * Runs delivery jobs on a bounded pool with a limit per destination (Postfix's queue manager with
 * default_process_limit and smtp_destination_concurrency_limit): a destination at its limit keeps its further jobs
 * waiting in its own lane, without holding a worker, and free workers go to the other destinations' lanes in turn
 * (round robin), so a slow or tarpitting destination holds at most its limit of the pool.
 *
 * <p>A destination with a {@link MessageRateGate} (rateLimit.messagesPerSecond) also waits for a free slot of its
 * gate, the same way: without a worker, woken by a timer when the next slot frees.
 *
 * <p>Threads are started on demand and end after a minute idle: an idle relay holds none.
 */
final class DestinationScheduler {

    /** One job; {@link #run} returns whether it talked to the destination (its rate slot is then kept a second). */
    interface Job {
        /** @param rateWaitNanos how long it waited for its rate limit (0 when it did not) */
        boolean run(long rateWaitNanos);
    }

    /** What a rate-limited lane holds back, for the admin report and the metrics. */
    interface RateListener {
        /** A lane's gate held back its jobs ({@code waiting} of them), for the first time since it last ran one. */
        void throttled(Router.Destination destination, MessageRateGate gate, int waiting);

        /** A job that had waited for its gate got a slot. */
        void waited(Router.Destination destination);
    }

    private static final RateListener SILENT = new RateListener() {
        @Override
        public void throttled(Router.Destination destination, MessageRateGate gate, int waiting) {
        }

        @Override
        public void waited(Router.Destination destination) {
        }
    };

    private final int processLimit;
    private final int destinationLimit;
    private final ThreadPoolExecutor pool;
    private final Function<Router.Destination, MessageRateGate> gates;
    private final RateListener listener;
    private final ScheduledThreadPoolExecutor timer;
    private final Map<Router.Destination, Lane> lanes = new HashMap<>();
    /** lanes with waiting jobs that are below their limit, in turn order */
    private final ArrayDeque<Lane> ready = new ArrayDeque<>();
    private int busy;
    private boolean closed;

    DestinationScheduler(DeliverySettings.Limits limits) {
        this(limits, destination -> null, SILENT);
    }

    /** @param gates the rate gate of a destination, null for none; asked once per lane */
    DestinationScheduler(DeliverySettings.Limits limits, Function<Router.Destination, MessageRateGate> gates,
            RateListener listener) {
        this.processLimit = limits.processLimit();
        this.destinationLimit = limits.destinationConcurrencyLimit();
        this.gates = gates;
        this.listener = listener;
        // no core threads and a hand-off queue: an idle worker takes the next job, a new thread starts only when
        // none is idle (with core threads every submit below the core size would start one: 100 threads for 20
        // sessions at once). The bound is busy < processLimit, kept by dispatch(); a worker that has just finished a
        // job may still be in finished() when the next job is handed over, so the pool itself is not capped there.
        this.pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                DaemonThreads.numbered("delivery"));
        this.timer = new ScheduledThreadPoolExecutor(1, DaemonThreads.numbered("delivery-rate"));
        timer.setKeepAliveTime(60, TimeUnit.SECONDS);
        timer.allowCoreThreadTimeOut(true);
        timer.setRemoveOnCancelPolicy(true);
    }

    /** Queues a job in its destination's lane; false once closed (the job is not run). */
    boolean submit(Router.Destination destination, Runnable job) {
        return submit(destination, null, wait -> {
            job.run();
            return true;
        });
    }

    /**
     * Queues a job in its destination's lane; false once closed (the job is not run).
     *
     * @param tag what the job is about (a message id), listed by {@link #rateHeld()} while its lane's gate holds it
     */
    synchronized boolean submit(Router.Destination destination, String tag, Job job) {
        if (closed) {
            return false;
        }
        Lane lane = lanes.computeIfAbsent(destination, d -> new Lane(d, gates.apply(d)));
        lane.waiting.add(new Waiting(job, tag, System.nanoTime(), lane.blocks));
        offer(lane);
        dispatch();
        return true;
    }

    /** Jobs running now for {@code destination}. */
    synchronized int running(Router.Destination destination) {
        Lane lane = lanes.get(destination);
        return lane == null ? 0 : lane.running;
    }

    /** Worker threads alive now (running a job, just finished one, or idle for less than a minute). */
    int threads() {
        return pool.getPoolSize();
    }

    /** The most worker threads alive at once so far. */
    int largestThreads() {
        return pool.getLargestPoolSize();
    }

    /** Jobs running now over all destinations. */
    synchronized int running() {
        return busy;
    }

    /** The tags of the jobs that their destination's rate gate holds back now, each with the gate. */
    synchronized Map<String, Held> rateHeld() {
        Map<String, Held> held = new LinkedHashMap<>();
        for (Lane lane : lanes.values()) {
            if (lane.blocked) {
                for (Waiting waiting : lane.waiting) {
                    if (waiting.tag != null) {
                        held.putIfAbsent(waiting.tag, new Held(lane.destination, lane.gate));
                    }
                }
            }
        }
        return held;
    }

    /** A job held back by its destination's rate gate. */
    record Held(Router.Destination destination, MessageRateGate gate) {
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
        timer.shutdownNow();
        pool.shutdown();
        try {
            pool.awaitTermination(waitMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void offer(Lane lane) {
        if (!lane.inTurn && !lane.waiting.isEmpty() && lane.running < destinationLimit) {
            if (lane.gate != null && !lane.gate.available(System.nanoTime())) {
                hold(lane);
                return;
            }
            lane.inTurn = true;
            ready.add(lane);
        }
    }

    /** The lane's gate has no free slot: its jobs wait, woken when the next slot frees by time (or a job's end). */
    private void hold(Lane lane) {
        lane.blocks++;
        if (!lane.blocked) {
            lane.blocked = true;
            listener.throttled(lane.destination, lane.gate, lane.waiting.size());
        }
        long wait = lane.gate.nanosUntilFree(System.nanoTime());
        if (wait > 0 && !lane.wakeScheduled && !closed) {
            lane.wakeScheduled = true;
            timer.schedule(() -> wake(lane), wait, TimeUnit.NANOSECONDS);
        }
    }

    private synchronized void wake(Lane lane) {
        lane.wakeScheduled = false;
        if (closed || lanes.get(lane.destination) != lane) {
            return;
        }
        offer(lane);
        dispatch();
    }

    private void dispatch() {
        while (busy < processLimit && !ready.isEmpty()) {
            Lane lane = ready.poll();
            lane.inTurn = false;
            long now = System.nanoTime();
            if (lane.gate != null && !lane.gate.tryAcquire(now)) {
                hold(lane);
                continue;
            }
            lane.blocked = false;
            Waiting job = lane.waiting.poll();
            long rateWait = 0;
            if (job.blocksAtSubmit != lane.blocks) { // its lane was held by the gate while it waited
                rateWait = now - job.submitted;
                listener.waited(lane.destination);
            }
            lane.running++;
            busy++;
            offer(lane); // back at the end of the turn order when it may run more
            long waited = rateWait;
            pool.execute(() -> run(lane, job.job, waited));
        }
    }

    private void run(Lane lane, Job job, long rateWait) {
        boolean used = true;
        try {
            used = job.run(rateWait);
        } finally {
            finished(lane, used);
        }
    }

    private synchronized void finished(Lane lane, boolean used) {
        lane.running--;
        busy--;
        if (lane.gate != null) {
            lane.gate.release(System.nanoTime(), used);
        }
        if (lane.running == 0 && lane.waiting.isEmpty()) {
            lanes.remove(lane.destination); // its gate lives on where gates() keeps it
        } else {
            offer(lane);
        }
        dispatch();
    }

    private record Waiting(Job job, String tag, long submitted, long blocksAtSubmit) {
    }

    private static final class Lane {
        final Router.Destination destination;
        final MessageRateGate gate;
        final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
        int running;
        boolean inTurn;
        /** how often its gate held it back; a job submitted at another count waited for the gate */
        long blocks;
        /** its gate holds it back now (until a job is dispatched) */
        boolean blocked;
        boolean wakeScheduled;

        Lane(Router.Destination destination, MessageRateGate gate) {
            this.destination = destination;
            this.gate = gate;
        }
    }
}
