package io.mailrelay.relay.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** The few file operations that make the spool crash-safe: fsync of files and directories, atomic replace. */
final class SpoolFiles {

    private SpoolFiles() {
    }

    /**
     * Makes a rename or delete inside {@code directory} durable: on Linux a new directory entry survives a
     * power loss only once the directory itself is fsynced.
     */
    static void fsyncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /**
     * Moves a fully written, fsynced file into place atomically and makes the new entry durable: {@code directory}
     * is the target's, its fsync shared with concurrent callers.
     */
    static void publish(Path written, Path target, DirectorySync directory) throws IOException {
        Files.move(written, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        directory.sync();
    }

    /** Replaces {@code target} with {@code content}: a reader (or a restart) sees the old or the new bytes, never a mix. */
    static void writeAtomically(Path tmpDirectory, Path target, DirectorySync directory, byte[] content)
            throws IOException {
        Path written = tmpDirectory.resolve(target.getFileName() + "." + System.nanoTime() + ".tmp");
        try (FileChannel channel = FileChannel.open(written, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(written);
            throw e;
        }
        publish(written, target, directory);
    }
}
