package io.mailrelay.relay.spool;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Group commit of one directory's fsync: what concurrent sessions renamed into (or deleted from) the directory is made
 * durable by one fsync for all of them. {@link #sync()} returns once an fsync that started after the call began has
 * completed, so every change the caller made before calling is durable; while one fsync runs, the callers that arrive
 * wait and share the next one. Alone, a caller pays one fsync as before.
 */
final class DirectorySync {

    /** The fsync itself (a seam for the test that counts them). */
    interface Fsync {
        void run(Path directory) throws IOException;
    }

    private final Path directory;
    private final Fsync fsync;
    /** calls so far; a call's number is taken after its change was made */
    private long requested;
    /** every call up to this number is durable */
    private long durable;
    private boolean running;

    DirectorySync(Path directory) {
        this(directory, SpoolFiles::fsyncDirectory);
    }

    DirectorySync(Path directory, Fsync fsync) {
        this.directory = directory;
        this.fsync = fsync;
    }

    Path directory() {
        return directory;
    }

    /** Calls so far (the test waits for its callers to be inside {@link #sync()}). */
    synchronized long calls() {
        return requested;
    }

    /** Returns once every change made in the directory before this call is durable. */
    void sync() throws IOException {
        long covers;
        synchronized (this) {
            long mine = ++requested;
            while (durable < mine && running) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted waiting for the fsync of " + directory, e);
                }
            }
            if (durable >= mine) {
                return; // an fsync that started after this call's change covered it
            }
            running = true;
            covers = requested; // every change numbered so far was made before this fsync starts
        }
        boolean done = false;
        try {
            fsync.run(directory);
            done = true;
        } finally {
            synchronized (this) {
                running = false;
                if (done) {
                    durable = Math.max(durable, covers);
                }
                notifyAll(); // a waiter not covered (or after a failure) runs the next fsync itself
            }
        }
    }
}
