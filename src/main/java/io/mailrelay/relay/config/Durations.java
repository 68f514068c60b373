package io.mailrelay.relay.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The configuration's duration format: a whole number and one unit, {@code 30s}, {@code 5m}, {@code 1h}, {@code 5d}. */
public final class Durations {
    private static final Pattern FORMAT = Pattern.compile("(\\d{1,9})([smhd])");

    private Durations() {
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
