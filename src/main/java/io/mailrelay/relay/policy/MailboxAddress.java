package io.mailrelay.relay.policy;

import io.mailrelay.config.DomainNames;
import java.util.Optional;

/**
 * An envelope address split for the relay decision. {@link #routesElsewhere()} is true for every form
 * that could make a server forward the message to another host than the one named by the domain:
 * {@code %} and {@code !} in the local part ("percent hack", UUCP bang paths), source routes
 * ({@code @a:b@c}), a quoted local part holding {@code @}, {@code %} or {@code !}, or a doubled {@code @}.
 * Such an address is never local (Postfix: {@code allow_untrusted_routing = no}).
 *
 * @param localPart the local part as written (quotes kept)
 * @param domain the domain, lower case, without a trailing dot; IP literals keep their brackets
 */
public record MailboxAddress(String localPart, String domain, boolean routesElsewhere) {

    /** Parses an address without angle brackets; empty for the null sender and for anything without a domain. */
    public static Optional<MailboxAddress> parse(String address) {
        if (address == null) {
            return Optional.empty();
        }
        String text = address.trim();
        if (text.startsWith("<") && text.endsWith(">")) {
            text = text.substring(1, text.length() - 1);
        }
        int at = lastAtOutsideQuotes(text);
        if (at <= 0 || at == text.length() - 1) {
            return Optional.empty();
        }
        String localPart = text.substring(0, at);
        String domain = DomainNames.normalize(text.substring(at + 1));
        boolean elsewhere = text.startsWith("@") || localPartRoutes(localPart) || !DomainNames.isMailDomain(domain);
        return Optional.of(new MailboxAddress(localPart, domain, elsewhere));
    }

    /** Also true for control characters, which no RFC 5321 local part holds (found by AddressParsingFuzzTest). */
    private static boolean localPartRoutes(String localPart) {
        if (localPart.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            return true;
        }
        if (localPart.length() >= 2 && localPart.startsWith("\"") && localPart.endsWith("\"")) {
            String inner = localPart.substring(1, localPart.length() - 1);
            return inner.indexOf('@') >= 0 || inner.indexOf('%') >= 0 || inner.indexOf('!') >= 0;
        }
        return localPart.indexOf('@') >= 0 || localPart.indexOf('%') >= 0 || localPart.indexOf('!') >= 0
                || localPart.indexOf(':') >= 0 || localPart.indexOf('"') >= 0;
    }

    private static int lastAtOutsideQuotes(String text) {
        boolean quoted = false;
        int last = -1;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && quoted) {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == '@' && !quoted) {
                last = i;
            }
        }
        return quoted ? -1 : last;
    }
}
