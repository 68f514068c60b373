package io.mailrelay.relay.delivery;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;

import java.io.InputStream;
import java.net.InetSocketAddress;

import javax.net.SocketFactory;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * The plain sockets of one SMTP client session (Angus Mail's {@code mail.smtp.socketFactory}): once connected,
 * the session's {@link StageWatchdog} watches them, and every write counts as progress. STARTTLS layers TLS on top
 * of this socket, so the watchdog keeps working after it. With implicit TLS ({@link #implicitTls}) each socket runs
 * the TLS handshake as soon as it is connected, before the greeting, over a watched socket too.
 */
final class WatchedSocketFactory extends SocketFactory {

    private final StageWatchdog watchdog;
    /** Implicit TLS: the TLS every connection starts with; null for plain sockets (STARTTLS or none). */
    private final SSLSocketFactory implicitTls;
    private final boolean verifyHostName;

    WatchedSocketFactory(StageWatchdog watchdog) {
        this(watchdog, null, false);
    }

    private WatchedSocketFactory(StageWatchdog watchdog, SSLSocketFactory implicitTls, boolean verifyHostName) {
        this.watchdog = watchdog;
        this.implicitTls = implicitTls;
        this.verifyHostName = verifyHostName;
    }

    /**
     * Sockets that are TLS from the first byte (Postfix smtp_tls_wrappermode): the handshake with {@code tls} runs
     * under the starttls stage limit (smtp_starttls_timeout) right after the connection, and with
     * {@code verifyHostName} the certificate must name the host connected to (RFC 6125; the chain itself is
     * {@code tls}'s trust manager's to check). Angus Mail sees a plain socket, so it neither STARTTLSes nor checks
     * the server identity itself.
     */
    static WatchedSocketFactory implicitTls(StageWatchdog watchdog, SSLSocketFactory tls, boolean verifyHostName) {
        return new WatchedSocketFactory(watchdog, tls, verifyHostName);
    }

    @Override
    public Socket createSocket() {
        return implicitTls == null ? new WatchedSocket() : new ImplicitTlsSocket();
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return connected(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return connected(new InetSocketAddress(address, port));
    }

    private Socket connected(SocketAddress address) throws IOException {
        Socket socket = createSocket();
        socket.connect(address);
        return socket;
    }

    /**
     * A connection that is TLS at once: a {@link WatchedSocket} underneath (so stage limits and progress work as with
     * STARTTLS), TLS layered on it at connect, and the streams of the TLS layer.
     */
    private final class ImplicitTlsSocket extends Socket {
        private final WatchedSocket raw = new WatchedSocket();
        private volatile SSLSocket tls;

        @Override
        public void connect(SocketAddress endpoint, int timeout) throws IOException {
            raw.connect(endpoint, timeout);
            InetSocketAddress address = (InetSocketAddress) endpoint;
            watchdog.enter(SmtpStage.STARTTLS);
            SSLSocket socket = (SSLSocket) implicitTls.createSocket(raw, address.getHostString(), address.getPort(), true);
            if (verifyHostName) {
                SSLParameters parameters = socket.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS"); // RFC 6125 / 2818 matching, as for STARTTLS
                socket.setSSLParameters(parameters);
            }
            try {
                socket.startHandshake();
            } catch (IOException e) {
                raw.close();
                throw e;
            }
            tls = socket;
            watchdog.enter(SmtpStage.GREETING);
        }

        @Override
        public void connect(SocketAddress endpoint) throws IOException {
            connect(endpoint, 0);
        }

        private SSLSocket tls() throws IOException {
            SSLSocket socket = tls;
            if (socket == null) {
                throw new IOException("not connected");
            }
            return socket;
        }

        @Override
        public InputStream getInputStream() throws IOException {
            return tls().getInputStream();
        }

        @Override
        public OutputStream getOutputStream() throws IOException {
            return tls().getOutputStream();
        }

        @Override
        public void setSoTimeout(int timeout) throws java.net.SocketException {
            raw.setSoTimeout(timeout);
        }

        @Override
        public int getSoTimeout() throws java.net.SocketException {
            return raw.getSoTimeout();
        }

        @Override
        public void setTcpNoDelay(boolean on) throws java.net.SocketException {
            raw.setTcpNoDelay(on);
        }

        @Override
        public boolean isConnected() {
            return tls != null && raw.isConnected();
        }

        @Override
        public boolean isClosed() {
            return raw.isClosed();
        }

        @Override
        public InetAddress getInetAddress() {
            return raw.getInetAddress();
        }

        @Override
        public int getPort() {
            return raw.getPort();
        }

        @Override
        public InetAddress getLocalAddress() {
            return raw.getLocalAddress();
        }

        @Override
        public int getLocalPort() {
            return raw.getLocalPort();
        }

        @Override
        public synchronized void close() throws IOException {
            SSLSocket socket = tls;
            if (socket != null) {
                socket.close();
            }
            raw.close();
        }

        @Override
        public String toString() {
            return "implicit TLS " + raw;
        }
    }

    private final class WatchedSocket extends Socket {
        private OutputStream watched;

        @Override
        public void connect(SocketAddress endpoint, int timeout) throws IOException {
            super.connect(endpoint, timeout);
            watchdog.watch(this);
        }

        @Override
        public synchronized OutputStream getOutputStream() throws IOException {
            if (watched == null) {
                watched = new FilterOutputStream(super.getOutputStream()) {
                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        out.write(b, off, len);
                        watchdog.progress();
                    }
                };
            }
            return watched;
        }
    }
}
