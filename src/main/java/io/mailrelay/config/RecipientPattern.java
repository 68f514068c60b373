package io.mailrelay.config;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One entry of a local domain's recipient list: {@code local-part@domain}, where {@code *} in the local part
 * stands for any run of characters (none included): {@code *@example.org}, {@code sales-*@example.org},
 * {@code bob@example.org}. Local part and domain both compare case-insensitively, as Postfix's table lookups
 * do; anything else in the local part (quotes included) is compared as written.
 */
public final class RecipientPattern {
    private final String text;
    private final String domain;
    private final Pattern localPart;

    private RecipientPattern(String text, String domain, Pattern localPart) {
        this.text = text;
        this.domain = domain;
        this.localPart = localPart;
    }

    /** Empty when {@code text} is not {@code local-part@domain} with a non-empty local part. */
    public static Optional<RecipientPattern> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        int at = text.lastIndexOf('@');
        if (at <= 0 || at == text.length() - 1 || text.chars().anyMatch(Character::isWhitespace)) {
            return Optional.empty();
        }
        String[] literals = text.substring(0, at).toLowerCase(Locale.ROOT).split("\\*", -1);
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < literals.length; i++) {
            regex.append(i == 0 ? "" : ".*").append(Pattern.quote(literals[i]));
        }
        return Optional.of(new RecipientPattern(text, DomainNames.normalize(text.substring(at + 1)),
                Pattern.compile(regex.toString(), Pattern.DOTALL)));
    }

    /** The domain the pattern is for, normalized ({@link DomainNames#normalize}). */
    public String domain() {
        return domain;
    }

    /** @param domain normalized ({@link DomainNames#normalize}) */
    public boolean matches(String localPart, String domain) {
        return this.domain.equals(domain) && this.localPart.matcher(localPart.toLowerCase(Locale.ROOT)).matches();
    }

    @Override
    public String toString() {
        return text;
    }
}
