package io.mailrelay.relay.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

import org.apache.james.protocols.api.ClientAuth;
import org.apache.james.protocols.netty.Encryption;

import io.mailrelay.relay.reload.ReloadingValue;
import io.netty.handler.ssl.SslHandler;

/**
 * STARTTLS with a certificate that follows its files ({@link ReloadingValue}): each new STARTTLS uses the
 * newest valid certificate, and a broken update keeps the previous one (and logs why).
 */
public final class ReloadingStartTls implements Encryption, AutoCloseable {
    private static final String[] PROTOCOLS = { "TLSv1.3", "TLSv1.2" };

    private final ReloadingValue<SSLContext> context;
    private final Executor handshakeWorkers;

    /**
     * @param handshakeWorkers runs the TLS handshake's expensive tasks (key exchange, signatures), which would
     *        otherwise stall every session on the Netty event loop of the connection
     */
    public ReloadingStartTls(Path certificateFile, Path keyFile, Duration pollInterval, Executor handshakeWorkers)
            throws IOException {
        this.handshakeWorkers = handshakeWorkers;
        this.context = new ReloadingValue<>("TLS certificate", List.of(certificateFile, keyFile), pollInterval,
                () -> PemCredentials.load(certificateFile, keyFile).serverContext());
    }

    /** Reloads when the files' content changed; returns true when a new certificate is now in use. */
    public boolean reloadIfChanged() {
        return context.reloadIfChanged();
    }

    @Override
    public boolean isStartTLS() {
        return true;
    }

    @Override
    public boolean supportsEncryption() {
        return true;
    }

    @Override
    public String[] getEnabledCipherSuites() {
        return null;
    }

    @Override
    public ClientAuth getClientAuth() {
        return ClientAuth.NONE;
    }

    @Override
    public SslHandler sslHandler() {
        SSLEngine engine = context.get().createSSLEngine();
        engine.setUseClientMode(false);
        engine.setEnabledProtocols(Arrays.stream(PROTOCOLS)
                .filter(p -> Arrays.asList(engine.getSupportedProtocols()).contains(p)).toArray(String[]::new));
        return new SslHandler(engine, handshakeWorkers);
    }

    @Override
    public void close() {
        context.close();
    }
}
