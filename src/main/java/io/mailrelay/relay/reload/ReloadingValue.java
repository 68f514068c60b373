package io.mailrelay.relay.reload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import io.mailrelay.concurrent.DaemonThreads;

/**
 * A value built from files (a certificate, a users file) that follows them. Kubernetes updates a mounted
 * Secret by swapping a {@code ..data} symlink, which inotify does not reliably report on the files the
 * relay opened, so the files' content is hashed every interval and the value rebuilt when it changed.
 * A broken update (unreadable, invalid) is logged at each poll and the previous value stays in use.
 *
 * @param <T> what the files are turned into
 */
public final class ReloadingValue<T> implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ReloadingValue.class);

    /** Builds the value from the files; throws (IllegalArgumentException or IOException) naming what is wrong. */
    @FunctionalInterface
    public interface Loader<T> {
        T load() throws IOException;
    }

    private final String what;
    private final List<Path> files;
    private final Loader<T> loader;
    private final ScheduledExecutorService poller;
    private volatile T value;
    private volatile byte[] contentHash;

    /**
     * Loads the value now (failing as the loader does) and polls the files every {@code interval}.
     *
     * @param what names the value in logs, e.g. "TLS certificate"
     */
    public ReloadingValue(String what, List<Path> files, Duration interval, Loader<T> loader) throws IOException {
        this.what = what;
        this.files = List.copyOf(files);
        this.loader = loader;
        this.contentHash = contentHash();
        this.value = loader.load();
        this.poller = Executors.newSingleThreadScheduledExecutor(
                DaemonThreads.named("relay-reload-" + what.replace(' ', '-').toLowerCase()));
        long millis = interval.toMillis();
        poller.scheduleWithFixedDelay(this::reloadIfChanged, millis, millis, TimeUnit.MILLISECONDS);
    }

    /** The newest valid value. */
    public T get() {
        return value;
    }

    /** Rebuilds the value when the files' content changed; true when a new value is now in use. */
    public synchronized boolean reloadIfChanged() {
        try {
            byte[] current = contentHash();
            if (Arrays.equals(current, contentHash)) {
                return false;
            }
            value = loader.load();
            contentHash = current;
            LOG.infof("%s reloaded from %s", what, files);
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.errorf("%s in %s not reloaded, keeping the previous one: %s", what, files, e.getMessage());
            return false;
        }
    }

    private byte[] contentHash() throws IOException {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Path file : files) {
                digest.update(Files.readAllBytes(file));
            }
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        poller.shutdownNow();
    }
}
