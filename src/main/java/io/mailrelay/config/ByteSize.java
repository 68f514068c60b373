package io.mailrelay.config;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A number of bytes as the configuration writes it: a whole number, optionally with a Kubernetes quantity
 * suffix, binary ({@code 64Ki}, {@code 100Mi}, {@code 1Gi}, {@code 1Ti}) or decimal ({@code 500k}, {@code 100M},
 * {@code 1G}, {@code 1T}).
 */
public record ByteSize(long bytes) {
    private static final Pattern FORMAT = Pattern.compile("(\\d{1,15})(Ki|Mi|Gi|Ti|k|M|G|T)?");
    private static final Map<String, Long> UNITS = Map.of("Ki", 1L << 10, "Mi", 1L << 20, "Gi", 1L << 30,
            "Ti", 1L << 40, "k", 1_000L, "M", 1_000_000L, "G", 1_000_000_000L, "T", 1_000_000_000_000L);

    public ByteSize {
        if (bytes < 0) {
            throw new IllegalArgumentException("a size must not be negative, was " + bytes);
        }
    }

    public static ByteSize ofMebibytes(long mebibytes) {
        return new ByteSize(mebibytes << 20);
    }

    /** The text {@link #parse} reads back: the largest binary unit that divides the size ({@code 100Mi}), else bytes. */
    @Override
    public String toString() {
        for (String unit : List.of("Ti", "Gi", "Mi", "Ki")) {
            long size = UNITS.get(unit);
            if (bytes != 0 && bytes % size == 0) {
                return bytes / size + unit;
            }
        }
        return Long.toString(bytes);
    }

    /** @throws IllegalArgumentException naming the value when it is not in the format */
    public static ByteSize parse(String text) {
        Matcher matcher = FORMAT.matcher(text == null ? "" : text.trim());
        if (!matcher.matches()) {
            throw new IllegalArgumentException("\"" + text + "\" is not a valid size (expected bytes or e.g. 64Ki, 100Mi, 1Gi)");
        }
        long unit = matcher.group(2) == null ? 1 : UNITS.get(matcher.group(2));
        return new ByteSize(Math.multiplyExact(Long.parseLong(matcher.group(1)), unit));
    }
}
