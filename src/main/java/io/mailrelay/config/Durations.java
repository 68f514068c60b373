package io.mailrelay.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The configuration's duration format: a whole number and one unit, {@code 30s}, {@code 5m}, {@code 1h}, {@code 5d}. */
public final class Durations {
    private static final Pattern FORMAT = Pattern.compile("(\\d{1,9})([smhd])");

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
        Matcher matcher = FORMAT.matcher(text == null ? "" : text.trim());
        if (!matcher.matches()) {
            throw new IllegalArgumentException("\"" + text + "\" is not a valid duration (expected e.g. 30s, 5m, 1h, 5d)");
        }
        long amount = Long.parseLong(matcher.group(1));
        return switch (matcher.group(2)) {
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        };
    }
}
