package io.mailrelay.relay;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A directory laid out the way the kubelet mounts a Secret: each key is a symlink {@code key -> ..data/key},
 * {@code ..data} is a symlink to a timestamped directory, and an update writes a new timestamped directory
 * and renames a fresh symlink over {@code ..data} (one atomic swap, the files themselves never change).
 */
public final class SecretMount {
    private final Path dir;
    private final AtomicInteger version = new AtomicInteger();

    public SecretMount(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** The path the relay is configured with: the key's symlink in the mount. */
    public Path file(String key) {
        return dir.resolve(key);
    }

    /** Writes a new version of the Secret (every key, like the kubelet does) and swaps {@code ..data} to it. */
    public SecretMount update(Map<String, byte[]> keys) {
        try {
            Files.createDirectories(dir);
            Path timestamped = dir.resolve("..2026_11_23_00_00_00." + version.incrementAndGet());
            Files.createDirectory(timestamped);
            for (Map.Entry<String, byte[]> key : keys.entrySet()) {
                Files.write(timestamped.resolve(key.getKey()), key.getValue());
                Path link = dir.resolve(key.getKey());
                if (!Files.isSymbolicLink(link)) {
                    Files.createSymbolicLink(link, Path.of("..data", key.getKey()));
                }
            }
            Path next = dir.resolve("..data_tmp");
            Files.deleteIfExists(next);
            Files.createSymbolicLink(next, timestamped.getFileName());
            Files.move(next, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Same as {@link #update}, taking the keys' new content from files. */
    public SecretMount updateFrom(Map<String, Path> keys) {
        Map<String, byte[]> contents = new java.util.TreeMap<>();
        keys.forEach((key, file) -> {
            try {
                contents.put(key, Files.readAllBytes(file));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return update(contents);
    }
}
