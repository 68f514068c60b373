package io.mailrelay.relay;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * For {@link RelayFixture.Builder#authAccess}: every password check handed to the relay's auth pool
 * starts on its worker thread and waits there until {@link #release()}, so a test can look at the relay
 * while a check is in progress for as long as it needs. Other work of that pool (TLS handshake tasks)
 * passes. A password check is the pool's only {@link CompletableFuture} task.
 */
final class HeldPasswordChecks implements UnaryOperator<Executor> {
    private final CountDownLatch released = new CountDownLatch(1);
    private final BlockingQueue<String> heldOn = new LinkedBlockingQueue<>();

    @Override
    public Executor apply(Executor pool) {
        return task -> pool.execute(task instanceof CompletableFuture.AsynchronousCompletionTask ? () -> hold(task) : task);
    }

    private void hold(Runnable check) {
        heldOn.add(Thread.currentThread().getName());
        try {
            released.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return; // the relay is closing: the check's session is gone
        }
        check.run();
    }

    /** The name of the thread holding the next password check, once one has reached the pool. */
    String awaitCheck(Duration timeout) throws InterruptedException {
        String thread = heldOn.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (thread == null) {
            throw new AssertionError("no password check reached the auth pool within " + timeout);
        }
        return thread;
    }

    /** Lets every held check, and every later one, run. */
    void release() {
        released.countDown();
    }
}
