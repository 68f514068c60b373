package io.mailrelay.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * relay.yaml {@code dkim} (docs/relay.md, "DKIM signing"): the relay signs every accepted message whose
 * {@code From:} domain is a signing domain (or, with {@code signAllWith}, every message with that domain's keys),
 * once, over the bytes it spooled. Absent: nothing is signed.
 *
 * @param domains one entry per domain and selector; a domain listed with two selectors (an RSA and an Ed25519
 *        key, RFC 8463 section 4) gets both signatures
 * @param signAllWith a listed domain whose keys sign all mail, whatever its {@code From:}
 * @param headers the header fields signed when present (case-insensitive); {@code From} is always signed and
 *        oversigned (listed once more than it occurs, so that no From can be added)
 * @param canonicalization {@code header/body}, each {@code relaxed} or {@code simple}
 */
public record Dkim(List<SigningDomain> domains, String signAllWith, List<String> headers, String canonicalization) {
    public static final List<String> DEFAULT_HEADERS = List.of("from", "reply-to", "subject", "date", "to", "cc",
            "message-id", "in-reply-to", "references", "mime-version", "content-type", "content-transfer-encoding",
            "list-id", "list-unsubscribe");
    public static final String DEFAULT_CANONICALIZATION = "relaxed/relaxed";

    public Dkim {
        domains = domains == null ? List.of() : List.copyOf(domains);
        headers = headers == null ? null : List.copyOf(headers);
    }

    /** This section with the documented default of every absent field. */
    public Dkim withDefaults() {
        return new Dkim(domains, signAllWith, Objects.requireNonNullElse(headers, DEFAULT_HEADERS),
                Objects.requireNonNullElse(canonicalization, DEFAULT_CANONICALIZATION));
    }

    /**
     * @param keyFile PEM private key, RSA (PKCS#1 or PKCS#8) or Ed25519 (PKCS#8): the signing algorithm is the key's
     *        (rsa-sha256 or ed25519-sha256)
     */
    public record SigningDomain(String domain, String selector, Path keyFile) {
    }
}
