package io.mailrelay.probe;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.mailrelay.config.HostPort;

/**
 * A tiny SMTP server on a real loopback socket whose replies the test scripts by command verb: it
 * lets tests produce what Postfix will not (accept everything, 421 at the greeting, silence, dropped
 * connections, a tarpit after so many errors). Serves each connection on a thread of its own, as the
 * probe may open several at once. Records every line it receives, and per connection the error
 * replies it gave and how many replies it held back as a tarpit.
 */
final class ScriptedSmtpServer implements AutoCloseable {

    /** Reply meaning "send nothing and keep the connection open". */
    static final String SILENCE = "<silence>";
    /** Reply meaning "close the connection without replying". */
    static final String DROP = "<drop>";

    private final ServerSocket listener;
    private final String banner;
    private final Map<String, String> replies;
    private final Map<String, Runnable> beforeReply;
    private final int dropAfterCommands;
    private final int busyAfterConnections;
    private final int tarpitAfterErrors;
    private final Duration tarpitDelay;
    private final CountDownLatch firstMails;
    private final List<String> received = Collections.synchronizedList(new ArrayList<>());
    private final List<ConnectionCounts> counts = Collections.synchronizedList(new ArrayList<>());
    private final Thread acceptor;

    /** What one connection was answered, as a server with an error limit counts it. */
    private static final class ConnectionCounts {
        private final AtomicInteger errors = new AtomicInteger();
        private final AtomicInteger tarpitted = new AtomicInteger();
        private final AtomicInteger mails = new AtomicInteger();
    }

    private ScriptedSmtpServer(Builder builder) throws IOException {
        this.listener = new ServerSocket(0, 10, builder.address);
        this.banner = builder.banner;
        this.replies = Map.copyOf(builder.replies);
        this.beforeReply = Map.copyOf(builder.beforeReply);
        this.dropAfterCommands = builder.dropAfterCommands;
        this.busyAfterConnections = builder.busyAfterConnections;
        this.tarpitAfterErrors = builder.tarpitAfterErrors;
        this.tarpitDelay = builder.tarpitDelay;
        this.firstMails = builder.holdFirstMails > 0 ? new CountDownLatch(builder.holdFirstMails) : null;
        this.acceptor = new Thread(this::serve, "scripted-smtp-" + listener.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    static Builder builder() {
        return new Builder();
    }

    String host() {
        return listener.getInetAddress().getHostAddress();
    }

    int port() {
        return listener.getLocalPort();
    }

    HostPort target() {
        return new HostPort(host(), port());
    }

    /** Every command line received, over all connections, in order. */
    List<String> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    int connections() {
        return counts.size();
    }

    /** Per connection, in the order they were accepted: the 4xx/5xx replies it was given. */
    List<Integer> errorsPerConnection() {
        synchronized (counts) {
            return counts.stream().map(c -> c.errors.get()).toList();
        }
    }

    /** Per connection: the MAIL commands it received, i.e. the attempts it carried. */
    List<Integer> mailsPerConnection() {
        synchronized (counts) {
            return counts.stream().map(c -> c.mails.get()).toList();
        }
    }

    /** Replies held back by the tarpit, over all connections. */
    int tarpittedReplies() {
        synchronized (counts) {
            return counts.stream().mapToInt(c -> c.tarpitted.get()).sum();
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }

    private void serve() {
        while (!listener.isClosed()) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException closed) {
                return;
            }
            ConnectionCounts connection = new ConnectionCounts();
            int number;
            synchronized (counts) {
                counts.add(connection);
                number = counts.size();
            }
            Thread handler = new Thread(() -> {
                try (socket) {
                    converse(socket, number, connection);
                } catch (IOException e) {
                    // the probe hung up mid-conversation: nothing more on this connection
                }
            }, "scripted-smtp-" + port() + "-" + number);
            handler.setDaemon(true);
            handler.start();
        }
    }

    private void converse(Socket socket, int number, ConnectionCounts connection) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
        OutputStream out = socket.getOutputStream();
        String greeting = busyAfterConnections > 0 && number > busyAfterConnections
                ? "421 4.3.2 too many connections, go away" : banner;
        send(out, greeting);
        if (!greeting.startsWith("220")) {
            return;
        }
        int commands = 0;
        String line;
        while ((line = in.readLine()) != null) {
            received.add(line);
            commands++;
            if (dropAfterCommands > 0 && commands > dropAfterCommands) {
                return;
            }
            String verb = line.split("[ :]", 2)[0].toUpperCase(Locale.ROOT);
            if (verb.equals("MAIL") && connection.mails.incrementAndGet() == 1) {
                awaitFirstMails();
            }
            beforeReply.getOrDefault(verb, () -> { }).run();
            String reply = replies.getOrDefault(verb, "500 5.5.2 unknown command");
            if (reply.equals(DROP)) {
                return;
            }
            if (tarpitAfterErrors > 0 && connection.errors.get() >= tarpitAfterErrors) {
                // like Postfix past smtpd_soft_error_limit: every reply comes late
                connection.tarpitted.incrementAndGet();
                sleep(tarpitDelay);
            }
            if (!reply.equals(SILENCE)) {
                send(out, reply);
                if (reply.startsWith("4") || reply.startsWith("5")) {
                    connection.errors.incrementAndGet();
                }
            }
            if (verb.equals("QUIT") || reply.startsWith("421")) {
                return;
            }
        }
    }

    /** Holds a connection's first MAIL until as many connections have sent theirs (a minute at most). */
    private void awaitFirstMails() {
        if (firstMails == null) {
            return;
        }
        firstMails.countDown();
        try {
            firstMails.await(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(Duration delay) {
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void send(OutputStream out, String reply) throws IOException {
        out.write((reply.replace("\n", "\r\n") + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    static final class Builder {
        private String banner = "220 scripted.test ESMTP";
        private final Map<String, String> replies = new LinkedHashMap<>();
        private final Map<String, Runnable> beforeReply = new LinkedHashMap<>();
        private int dropAfterCommands;
        private int busyAfterConnections;
        private int tarpitAfterErrors;
        private Duration tarpitDelay = Duration.ZERO;
        private int holdFirstMails;
        private InetAddress address = InetAddress.getLoopbackAddress();

        private Builder() {
            replies.put("EHLO", "250-scripted.test\n250 PIPELINING");
            replies.put("HELO", "250 scripted.test");
            replies.put("MAIL", "250 2.1.0 Ok");
            replies.put("RCPT", "250 2.1.5 Ok");
            replies.put("RSET", "250 2.0.0 Ok");
            replies.put("QUIT", "221 2.0.0 Bye");
        }

        Builder banner(String line) {
            this.banner = line;
            return this;
        }

        /** The reply to a command verb (multi-line with \n), or {@link #SILENCE} or {@link #DROP}. */
        Builder on(String verb, String reply) {
            replies.put(verb, reply);
            return this;
        }

        /**
         * Runs {@code action} each time a command with this verb arrives, before the reply: the probe, which
         * waits for that reply, sees everything the action did (e.g. a test clock moved on).
         */
        Builder beforeReplyTo(String verb, Runnable action) {
            beforeReply.put(verb, action);
            return this;
        }

        /** Listens on this loopback address (default 127.0.0.1), e.g. ::1. */
        Builder listenOn(String loopbackAddress) {
            try {
                this.address = InetAddress.getByName(loopbackAddress);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        /** Greets every connection after the first {@code count} with 421. */
        Builder busyAfterConnections(int count) {
            this.busyAfterConnections = count;
            return this;
        }

        /** Closes each connection without a reply once it has answered this many commands. */
        Builder dropAfterCommands(int count) {
            this.dropAfterCommands = count;
            return this;
        }

        /**
         * Once a connection has been given {@code errors} 4xx/5xx replies, delays each further reply by
         * {@code delay} (and counts it): the tarpit of Postfix's smtpd_soft_error_limit/smtpd_error_sleep_time.
         */
        Builder tarpitAfterErrors(int errors, Duration delay) {
            this.tarpitAfterErrors = errors;
            this.tarpitDelay = delay;
            return this;
        }

        /**
         * Answers no connection's first MAIL until {@code count} connections have each sent one (or a
         * minute has passed): proves that the attempts are spread over that many connections, however
         * fast one connection could have run them all.
         */
        Builder holdFirstMailUntilConnections(int count) {
            this.holdFirstMails = count;
            return this;
        }

        ScriptedSmtpServer start() {
            try {
                return new ScriptedSmtpServer(this);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
