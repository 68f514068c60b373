package io.mailrelay.testing;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The processes below this JVM (children, and theirs): what a program that starts servers (etcd,
 * kube-apiserver, the operator, relays, smtp-sink) must stop before it ends, so none is left running
 * with parent PID 1.
 */
public final class ProcessTree {

    private ProcessTree() {
    }

    /** Every live process below this JVM, at this moment. */
    public static List<ProcessHandle> descendants() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList();
    }

    /**
     * SIGTERM to every process still below this JVM, and SIGKILL to those still alive after {@code grace}.
     * Returns when all of them are gone (or, for one that not even SIGKILL ends, 10 s after it).
     */
    public static void stopDescendants(Duration grace) {
        List<ProcessHandle> left = descendants();
        if (left.isEmpty()) {
            return;
        }
        left.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + grace.toNanos();
        for (ProcessHandle process : left) {
            long remaining = deadline - System.nanoTime();
            try {
                process.onExit().get(Math.max(remaining, 0), TimeUnit.NANOSECONDS);
            } catch (Exception stillRunning) {
                process.destroyForcibly();
            }
        }
        for (ProcessHandle process : left) {
            try {
                process.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception unkillable) {
                System.err.println("process " + process.pid() + " survived SIGKILL: " + unkillable);
            }
        }
    }
}
