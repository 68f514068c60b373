package io.mailrelay.config;

import java.util.Locale;
import java.util.regex.Pattern;

/** Mail domains and host names as relay.yaml and SMTP addresses write them. */
public final class DomainNames {
    private static final Pattern HOST_NAME = Pattern.compile(
            "(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
    private static final Pattern ADDRESS_LITERAL = Pattern.compile("(?i)\\[(ipv6:)?[0-9a-f:.]+\\]");

    private DomainNames() {
    }

    /** Lower case, without one trailing dot: {@code Example.COM.} and {@code example.com} are the same domain. */
    public static String normalize(String domain) {
        String lower = domain.trim().toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }

    /** Labels of letters, digits and inner hyphens, each at most 63 long; no trailing dot ({@link #normalize} first). */
    public static boolean isHostName(String text) {
        return text != null && HOST_NAME.matcher(text).matches();
    }

    /** A host name or an address literal ({@code [192.0.2.1]}, {@code [IPv6:2001:db8::1]}). */
    public static boolean isMailDomain(String text) {
        return isHostName(text) || text != null && ADDRESS_LITERAL.matcher(text).matches();
    }
}
