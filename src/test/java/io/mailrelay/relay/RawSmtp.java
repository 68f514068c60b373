package io.mailrelay.relay;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** A raw-socket SMTP client for tests: sends exact bytes, reads whole (multi-line) replies. */
public final class RawSmtp implements AutoCloseable {
    private Socket socket;
    private BufferedReader in;
    private OutputStream out;

    private RawSmtp(Socket socket) throws IOException {
        use(socket);
    }

    /** Connects to 127.0.0.1:port from the given loopback source address. */
    public static RawSmtp connect(String fromAddress, int port) {
        try {
            Socket socket = new Socket();
            socket.bind(new InetSocketAddress(fromAddress, 0));
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(10_000);
            return new RawSmtp(socket);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void use(Socket next) throws IOException {
        this.socket = next;
        this.in = new BufferedReader(new InputStreamReader(next.getInputStream(), StandardCharsets.ISO_8859_1));
        this.out = next.getOutputStream();
    }

    /** The next reply, lines joined with "\n"; null when the server closed the connection. */
    public String reply() {
        try {
            StringBuilder reply = new StringBuilder();
            while (true) {
                String line = in.readLine();
                if (line == null) {
                    return reply.length() == 0 ? null : reply.toString();
                }
                reply.append(reply.length() == 0 ? "" : "\n").append(line);
                if (line.length() < 4 || line.charAt(3) != '-') {
                    return reply.toString();
                }
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no reply within the socket timeout", e);
        } catch (IOException e) {
            return null;
        }
    }

    public RawSmtp send(String text) {
        try {
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends one command with CRLF and returns the reply. */
    public String command(String line) {
        send(line + "\r\n");
        return reply();
    }

    /**
     * EHLO, MAIL and RCPT accepted with 250, DATA with 354: the session is then inside a message. Fails with
     * the reply that was not the expected one.
     */
    public RawSmtp openData(String sender, String recipient) {
        expect("EHLO client.test", "250");
        expect("MAIL FROM:<" + sender + ">", "250");
        expect("RCPT TO:<" + recipient + ">", "250");
        expect("DATA", "354");
        return this;
    }

    private void expect(String line, String code) {
        String reply = command(line);
        if (!reply.startsWith(code)) {
            throw new AssertionError(line + ": expected " + code + ", got " + reply);
        }
    }

    /** True when the server has closed the connection (reads EOF). */
    public boolean closedByServer() {
        try {
            return in.read() == -1;
        } catch (IOException e) {
            return true;
        }
    }

    /** Upgrades the connection after a 220 to STARTTLS, trusting any certificate (tests only). */
    public RawSmtp startTls() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] { new TrustAll() }, null);
            SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(socket, "relay.test", socket.getPort(), true);
            tls.setUseClientMode(true);
            tls.startHandshake();
            use(tls);
            return this;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public java.security.cert.Certificate[] peerCertificates() throws IOException {
        return ((SSLSocket) socket).getSession().getPeerCertificates();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a test socket
        }
    }

    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
        }

        @Override
        public java.security.cert.X509Certificate[] getAcceptedIssuers() {
            return new java.security.cert.X509Certificate[0];
        }
    }
}
