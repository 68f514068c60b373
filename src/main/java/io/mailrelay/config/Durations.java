package io.mailrelay.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one duration format: a whole number and one unit, {@code 30s}, {@code 5m}, {@code 1h}, {@code 5d} (relay.yaml,
 * the MailRelay resource, the relay's flags); command lines may also say milliseconds or ISO-8601
 * ({@link #parseCommandLine}).
 */
public final class Durations {
    private static final Pattern FORMAT = Pattern.compile("(\\d{1,9})(ms|[smhd])");

    private Durations() {
    }

    /** An age for people, in the largest unit that still shows two digits: 42s, 5m, 3h, 2d (like kubectl's AGE). */
    public static String formatAge(long seconds) {
        if (seconds < 120) {
            return seconds + "s";
        }
        if (seconds < 2 * 3600) {
            return seconds / 60 + "m";
        }
        if (seconds < 2 * 86400) {
            return seconds / 3600 + "h";
        }
        return seconds / 86400 + "d";
    }

    /** The text {@link #parse} reads back: the largest unit that divides the duration, {@code 90s}, {@code 5m}, {@code 2d}. */
    public static String format(Duration duration) {
        long seconds = duration.getSeconds();
        if (duration.getNano() != 0 || seconds < 0) {
            throw new IllegalArgumentException(duration + " is not a whole, positive number of seconds");
        }
        if (seconds != 0 && seconds % 86400 == 0) {
            return seconds / 86400 + "d";
        }
        if (seconds != 0 && seconds % 3600 == 0) {
            return seconds / 3600 + "h";
        }
        if (seconds != 0 && seconds % 60 == 0) {
            return seconds / 60 + "m";
        }
        return seconds + "s";
    }

    /** @throws IllegalArgumentException naming the value when it is not in the format */
    public static Duration parse(String text) {
        Duration duration = units(text, false);
        if (duration == null) {
            throw new IllegalArgumentException("\"" + text + "\" is not a valid duration (expected e.g. 30s, 5m, 1h, 5d)");
        }
        return duration;
    }

    /**
     * A duration on a command line (the probe's timeouts): the format of {@link #parse}, or milliseconds
     * ({@code 500ms}), or ISO-8601 ({@code PT10S}).
     *
     * @throws IllegalArgumentException naming the value when it is none of these
     */
    public static Duration parseCommandLine(String text) {
        Duration duration = units(text, true);
        if (duration != null) {
            return duration;
        }
        try {
            return Duration.parse(text.trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("'" + text + "' is not a duration like 500ms, 10s, 5m or 1h");
        }
    }

    private static Duration units(String text, boolean millis) {
        Matcher matcher = FORMAT.matcher(text == null ? "" : text.trim());
        if (!matcher.matches() || (!millis && matcher.group(2).equals("ms"))) {
            return null;
        }
        long amount = Long.parseLong(matcher.group(1));
        return switch (matcher.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        };
    }
}
