package io.mailrelay.relay.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

import org.apache.james.protocols.api.ClientAuth;
import org.apache.james.protocols.netty.Encryption;
import org.jboss.logging.Logger;

import io.netty.handler.ssl.SslHandler;

/**
 * STARTTLS with a certificate that follows its files. Kubernetes updates a mounted Secret by swapping a
 * symlink, which inotify does not reliably report, so the files' content is polled; each new STARTTLS
 * uses the newest valid certificate, and a broken update keeps the previous one (and logs why).
 */
public final class ReloadingStartTls implements Encryption, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ReloadingStartTls.class);
    private static final String[] PROTOCOLS = { "TLSv1.3", "TLSv1.2" };

    private final Path certificateFile;
    private final Path keyFile;
    private final ScheduledExecutorService poller;
    private volatile SSLContext context;
    private volatile byte[] fingerprint;

    public ReloadingStartTls(Path certificateFile, Path keyFile, Duration pollInterval) throws IOException {
        this.certificateFile = certificateFile;
        this.keyFile = keyFile;
        this.fingerprint = fingerprint();
        this.context = PemCredentials.load(certificateFile, keyFile).serverContext();
        this.poller = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "relay-tls-reload");
            thread.setDaemon(true);
            return thread;
        });
        long millis = pollInterval.toMillis();
        poller.scheduleWithFixedDelay(this::reloadIfChanged, millis, millis, TimeUnit.MILLISECONDS);
    }

    /** Reloads when the files' content changed; returns true when a new certificate is now in use. */
    public boolean reloadIfChanged() {
        try {
            byte[] current = fingerprint();
            if (Arrays.equals(current, fingerprint)) {
                return false;
            }
            SSLContext reloaded = PemCredentials.load(certificateFile, keyFile).serverContext();
            context = reloaded;
            fingerprint = current;
            LOG.infof("TLS certificate reloaded from %s", certificateFile);
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.errorf("TLS certificate in %s not reloaded, keeping the previous one: %s", certificateFile, e.getMessage());
            return false;
        }
    }

    private byte[] fingerprint() throws IOException {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(Files.readAllBytes(certificateFile));
            digest.update(Files.readAllBytes(keyFile));
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(false);
        engine.setEnabledProtocols(Arrays.stream(PROTOCOLS)
                .filter(p -> Arrays.asList(engine.getSupportedProtocols()).contains(p)).toArray(String[]::new));
        return new SslHandler(engine);
    }

    @Override
    public void close() {
        poller.shutdownNow();
    }
}
