package io.mailrelay.relay.spool;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Streams one message into a temporary file (so large messages never sit in memory); {@link #commit()}
 * fsyncs it and renames it into the queue, which is the moment the message exists.
 */
final class FileSpoolWriter implements SpoolWriter {

    private final FileMessageSpool spool;
    private final String id;
    private final Path tmpFile;
    private final FileChannel channel;
    private final OutputStream body;
    private final byte[] envelopeLine;
    private boolean finished;

    FileSpoolWriter(FileMessageSpool spool, String id, Path tmpFile, byte[] envelopeLine) throws IOException {
        this.spool = spool;
        this.id = id;
        this.tmpFile = tmpFile;
        this.envelopeLine = envelopeLine;
        this.channel = FileChannel.open(tmpFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.READ);
        OutputStream buffered = new BufferedOutputStream(Channels.newOutputStream(channel), 64 * 1024);
        // the server may close body() when DATA ends: that must not close the file before commit() fsyncs it
        this.body = new FilterOutputStream(buffered) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                out.flush();
            }
        };
        try {
            buffered.write(envelopeLine);
        } catch (IOException e) {
            abort();
            throw e;
        }
    }

    @Override
    public OutputStream body() {
        return body;
    }

    @Override
    public synchronized String commit(MessageStamp stamp) throws IOException {
        if (finished) {
            throw new IllegalStateException("message " + id + " was already committed or aborted");
        }
        finished = true;
        Path stamped = tmpFile.resolveSibling(id + ".stamped");
        try {
            body.flush();
            byte[] fields = stamp == MessageStamp.NONE ? new byte[0] : fields(stamp);
            if (fields.length == 0) {
                channel.force(true);
                channel.close();
                spool.publish(id, tmpFile);
                return id;
            }
            writeStamped(stamped, fields);
            channel.close();
            Files.delete(tmpFile);
            spool.publish(id, stamped);
            return id;
        } catch (IOException | RuntimeException e) {
            closeQuietly();
            Files.deleteIfExists(tmpFile);
            Files.deleteIfExists(stamped);
            throw e;
        }
    }

    private byte[] fields(MessageStamp stamp) throws IOException {
        try (InputStream message = new BufferedInputStream(Files.newInputStream(tmpFile), 64 * 1024)) {
            message.skipNBytes(envelopeLine.length);
            return stamp.fields(message);
        }
    }

    /** The envelope line, the stamp's fields, then the message as it was written (a copy of its bytes). */
    private void writeStamped(Path stamped, byte[] fields) throws IOException {
        try (FileChannel out = FileChannel.open(stamped, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            out.write(ByteBuffer.wrap(envelopeLine));
            out.write(ByteBuffer.wrap(fields));
            long position = envelopeLine.length;
            long size = channel.size();
            while (position < size) {
                position += channel.transferTo(position, size - position, out);
            }
            out.force(true);
        }
    }

    @Override
    public synchronized void abort() {
        if (finished) {
            return;
        }
        finished = true;
        closeQuietly();
        try {
            Files.deleteIfExists(tmpFile);
        } catch (IOException e) {
            // left for the cleanup at the next start
            throw new UncheckedIOException("could not delete aborted spool file " + tmpFile, e);
        }
    }

    @Override
    public void close() {
        abort();
    }

    private void closeQuietly() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // the file is deleted anyway
        }
    }
}
