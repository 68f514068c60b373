package io.mailrelay.relay.delivery;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;

import javax.net.SocketFactory;

/**
 * The plain sockets of one SMTP client session (Angus Mail's {@code mail.smtp.socketFactory}): once connected,
 * the session's {@link StageWatchdog} watches them, and every write counts as progress. STARTTLS layers TLS on top
 * of this socket, so the watchdog keeps working after it.
 */
final class WatchedSocketFactory extends SocketFactory {

    private final StageWatchdog watchdog;

    WatchedSocketFactory(StageWatchdog watchdog) {
        this.watchdog = watchdog;
    }

    @Override
    public Socket createSocket() {
        return new WatchedSocket();
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
        Socket socket = new WatchedSocket();
        socket.connect(address);
        return socket;
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
