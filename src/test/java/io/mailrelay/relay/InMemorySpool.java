package io.mailrelay.relay;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.mailrelay.relay.spool.Envelope;
import io.mailrelay.relay.spool.MessageSpool;
import io.mailrelay.relay.spool.MessageStamp;
import io.mailrelay.relay.spool.SpoolWriter;

/** Test-only spool: keeps committed messages in memory and records which thread did each spool call. */
public final class InMemorySpool implements MessageSpool {

    /** @param committedNanos {@link System#nanoTime()} at the commit, before the server's 250 */
    public record Stored(String id, Envelope envelope, byte[] body, String commitThread, long committedNanos) {
        public String text() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }
    }

    private final List<Stored> committed = new CopyOnWriteArrayList<>();
    private final List<String> callThreads = new CopyOnWriteArrayList<>();
    private final AtomicInteger aborted = new AtomicInteger();
    private final AtomicInteger ids = new AtomicInteger();
    private volatile long commitDelayMillis;
    private volatile long usableSpace = Long.MAX_VALUE;

    public List<Stored> messages() {
        return List.copyOf(committed);
    }

    /** Names of the threads that called create, write, commit and abort. */
    public List<String> callThreads() {
        return List.copyOf(callThreads);
    }

    public int aborted() {
        return aborted.get();
    }

    /** Makes commit slow, like an fsync on a busy disk. */
    public void commitDelay(long millis) {
        this.commitDelayMillis = millis;
    }

    /** What {@link #usableSpace()} reports from now on, as a file system filling up or freed would. */
    public void usableSpace(long bytes) {
        this.usableSpace = bytes;
    }

    @Override
    public long usableSpace() {
        return usableSpace;
    }

    @Override
    public int depth() {
        return committed.size();
    }

    @Override
    public SpoolWriter create(Envelope envelope) {
        callThreads.add(Thread.currentThread().getName());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        return new SpoolWriter() {
            private boolean done;

            @Override
            public OutputStream body() {
                return new OutputStream() {
                    @Override
                    public void write(int b) {
                        bytes.write(b);
                    }

                    @Override
                    public void write(byte[] b, int off, int len) {
                        callThreads.add(Thread.currentThread().getName());
                        bytes.write(b, off, len);
                    }
                };
            }

            @Override
            public String commit(MessageStamp stamp) throws IOException {
                callThreads.add(Thread.currentThread().getName());
                sleep(commitDelayMillis);
                String id = "m" + ids.incrementAndGet();
                byte[] message = bytes.toByteArray();
                byte[] fields = stamp.fields(new ByteArrayInputStream(message));
                byte[] stamped = Arrays.copyOf(fields, fields.length + message.length);
                System.arraycopy(message, 0, stamped, fields.length, message.length);
                committed.add(new Stored(id, envelope, stamped, Thread.currentThread().getName(), System.nanoTime()));
                done = true;
                return id;
            }

            @Override
            public void abort() {
                callThreads.add(Thread.currentThread().getName());
                if (!done) {
                    done = true;
                    aborted.incrementAndGet();
                }
            }

            @Override
            public void close() {
                abort();
            }
        };
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
