package io.mailrelay.relay.delivery;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.mailrelay.config.HostPort;

/**
 * A next hop on a loopback address whose misbehaviour the test picks, for what Postfix's smtp-sink will not do:
 * hold connections without a greeting (a tarpit), refuse at the greeting, defer MAIL, or stay silent after the
 * final "." of the content, stop reading the content, or read it slowly (a slow link). Serves any number of connections at once and counts them: the total, how many are
 * open now, the most open at once, and the messages it accepted (250 to the final "."), with their recipients.
 * {@link #behave()} turns it into a well-behaved server for the connections that follow.
 */
final class ScriptedNextHop implements AutoCloseable {

    enum Misbehaviour { NONE, TARPIT, GREETING_421, MAIL_451, SILENT_AFTER_DATA, STALL_IN_CONTENT, SLOW_READER }

    /** What a {@link Misbehaviour#SLOW_READER} reads at a time, and how long it pauses after each. */
    private static final int SLOW_CHUNK = 256 * 1024;
    private static final long SLOW_PAUSE_MILLIS = 50;

    private final ServerSocket listener;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger mostOpen = new AtomicInteger();
    private final List<List<String>> accepted = Collections.synchronizedList(new ArrayList<>());
    private volatile Misbehaviour misbehaviour;
    private volatile boolean dropAfterRset;

    private ScriptedNextHop(String address, int port, Misbehaviour misbehaviour) throws IOException {
        this.listener = new ServerSocket(port, 50, InetAddress.getByName(address));
        this.misbehaviour = misbehaviour;
        Thread acceptor = new Thread(this::accept, "next-hop-" + address + ":" + listener.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** @param address a loopback address (127.0.0.0/8) only */
    static ScriptedNextHop start(String address, int port, Misbehaviour misbehaviour) {
        if (!address.startsWith("127.")) {
            throw new IllegalArgumentException("loopback only: " + address);
        }
        try {
            return new ScriptedNextHop(address, port, misbehaviour);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ScriptedNextHop start(Misbehaviour misbehaviour) {
        return start("127.0.0.1", 0, misbehaviour);
    }

    HostPort address() {
        return new HostPort(listener.getInetAddress().getHostAddress(), listener.getLocalPort());
    }

    /** Connections from now on are served properly. */
    void behave() {
        misbehaviour = Misbehaviour.NONE;
    }

    int connections() {
        return connections.get();
    }

    int openConnections() {
        return open.size();
    }

    int mostOpenAtOnce() {
        return mostOpen.get();
    }

    /** From now on a session is closed right after it answered RSET 250: the client learns it only at its next command. */
    void dropSessionsAfterRset() {
        dropAfterRset = true;
    }

    /** Closes every open connection now without a word, as a server whose idle timeout struck (or that restarted). */
    void dropOpenConnections() {
        open.forEach(ScriptedNextHop::closeQuietly);
    }

    /** The recipients of every message accepted, one list per message. */
    List<List<String>> accepted() {
        synchronized (accepted) {
            return List.copyOf(accepted);
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        open.forEach(ScriptedNextHop::closeQuietly);
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket socket = listener.accept();
                connections.incrementAndGet();
                open.add(socket);
                mostOpen.accumulateAndGet(open.size(), Math::max);
                Misbehaviour now = misbehaviour;
                Thread session = new Thread(() -> serve(socket, now), "next-hop-session");
                session.setDaemon(true);
                session.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket socket, Misbehaviour mode) {
        try (socket) {
            if (mode == Misbehaviour.TARPIT) {
                // say nothing; hold the connection until the client gives up or the test ends
                while (socket.getInputStream().read() >= 0) {
                    // discard
                }
                return;
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.ISO_8859_1));
            OutputStream out = socket.getOutputStream();
            if (mode == Misbehaviour.GREETING_421) {
                reply(out, "421 4.3.2 not now");
                return;
            }
            reply(out, "220 next-hop.test ESMTP");
            List<String> recipients = new ArrayList<>();
            String line;
            while ((line = in.readLine()) != null) {
                String verb = line.split(" ", 2)[0].toUpperCase();
                switch (verb) {
                    case "EHLO" -> reply(out, "250-next-hop.test\r\n250 8BITMIME");
                    case "HELO", "NOOP" -> reply(out, "250 2.0.0 ok");
                    case "RSET" -> {
                        reply(out, "250 2.0.0 ok");
                        if (dropAfterRset) {
                            return;
                        }
                    }
                    case "MAIL" -> {
                        recipients.clear();
                        reply(out, mode == Misbehaviour.MAIL_451 ? "451 4.3.0 try later" : "250 2.1.0 ok");
                    }
                    case "RCPT" -> {
                        recipients.add(line.replaceFirst("(?i)^RCPT TO:<([^>]*)>.*$", "$1"));
                        reply(out, "250 2.1.5 ok");
                    }
                    case "DATA" -> {
                        reply(out, "354 go ahead");
                        if (mode == Misbehaviour.STALL_IN_CONTENT) {
                            awaitClose(socket); // reads nothing more: the client's writes block
                            return;
                        }
                        long sinceLastPause = 0;
                        while ((line = in.readLine()) != null && !line.equals(".")) {
                            sinceLastPause += line.length() + 2;
                            if (mode == Misbehaviour.SLOW_READER && sinceLastPause >= SLOW_CHUNK) {
                                pause(); // a slow link, not a synchronisation
                                sinceLastPause = 0;
                            }
                        }
                        if (line == null) {
                            return;
                        }
                        if (mode == Misbehaviour.SILENT_AFTER_DATA) {
                            while (in.readLine() != null) {
                                // never answer; the message is not taken
                            }
                            return;
                        }
                        accepted.add(List.copyOf(recipients));
                        reply(out, "250 2.0.0 queued");
                    }
                    case "QUIT" -> {
                        reply(out, "221 2.0.0 bye");
                        return;
                    }
                    default -> reply(out, "502 5.5.2 unknown command");
                }
            }
        } catch (IOException e) {
            // the client went away
        } finally {
            open.remove(socket);
        }
    }

    /** Holds the connection without reading until it is closed (by the test or by a client's timeout). */
    private void awaitClose(Socket socket) {
        while (!socket.isClosed() && !listener.isClosed()) {
            pause();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(SLOW_PAUSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void reply(OutputStream out, String text) throws IOException {
        out.write((text + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // the session thread ends
        }
    }
}
