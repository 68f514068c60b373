package io.mailrelay.relay.delivery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

import org.jboss.logging.Logger;

/**
 * {@code rateLimit.recipientsPerDay} of one upstream: recipients accepted by it in a rolling 24 hours, counted per
 * minute. A recipient counted in minute m is given back at the end of m plus 24 hours, so the window is never shorter
 * than 24 hours (up to a minute longer). Recipients are reserved before a transaction and what the upstream did not
 * accept is given back after it, so at no moment can more than the budget be in the upstream's hands.
 *
 * <p>The counts are written to {@code file} at every change (written whole and renamed into place, not fsynced): they
 * survive a restart and a {@code kill -9} of the relay, a power loss may forget the last few seconds. A file that
 * cannot be read is logged and the count starts at zero.
 */
final class RecipientBudget {

    private static final Logger LOG = Logger.getLogger(RecipientBudget.class);
    static final Duration WINDOW = Duration.ofDays(1);

    /** What {@link #reserve} granted: {@code granted} recipients, counted in {@code minute}. */
    record Reservation(long minute, int granted) {
    }

    private final String upstream;
    private final int perDay;
    private final Clock clock;
    private final Path file;
    /** epoch minute → recipients counted in it; only minutes within the window */
    private final TreeMap<Long, Integer> minutes = new TreeMap<>();
    private int used;

    /** @param file where the counts are kept, or null for memory only */
    RecipientBudget(String upstream, int perDay, Clock clock, Path file) {
        this.upstream = upstream;
        this.perDay = perDay;
        this.clock = clock;
        this.file = file;
        load();
    }

    int perDay() {
        return perDay;
    }

    /** Up to {@code wanted} recipients, as many as the budget has left now (0 when none). */
    synchronized Reservation reserve(int wanted) {
        long minute = expire();
        int granted = Math.max(0, Math.min(wanted, perDay - used));
        if (granted > 0) {
            minutes.merge(minute, granted, Integer::sum);
            used += granted;
            save();
        }
        return new Reservation(minute, granted);
    }

    /** Gives back {@code count} recipients of a reservation that the upstream did not accept. */
    synchronized void giveBack(Reservation reservation, int count) {
        if (count <= 0) {
            return;
        }
        Integer counted = minutes.get(reservation.minute());
        if (counted == null) {
            return; // already out of the window
        }
        int back = Math.min(count, counted);
        if (counted == back) {
            minutes.remove(reservation.minute());
        } else {
            minutes.put(reservation.minute(), counted - back);
        }
        used -= back;
        save();
    }

    synchronized int remaining() {
        expire();
        return perDay - used;
    }

    /** When at least one recipient is free again: now when some are left, else when the oldest minute leaves. */
    synchronized Instant nextFree() {
        expire();
        if (used < perDay || minutes.isEmpty()) {
            return clock.instant();
        }
        return releaseOf(minutes.firstKey());
    }

    private static Instant releaseOf(long minute) {
        return Instant.ofEpochSecond((minute + 1) * 60).plus(WINDOW);
    }

    /** Drops the minutes out of the window; returns the current epoch minute. */
    private long expire() {
        Instant now = clock.instant();
        while (!minutes.isEmpty() && !releaseOf(minutes.firstKey()).isAfter(now)) {
            used -= minutes.pollFirstEntry().getValue();
        }
        return now.getEpochSecond() / 60;
    }

    private void save() {
        if (file == null) {
            return;
        }
        StringBuilder text = new StringBuilder();
        minutes.forEach((minute, count) -> text.append(minute).append(' ').append(count).append('\n'));
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.warnf("rate limit of %s: cannot write %s (%s): the count is kept in memory only", upstream, file,
                    e.getMessage());
        }
    }

    private void load() {
        if (file == null) {
            return;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
                String[] parts = line.trim().split(" ");
                if (parts.length == 2) {
                    minutes.merge(Long.parseLong(parts[0]), Integer.parseInt(parts[1]), Integer::sum);
                }
            }
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException | RuntimeException e) {
            LOG.warnf("rate limit of %s: cannot read %s (%s): counting from 0", upstream, file, e.getMessage());
            minutes.clear();
        }
        minutes.values().removeIf(count -> count <= 0);
        used = minutes.values().stream().mapToInt(Integer::intValue).sum();
        expire();
        if (used > 0) {
            LOG.infof("rate limit of %s: %d of %d recipients used in the last 24 hours (%s)", upstream, used, perDay,
                    file);
        }
    }

    @Override
    public String toString() {
        return upstream + " " + perDay + "/day";
    }

    /** For tests: the counted minutes. */
    synchronized Map<Long, Integer> minutes() {
        return Map.copyOf(minutes);
    }
}
