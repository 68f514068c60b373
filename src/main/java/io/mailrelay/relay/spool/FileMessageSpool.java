package io.mailrelay.relay.spool;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The spool as files under one directory:
 * <ul>
 * <li>{@code tmp/} messages being received and state files being written; emptied at start;</li>
 * <li>{@code queue/<id>.msg} a committed message, never modified: one line {@code MAILRELAY-SPOOL-1 <envelope JSON>}
 * then the message bytes;</li>
 * <li>{@code queue/<id>.state} its delivery state (per recipient, attempts, next attempt), replaced atomically
 * after every attempt; absent until the first attempt;</li>
 * <li>{@code queue/<id>.hold} an empty marker: the message is on hold (Postfix's hold queue, {@code postsuper -h}),
 * not delivered until released; created or deleted with the directory fsynced, so it survives a crash.</li>
 * </ul>
 * A message is removed by deleting its {@code .msg} first: a crash in between leaves a state file without a
 * message, which the next start deletes, never a message without its state (which would re-send it to
 * recipients that already got it). Removal is not fsynced (see {@link #remove}): after a power loss, not a kill -9,
 * a removed message may come back and be delivered again, a duplicate, never a loss.
 */
public final class FileMessageSpool implements MessageSpool {

    private static final Logger LOG = Logger.getLogger(FileMessageSpool.class);
    private static final String MAGIC = "MAILRELAY-SPOOL-1 ";
    private static final int MAX_ENVELOPE_LINE = 4 * 1024 * 1024;
    static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();

    private final Path directory;
    private final Path tmpDir;
    private final Path queueDir;
    /** the fsyncs of queue/, shared by the sessions committing at the same time (group commit) */
    private final DirectorySync queueSync;
    private final Path corruptDir;
    private final Clock clock;
    private final Map<String, SpooledMessage> queued = new ConcurrentHashMap<>();
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private final List<Consumer<SpooledMessage>> commitListeners = new CopyOnWriteArrayList<>();
    private final AtomicLong sequence = new AtomicLong();
    private final String instanceTag;

    public FileMessageSpool(Path directory) throws IOException {
        this(directory, Clock.systemUTC());
    }

    public FileMessageSpool(Path directory, Clock clock) throws IOException {
        this.directory = directory;
        this.tmpDir = Files.createDirectories(directory.resolve("tmp"));
        this.queueDir = Files.createDirectories(directory.resolve("queue"));
        this.queueSync = new DirectorySync(queueDir);
        this.corruptDir = directory.resolve("corrupt");
        this.clock = clock;
        byte[] random = new byte[3];
        new SecureRandom().nextBytes(random);
        this.instanceTag = HexFormat.of().formatHex(random);
        recover();
    }

    @Override
    public SpoolWriter create(Envelope envelope) throws IOException {
        String id = newId();
        byte[] line = (MAGIC + JSON.writeValueAsString(envelope) + "\n").getBytes(StandardCharsets.UTF_8);
        return new FileSpoolWriter(this, id, tmpDir.resolve(id + ".msg"), line);
    }

    /** The spool's directory (spool.directory): delivery keeps its rate-limit counts under it. */
    public Path directory() {
        return directory;
    }

    @Override
    public int depth() {
        return queued.size();
    }

    @Override
    public long usableSpace() throws IOException {
        return Files.getFileStore(tmpDir).getUsableSpace();
    }

    /** Called with every message once committed (delivery uses it to pick new mail up at once). */
    public void addCommitListener(Consumer<SpooledMessage> listener) {
        commitListeners.add(listener);
    }

    /** Every committed message not yet delivered or bounced, oldest first. */
    public List<SpooledMessage> queued() {
        return queued.values().stream().sorted(Comparator.comparing((SpooledMessage m) -> m.envelope().receivedAt())
                .thenComparing(SpooledMessage::id)).toList();
    }

    public Optional<SpooledMessage> get(String id) {
        return Optional.ofNullable(queued.get(id));
    }

    /** Persists a message's new delivery state (atomically: the old or the new one survives a crash). */
    public SpooledMessage update(SpooledMessage message, DeliveryState state) throws IOException {
        SpoolFiles.writeAtomically(tmpDir, stateFile(message.id()), queueSync, JSON.writeValueAsBytes(state));
        SpooledMessage updated = message.withState(state);
        queued.put(message.id(), updated);
        return updated;
    }

    /**
     * Removes a message for good (every recipient delivered or reported failed, or deleted by the administrator).
     * Lazily: the deletions are not fsynced (the next fsync of the queue directory, by the next message, takes them
     * along). A power loss just after may bring the message back, with its last state or without any; it is then
     * delivered again, a duplicate, never a loss. (A kill -9 loses nothing the kernel has: the deletion holds.)
     */
    public void remove(String id) throws IOException {
        Files.deleteIfExists(messageFile(id));
        Files.deleteIfExists(stateFile(id));
        Files.deleteIfExists(holdFile(id));
        queued.remove(id);
        held.remove(id);
    }

    public boolean isHeld(String id) {
        return held.contains(id);
    }

    /** Puts a queued message on hold; false when no such message is queued. */
    public boolean hold(String id) throws IOException {
        if (!queued.containsKey(id)) {
            return false;
        }
        if (!Files.exists(holdFile(id))) {
            Files.createFile(holdFile(id));
            queueSync.sync();
        }
        held.add(id);
        return true;
    }

    /** Takes a queued message off hold; false when no such message is queued. */
    public boolean release(String id) throws IOException {
        if (!queued.containsKey(id)) {
            return false;
        }
        if (Files.deleteIfExists(holdFile(id))) {
            queueSync.sync();
        }
        held.remove(id);
        return true;
    }

    void publish(String id, Path written) throws IOException {
        Path target = messageFile(id);
        SpoolFiles.publish(written, target, queueSync);
        SpooledMessage message = load(target);
        queued.put(id, message);
        commitListeners.forEach(listener -> listener.accept(message));
    }

    private String newId() {
        // sortable by time, unique across restarts and concurrent writers
        return String.format("%011x%s%05x", clock.millis(), instanceTag, sequence.incrementAndGet() & 0xfffff);
    }

    private Path messageFile(String id) {
        return queueDir.resolve(id + ".msg");
    }

    private Path stateFile(String id) {
        return queueDir.resolve(id + ".state");
    }

    private Path holdFile(String id) {
        return queueDir.resolve(id + ".hold");
    }

    /** Uncommitted leftovers go, committed messages are queued again with the state they had. */
    private void recover() throws IOException {
        try (Stream<Path> leftovers = Files.list(tmpDir)) {
            for (Path leftover : leftovers.toList()) {
                Files.delete(leftover);
            }
        }
        List<Path> files;
        try (Stream<Path> list = Files.list(queueDir)) {
            files = list.toList();
        }
        int recovered = 0;
        for (Path file : files) {
            String name = file.getFileName().toString();
            if (name.endsWith(".msg")) {
                try {
                    SpooledMessage message = load(file);
                    queued.put(message.id(), message);
                    if (Files.exists(holdFile(message.id()))) {
                        held.add(message.id());
                    }
                    recovered++;
                } catch (IOException | RuntimeException e) {
                    quarantine(file, e);
                }
            } else if (name.endsWith(".state") && !Files.exists(messageFile(name.substring(0, name.length() - 6)))) {
                Files.delete(file); // its message was removed just before a crash
            } else if (name.endsWith(".hold") && !Files.exists(messageFile(name.substring(0, name.length() - 5)))) {
                Files.delete(file);
            }
        }
        SpoolFiles.fsyncDirectory(queueDir);
        if (recovered > 0) {
            LOG.infof("spool %s: %d queued message(s) recovered, %d on hold", queueDir.getParent(), recovered,
                    held.size());
        }
    }

    /** A message that cannot be read is kept aside for a human, never deleted. */
    private void quarantine(Path file, Exception cause) throws IOException {
        Files.createDirectories(corruptDir);
        Path target = corruptDir.resolve(file.getFileName());
        Files.move(file, target);
        LOG.errorf(cause, "spool file %s is unreadable: moved to %s", file, target);
    }

    private SpooledMessage load(Path file) throws IOException {
        String name = file.getFileName().toString();
        String id = name.substring(0, name.length() - 4);
        byte[] line = readEnvelopeLine(file);
        String text = new String(line, StandardCharsets.UTF_8);
        if (!text.startsWith(MAGIC)) {
            throw new IOException(file + " is not a spool file (no " + MAGIC.trim() + " header)");
        }
        Envelope envelope = JSON.readValue(text.substring(MAGIC.length()), Envelope.class);
        Path stateFile = stateFile(id);
        DeliveryState state = Files.exists(stateFile) ? JSON.readValue(stateFile.toFile(), DeliveryState.class)
                : DeliveryState.initial(envelope);
        return new SpooledMessage(id, envelope, state, file, line.length + 1L);
    }

    private static byte[] readEnvelopeLine(Path file) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) != '\n') {
                if (b < 0 || line.size() > MAX_ENVELOPE_LINE) {
                    throw new IOException(file + ": envelope line not terminated");
                }
                line.write(b);
            }
            return line.toByteArray();
        }
    }

    @Override
    public String toString() {
        return "FileMessageSpool[" + queueDir.getParent() + "]";
    }
}
