package io.mailrelay.operator;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import io.mailrelay.relay.RawSmtp;

/**
 * SMTP clients sending numbered messages ({@code X-Test-Id: m<n>}) to whichever relay pods are endpoints, as a
 * Service would spread them: a message that did not get its 250 (a 421 from a draining relay, a connection closed)
 * is not acknowledged and is sent again, so duplicates are possible (and counted upstream), losses are not. The test
 * releases messages phase by phase ({@link #release}); {@link #pace} spreads them over time. Client-side pacing and
 * back-off only, never synchronisation.
 */
final class LoadClient implements AutoCloseable {
    private final Supplier<List<Integer>> endpoints;
    private final int total;
    private final int perSession;
    private final ExecutorService threads;
    private final Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<Integer> retry = new ConcurrentLinkedQueue<>();
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger released = new AtomicInteger();
    private final AtomicInteger refused421 = new AtomicInteger();
    private final AtomicInteger connectionsLost = new AtomicInteger();
    private volatile long paceMillis;
    private volatile boolean closed;

    /**
     * @param endpoints the SMTP ports of the pods a Service would send to now
     * @param total messages in all
     * @param perSession messages per connection at most: long sessions meet a pod's drain while they are open
     */
    LoadClient(Supplier<List<Integer>> endpoints, int total, int clients, int perSession) {
        this.endpoints = endpoints;
        this.total = total;
        this.perSession = perSession;
        this.threads = Executors.newFixedThreadPool(clients, runnable -> {
            Thread thread = new Thread(runnable, "load-client");
            thread.setDaemon(true); // a failed test must not keep the JVM sending
            return thread;
        });
        for (int i = 0; i < clients; i++) {
            threads.execute(this::send);
        }
    }

    /** Messages below {@code upTo} may be sent. */
    void release(int upTo) {
        released.set(Math.min(upTo, total));
    }

    /** A pause before each new message, per client (0: none). */
    void pace(long millis) {
        this.paceMillis = millis;
    }

    int acknowledgedCount() {
        return acknowledged.size();
    }

    /** The test ids of the acknowledged messages. */
    Set<String> acknowledgedIds() {
        return acknowledged.stream().map(n -> "m" + n).collect(Collectors.toSet());
    }

    int refused421() {
        return refused421.get();
    }

    int connectionsLost() {
        return connectionsLost.get();
    }

    /** True once every message is acknowledged (the clients then stop). */
    boolean done() {
        return acknowledged.size() >= total;
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        threads.shutdown();
        threads.awaitTermination(60, TimeUnit.SECONDS);
    }

    private void send() {
        while (!closed && acknowledged.size() < total) {
            if (retry.isEmpty() && next.get() >= released.get()) {
                pause(100);
                continue;
            }
            List<Integer> ports = endpoints.get();
            if (ports.isEmpty()) {
                pause(200); // no pod ready: a client retries later
                continue;
            }
            int port = ports.get(ThreadLocalRandom.current().nextInt(ports.size()));
            Integer id = null;
            try (RawSmtp smtp = RawSmtp.connect("127.0.0.2", port)) {
                String banner = smtp.reply();
                if (banner == null || !banner.startsWith("220") || !smtp.command("EHLO client.test").startsWith("250")) {
                    count421(banner);
                    pause(100);
                    continue;
                }
                for (int inSession = 0; inSession < perSession; inSession++) {
                    id = take();
                    if (id == null) {
                        break;
                    }
                    String reply = transaction(smtp, id);
                    if (reply != null && reply.startsWith("250")) {
                        acknowledged.add(id);
                        id = null;
                        if (acknowledged.size() % 250 == 0) {
                            System.out.println("load: acknowledged " + acknowledged.size());
                        }
                    } else {
                        count421(reply);
                        break;
                    }
                }
                smtp.command("QUIT");
            } catch (RuntimeException | AssertionError connectionGone) {
                connectionsLost.incrementAndGet(); // what was not answered 250 is sent again
            } finally {
                if (id != null) {
                    retry.add(id);
                }
            }
        }
    }

    private static String transaction(RawSmtp smtp, int id) {
        String reply = smtp.command("MAIL FROM:<sender@client.test>");
        if (reply == null || !reply.startsWith("250")) {
            return reply;
        }
        reply = smtp.command("RCPT TO:<user" + id + "@example.test>");
        if (reply == null || !reply.startsWith("250")) {
            return reply;
        }
        reply = smtp.command("DATA");
        if (reply == null || !reply.startsWith("354")) {
            return reply;
        }
        return smtp.command("Subject: load test " + id + "\r\nX-Test-Id: m" + id + "\r\n\r\nbody of " + id + "\r\n.");
    }

    private void count421(String reply) {
        if (reply != null && reply.startsWith("421")) {
            refused421.incrementAndGet();
        }
    }

    private Integer take() {
        Integer again = retry.poll();
        if (again != null) {
            return again;
        }
        while (true) {
            int n = next.get();
            if (n >= released.get()) {
                return null;
            }
            if (next.compareAndSet(n, n + 1)) {
                if (paceMillis > 0) {
                    pause(paceMillis);
                }
                return n;
            }
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
