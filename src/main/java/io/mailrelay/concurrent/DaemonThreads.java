package io.mailrelay.concurrent;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one thread factory of the operator, the relay and the probe: daemon threads (none of them may keep the JVM
 * alive at shutdown), named so a thread dump says whose they are.
 */
public final class DaemonThreads {

    private DaemonThreads() {
    }

    /** Daemon threads named {@code prefix-1}, {@code prefix-2}, ... (a pool). */
    public static ThreadFactory numbered(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> daemon(task, prefix + "-" + count.incrementAndGet());
    }

    /** Daemon threads all named {@code name} (a single-thread executor). */
    public static ThreadFactory named(String name) {
        return task -> daemon(task, name);
    }

    /** One daemon thread named {@code name}, not started. */
    public static Thread daemon(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }
}
