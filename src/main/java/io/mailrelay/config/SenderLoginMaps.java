package io.mailrelay.config;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Who owns which envelope senders: the file of relay.yaml {@code senderLogins.loginMapsFile}, in the source format of
 * a Postfix {@code smtpd_sender_login_maps} table: one {@code <key> <owner>[, <owner>...]} line each, the key a full
 * address ({@code billing@shop.example}) or a whole domain ({@code @shop.example}), the owners SASL login names.
 * Blank lines and {@code #} comments are ignored. Keys compare case-insensitively (as Postfix's tables do), logins
 * exactly as the users file writes them. A lookup tries the full address first, then its {@code @domain}, like a
 * Postfix hash table; there is no subdomain matching. The operator writes it ({@link #line}), the relay reads it.
 */
public final class SenderLoginMaps {
    private final Map<String, Set<String>> owners;

    private SenderLoginMaps(Map<String, Set<String>> owners) {
        this.owners = owners;
    }

    /** An empty table: nobody owns anything. */
    public static SenderLoginMaps empty() {
        return new SenderLoginMaps(Map.of());
    }

    /** @throws IllegalArgumentException naming the line when the text is not in the format */
    public static SenderLoginMaps parse(String text) {
        String[] lines = text.split("\\R", -1);
        Map<String, Set<String>> owners = new LinkedHashMap<>();
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split("\\s+", 2);
            if (fields.length < 2) {
                throw new IllegalArgumentException("line " + (i + 1) + ": expected <address or @domain> <login>[, <login>...]");
            }
            String key = key(fields[0], i + 1);
            Set<String> logins = owners.computeIfAbsent(key, k -> new LinkedHashSet<>());
            for (String login : fields[1].split("[,\\s]+")) {
                if (!login.isEmpty()) {
                    logins.add(login);
                }
            }
        }
        owners.replaceAll((key, logins) -> Set.copyOf(logins));
        return new SenderLoginMaps(Map.copyOf(owners));
    }

    /** A line of the file: {@code owners} own every address of {@code domain}. */
    public static String domainLine(String domain, Collection<String> owners) {
        if (!DomainNames.isHostName(DomainNames.normalize(domain)) || owners.isEmpty()) {
            throw new IllegalArgumentException("not a domain with owners: " + domain);
        }
        return "@" + DomainNames.normalize(domain) + " " + String.join(", ", owners);
    }

    /**
     * Whether {@code login} owns the envelope sender {@code address} ({@code local@domain}, without brackets; "" is
     * the null sender, which nobody owns).
     */
    public boolean owns(String login, String address) {
        int at = address.lastIndexOf('@');
        if (login == null || at <= 0 || at == address.length() - 1) {
            return false;
        }
        String full = address.toLowerCase(Locale.ROOT);
        Set<String> exact = owners.get(full);
        if (exact != null) {
            return exact.contains(login);
        }
        Set<String> domain = owners.get("@" + DomainNames.normalize(address.substring(at + 1)));
        return domain != null && domain.contains(login);
    }

    private static String key(String text, int line) {
        String key = text.toLowerCase(Locale.ROOT);
        int at = key.lastIndexOf('@');
        String domain = at < 0 ? "" : key.substring(at + 1);
        if (at < 0 || !DomainNames.isHostName(DomainNames.normalize(domain))) {
            throw new IllegalArgumentException("line " + line + ": \"" + text
                    + "\" is neither an address nor an @domain");
        }
        return at == 0 ? "@" + DomainNames.normalize(domain) : key.substring(0, at + 1) + DomainNames.normalize(domain);
    }
}
