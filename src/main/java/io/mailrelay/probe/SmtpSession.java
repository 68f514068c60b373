package io.mailrelay.probe;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

import org.apache.commons.net.smtp.SMTPConnectionClosedException;
import org.apache.commons.net.smtp.SMTPSClient;
import org.apache.commons.net.util.TrustManagerUtils;

import io.mailrelay.config.HostPort;

/**
 * One SMTP connection driven command by command with Commons Net, recording every exchange. A command
 * that gets no reply (timeout, dropped connection, 421) makes the session unusable: the caller opens a
 * new one.
 */
final class SmtpSession implements AutoCloseable {

    private static final long QUIT_GRACE_MILLIS = 1000;

    private final ProbeSmtpClient client;
    private final ProbeOptions options;
    private final Deadline deadline;
    private final List<Exchange> setup = new ArrayList<>();
    private Exchange banner;
    private List<String> ehloLines = List.of();
    private boolean usable;
    private String tls;
    private InetAddress remoteAddress;
    private String localAddress = "?";
    /** 4xx/5xx replies on this connection: what a server's soft error limit counts. */
    private int errorReplies;

    private SmtpSession(ProbeSmtpClient client, ProbeOptions options, Deadline deadline) {
        this.client = client;
        this.options = options;
        this.deadline = deadline;
    }

    /**
     * Connects and reads the banner. Throws IOException when there is no connection or no banner; a
     * refusing banner (421, 554) is returned in a session that is not {@link #usable()}.
     */
    static SmtpSession connect(HostPort target, ProbeOptions options, boolean implicitTls, Deadline deadline)
            throws IOException {
        ProbeSmtpClient client = new ProbeSmtpClient(implicitTls, options.proxyHeader());
        if (options.verifyCertificate()) {
            // no trust manager given: the JVM's default trust store decides
            client.setEndpointCheckingEnabled(true);
            client.setHostnameVerifier(HttpsURLConnection.getDefaultHostnameVerifier());
        } else {
            client.setTrustManager(TrustManagerUtils.getAcceptAllTrustManager());
        }
        client.setConnectTimeout(deadline.cap(options.connectTimeout()));
        // applies to the banner read (and the implicit TLS handshake) that connect() performs
        client.setDefaultTimeout(deadline.cap(options.commandTimeout()));
        SmtpSession session = new SmtpSession(client, options, deadline);
        try {
            client.connect(target.host(), target.port(), options.sourceAddress(), 0);
            session.rememberAddresses();
            session.banner = Exchange.replied(null, client.getReplyCode(), replyLines(client));
            session.usable = session.banner.positive();
            session.tls = session.describeTls();
        } catch (SMTPConnectionClosedException e) {
            if (client.getReplyCode() != 421 || client.getReplyStrings().length == 0) {
                disconnectQuietly(client);
                if (client.tcpConnected) {
                    throw new NoGreeting(true, "the server closed the connection without a greeting");
                }
                throw e;
            }
            session.rememberAddresses();
            session.banner = Exchange.replied(null, 421, replyLines(client));
            session.usable = false;
        } catch (SocketTimeoutException e) {
            disconnectQuietly(client);
            if (client.tcpConnected) {
                throw new NoGreeting(false, "no greeting in time (" + client.getDefaultTimeout() + " ms)");
            }
            throw e;
        } catch (SocketException e) {
            disconnectQuietly(client);
            if (client.tcpConnected && !(e instanceof ConnectException)) {
                // a reset: the server closed with our header still unread
                throw new NoGreeting(true, "the server reset the connection without a greeting");
            }
            throw e;
        } catch (IOException | RuntimeException e) {
            disconnectQuietly(client);
            throw e;
        }
        session.setup.add(session.banner);
        return session;
    }

    Exchange banner() {
        return banner;
    }

    boolean usable() {
        return usable && client.isConnected();
    }

    InetAddress remoteAddress() {
        return remoteAddress;
    }

    /** address:port the probe connected from. */
    String localAddress() {
        return localAddress;
    }

    private void rememberAddresses() {
        if (client.isConnected()) {
            remoteAddress = client.getRemoteAddress();
            String host = client.getLocalAddress().getHostAddress();
            localAddress = (host.contains(":") ? "[" + host + "]" : host) + ":" + client.getLocalPort();
        }
    }

    List<Exchange> setupTranscript() {
        return List.copyOf(setup);
    }

    /** EHLO, falling back to HELO when EHLO is refused. Returns the reply that counts. */
    Exchange greet() {
        Exchange ehlo = setupCommand("EHLO " + options.effectiveHeloName());
        if (ehlo.positive()) {
            ehloLines = ehlo.reply();
            return ehlo;
        }
        if (!usable()) {
            return ehlo;
        }
        ehloLines = List.of();
        return setupCommand("HELO " + options.effectiveHeloName());
    }

    /** Whether the last EHLO reply advertised the extension (e.g. STARTTLS, AUTH). */
    boolean offers(String extension) {
        return ehloLines.stream().skip(1)
                .map(line -> line.length() > 4 ? line.substring(4).trim().toUpperCase(Locale.ROOT) : "")
                .anyMatch(keyword -> keyword.equals(extension) || keyword.startsWith(extension + " ")
                        || keyword.startsWith(extension + "="));
    }

    /** The advertised extension line, e.g. "AUTH PLAIN LOGIN", or the bare name. */
    String advertised(String extension) {
        return ehloLines.stream().skip(1).map(line -> line.length() > 4 ? line.substring(4).trim() : "")
                .filter(keyword -> keyword.toUpperCase(Locale.ROOT).startsWith(extension))
                .findFirst().orElse(extension);
    }

    /** The name the server gives itself in its EHLO/HELO reply, or null. */
    String greetingName() {
        return ehloLines.isEmpty() ? null : firstWord(ehloLines.get(0));
    }

    /**
     * STARTTLS and the handshake. Returns null on success, or what went wrong; after a failed handshake
     * the session is no longer usable.
     */
    String startTls() {
        Exchange command;
        try {
            client.setSoTimeout(deadline.cap(options.commandTimeout()));
            if (client.execTLS()) {
                setup.add(Exchange.replied("STARTTLS", client.getReplyCode(), replyLines(client)));
                tls = describeTls();
                return null;
            }
            command = Exchange.replied("STARTTLS", client.getReplyCode(), replyLines(client));
            setup.add(command);
            return "STARTTLS refused: " + String.join(" ", command.reply());
        } catch (SSLException e) {
            setup.add(Exchange.replied("STARTTLS", client.getReplyCode(), replyLines(client)));
            setup.add(Exchange.failed(null, "TLS handshake failed: " + e.getMessage()));
            usable = false;
            return "TLS handshake failed: " + e.getMessage();
        } catch (IOException e) {
            Exchange failed = failure("STARTTLS", e);
            setup.add(failed);
            return "STARTTLS failed: " + failed.error();
        }
    }

    /** TLS protocol and cipher suite in use, or null on a plain connection. */
    String tls() {
        return tls;
    }

    private String describeTls() {
        SSLSession ssl = client.tlsSession();
        return ssl == null ? null : ssl.getProtocol() + " " + ssl.getCipherSuite();
    }

    /** Sends one set-up command and returns the exchange (reply or error). */
    Exchange command(String line) {
        return command(line, deadline.cap(options.commandTimeout()));
    }

    /** Sends one command of an attempt, waiting no longer than the attempt's deadline allows. */
    Exchange command(String line, Deadline attemptDeadline) {
        return command(line, attemptDeadline.cap(options.commandTimeout()));
    }

    /** How many 4xx/5xx replies this connection has received so far. */
    int errorReplies() {
        return errorReplies;
    }

    private Exchange command(String line, int timeoutMillis) {
        if (!usable()) {
            return Exchange.failed(line, "not sent: connection unusable");
        }
        try {
            client.setSoTimeout(timeoutMillis);
            int code = client.sendCommand(line);
            if (code >= 400) {
                errorReplies++;
            }
            return Exchange.replied(line, code, replyLines(client));
        } catch (SMTPConnectionClosedException e) {
            usable = false;
            if (client.getReplyCode() == 421 && client.getReplyStrings().length > 0) {
                errorReplies++;
                return Exchange.replied(line, 421, replyLines(client));
            }
            return Exchange.failed(line, "connection closed by the server without a reply");
        } catch (IOException e) {
            return failure(line, e);
        }
    }

    @Override
    public void close() {
        if (usable()) {
            // politeness may overrun the run's cap by at most this grace
            setup.add(command("QUIT", (int) Math.min(QUIT_GRACE_MILLIS, options.commandTimeout().toMillis())));
        }
        usable = false;
        disconnectQuietly(client);
    }

    private Exchange setupCommand(String line) {
        Exchange exchange = command(line);
        setup.add(exchange);
        return exchange;
    }

    private Exchange failure(String line, IOException e) {
        usable = false;
        if (e instanceof SocketTimeoutException) {
            return Exchange.failed(line, "no reply in time (" + timeoutOf(client) + " ms)");
        }
        return Exchange.failed(line, e.getClass().getSimpleName() + ": " + e.getMessage());
    }

    static String firstWord(String replyLine) {
        String text = replyLine.length() > 4 ? replyLine.substring(4).trim() : "";
        int space = text.indexOf(' ');
        return space < 0 ? text : text.substring(0, space);
    }

    private static int timeoutOf(SMTPSClient client) {
        try {
            return client.getSoTimeout();
        } catch (IOException e) {
            return client.getDefaultTimeout();
        }
    }

    private static List<String> replyLines(SMTPSClient client) {
        return Arrays.asList(client.getReplyStrings());
    }

    private static void disconnectQuietly(SMTPSClient client) {
        try {
            client.disconnect();
        } catch (IOException ignored) {
            // closing a connection we are done with: nothing left to report
        }
    }

    /**
     * The TCP connection was made but no greeting came: the server closed it ({@code closed}) or stayed
     * silent. A PROXY-protocol server does this to a client that sends no header, or one it does not believe.
     */
    static final class NoGreeting extends IOException {
        private final boolean closed;

        NoGreeting(boolean closed, String message) {
            super(message);
            this.closed = closed;
        }

        boolean closed() {
            return closed;
        }
    }

    /**
     * Commons Net's client, with access to the TLS session of its socket, that sends the PROXY header (if
     * any) as the first bytes of the connection, before implicit TLS and the banner.
     */
    private static final class ProbeSmtpClient extends SMTPSClient {
        private final ProxyHeader proxyHeader;
        private boolean tcpConnected;

        ProbeSmtpClient(boolean implicit, ProxyHeader proxyHeader) {
            super(implicit);
            this.proxyHeader = proxyHeader;
        }

        @Override
        protected void _connectAction_() throws IOException {
            tcpConnected = true;
            if (proxyHeader != null) {
                OutputStream out = _socket_.getOutputStream();
                out.write(proxyHeader.bytes(_socket_.getInetAddress(), _socket_.getPort(), _socket_.getLocalPort()));
                out.flush();
            }
            super._connectAction_();
        }

        SSLSession tlsSession() {
            return _socket_ instanceof SSLSocket ssl ? ssl.getSession() : null;
        }
    }
}
