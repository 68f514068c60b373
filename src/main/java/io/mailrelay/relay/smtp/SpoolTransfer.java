package io.mailrelay.relay.smtp;

import java.io.ByteArrayOutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

import io.mailrelay.relay.spool.Envelope;
import io.mailrelay.relay.spool.MessageSpool;
import io.mailrelay.relay.spool.MessageStamp;
import io.mailrelay.relay.spool.SpoolWriter;

/**
 * One message travelling from the event loop into the spool. Every spool call (create, write, commit,
 * abort) runs on the worker executor, in order, never on a Netty thread; the event loop only buffers
 * and hands over chunks. {@link #pendingBytes()} lets the caller stop reading while the disk lags.
 */
final class SpoolTransfer {
    private static final int CHUNK = 64 * 1024;
    /** Most messages are small: a message's buffer starts small and grows to a chunk only when needed. */
    private static final int FIRST_BUFFER = 4 * 1024;

    private final Executor workers;
    private final AtomicLong pending = new AtomicLong();
    private ByteArrayOutputStream buffer = new ByteArrayOutputStream(FIRST_BUFFER);
    private CompletableFuture<Void> tail;
    private volatile SpoolWriter writer;
    private final Runnable onDrained;

    SpoolTransfer(MessageSpool spool, Envelope envelope, byte[] firstBytes, Executor workers, Runnable onDrained) {
        this.workers = workers;
        this.onDrained = onDrained;
        this.tail = CompletableFuture.runAsync(() -> {
            try {
                writer = spool.create(envelope);
                writer.body().write(firstBytes);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, workers);
    }

    void write(byte[] bytes, int offset, int length) {
        buffer.write(bytes, offset, length);
        if (buffer.size() >= CHUNK) {
            flushBuffer();
        }
    }

    long pendingBytes() {
        return pending.get();
    }

    /**
     * Writes what is buffered and commits, with {@code stamp}'s fields (the DKIM signature) in front; completes with
     * the spool id once the message is durable.
     */
    CompletableFuture<String> commit(MessageStamp stamp) {
        flushBuffer();
        CompletableFuture<String> committed = tail.thenApplyAsync(ignored -> {
            try {
                writer.body().flush();
                return writer.commit(stamp);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, workers);
        committed.whenCompleteAsync((id, error) -> {
            if (error != null) {
                abortWriter();
            }
        }, workers);
        return committed;
    }

    /** Discards the message; whatever was written is removed by the spool. */
    void abort() {
        buffer = new ByteArrayOutputStream(0);
        tail.whenCompleteAsync((ignored, error) -> abortWriter(), workers);
    }

    private void abortWriter() {
        SpoolWriter current = writer;
        if (current != null) {
            current.abort();
        }
    }

    private void flushBuffer() {
        if (buffer.size() == 0) {
            return;
        }
        byte[] chunk = buffer.toByteArray();
        buffer = new ByteArrayOutputStream(CHUNK);
        pending.addAndGet(chunk.length);
        tail = tail.handleAsync((ignored, error) -> {
            try {
                if (error != null) {
                    throw error instanceof java.util.concurrent.CompletionException completion
                            ? completion : new java.util.concurrent.CompletionException(error);
                }
                writer.body().write(chunk);
                return null;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            } finally {
                pending.addAndGet(-chunk.length);
                onDrained.run();
            }
        }, workers);
    }
}
