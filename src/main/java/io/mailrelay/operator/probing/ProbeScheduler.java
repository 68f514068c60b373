package io.mailrelay.operator.probing;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import io.mailrelay.concurrent.DaemonThreads;

/**
 * Runs one periodic task per key (here: one probe per relay) off the caller's threads, with
 * <ul>
 * <li>at most one run in flight per key: the next run is scheduled {@code interval} after the previous
 * one finished (fixed delay), so slow probes never pile up;</li>
 * <li>a bound on concurrent runs across all keys (the worker pool size);</li>
 * <li>{@link #runNow(String)} for "probe right after this rollout", coalesced with a run in flight.</li>
 * </ul>
 * Results go to a listener; a task that throws is logged and rescheduled like any other run.
 */
public final class ProbeScheduler<T> implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ProbeScheduler.class);

    private final ScheduledExecutorService timer;
    private final ExecutorService workers;
    private final BiConsumer<String, T> listener;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    public ProbeScheduler(int maxConcurrentRuns, BiConsumer<String, T> listener) {
        if (maxConcurrentRuns < 1) {
            throw new IllegalArgumentException("maxConcurrentRuns must be at least 1");
        }
        this.timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.numbered("probe-timer"));
        this.workers = Executors.newFixedThreadPool(maxConcurrentRuns, DaemonThreads.numbered("probe-worker"));
        this.listener = listener;
    }

    /**
     * Starts probing {@code key} every {@code interval}, or updates the interval and task of a key already
     * scheduled (keeping its timing). A new key runs after {@code firstDelay}.
     */
    public void schedule(String key, Duration interval, Duration firstDelay, Supplier<T> task) {
        Entry entry = entries.computeIfAbsent(key, k -> new Entry(k));
        synchronized (entry) {
            boolean isNew = entry.task == null;
            entry.interval = interval;
            entry.task = task;
            if (isNew) {
                entry.scheduleIn(firstDelay);
            }
        }
    }

    /** Runs {@code key} as soon as a worker is free; if it is running now, once more right after. */
    public void runNow(String key) {
        Entry entry = entries.get(key);
        if (entry == null) {
            return;
        }
        synchronized (entry) {
            if (entry.running) {
                entry.rerunRequested = true;
            } else {
                entry.scheduleIn(Duration.ZERO);
            }
        }
    }

    /** Stops probing {@code key}; a run in flight finishes but its result is dropped. */
    public void cancel(String key) {
        Entry entry = entries.remove(key);
        if (entry != null) {
            synchronized (entry) {
                entry.cancelled = true;
                if (entry.next != null) {
                    entry.next.cancel(false);
                }
            }
        }
    }

    public boolean isScheduled(String key) {
        return entries.containsKey(key);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        workers.shutdownNow();
        try {
            workers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class Entry {
        private final String key;
        private Duration interval;
        private Supplier<T> task;
        private ScheduledFuture<?> next;
        private boolean running;
        private boolean rerunRequested;
        private boolean cancelled;

        Entry(String key) {
            this.key = key;
        }

        /** Caller holds the lock. */
        void scheduleIn(Duration delay) {
            if (cancelled) {
                return;
            }
            if (next != null) {
                next.cancel(false);
            }
            next = timer.schedule(() -> workers.execute(this::run), delay.toMillis(), TimeUnit.MILLISECONDS);
        }

        private void run() {
            Supplier<T> current;
            synchronized (this) {
                if (running || cancelled) {
                    return;
                }
                running = true;
                rerunRequested = false;
                current = task;
            }
            T result = null;
            try {
                result = current.get();
            } catch (RuntimeException e) {
                LOG.errorf(e, "probe of %s failed", key);
            }
            // the result is handed over before the next run can start, so results arrive in order
            if (result != null && !isCancelled()) {
                try {
                    listener.accept(key, result);
                } catch (RuntimeException e) {
                    LOG.errorf(e, "handling the probe result of %s failed", key);
                }
            }
            synchronized (this) {
                running = false;
                if (!cancelled) {
                    scheduleIn(rerunRequested ? Duration.ZERO : interval);
                }
            }
        }

        private synchronized boolean isCancelled() {
            return cancelled;
        }
    }
}
