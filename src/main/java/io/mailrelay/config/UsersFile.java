package io.mailrelay.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.james.core.Username;

/**
 * The users file of SMTP AUTH (a Secret's {@code users} key, mounted): {@code user:<bcrypt hash>} lines as written by
 * {@code htpasswd -B} ({@code $2a$}, {@code $2b$} or {@code $2y$}); blank lines and {@code #} comments are ignored. The
 * relay loads it, the operator checks the Secret with the same rules before it applies anything.
 */
public final class UsersFile {
    private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]\\$(\\d{2})\\$[./A-Za-z0-9]{53}");

    private UsersFile() {
    }

    /**
     * @return user → bcrypt hash, in the file's order; user names compare exactly as written (case-sensitively)
     * @throws IllegalArgumentException naming the line when the text is not in the format
     */
    public static Map<String, String> parse(String text) {
        Map<String, String> hashes = parseAllowingEmpty(text);
        if (hashes.isEmpty()) {
            throw new IllegalArgumentException("no users in the file");
        }
        return hashes;
    }

    /**
     * {@link #parse}, where a file without users is valid: {@code senderLogins.usersFile}, which the operator empties
     * when no namespace holds a credential.
     */
    public static Map<String, String> parseAllowingEmpty(String text) {
        String[] lines = text.split("\\R", -1);
        Map<String, String> hashes = new LinkedHashMap<>();
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("line " + (i + 1) + ": expected user:<bcrypt hash>");
            }
            String user = line.substring(0, colon);
            String hash = line.substring(colon + 1);
            if (!usableName(user)) {
                throw new IllegalArgumentException("line " + (i + 1) + ": \"" + user
                        + "\" is not a usable user name (at most 255 characters, at most one @ followed by a domain)");
            }
            if (!BCRYPT.matcher(hash).matches()) {
                throw new IllegalArgumentException("line " + (i + 1) + ": the hash of \"" + user
                        + "\" is not bcrypt ($2a$, $2b$ or $2y$, as written by htpasswd -B)");
            }
            if (hashes.put(user, hash) != null) {
                throw new IllegalArgumentException("line " + (i + 1) + ": user \"" + user + "\" is listed twice");
            }
        }
        return hashes;
    }

    /** One line of the file, as {@link #parse} reads it (without the line break). */
    public static String line(String user, String hash) {
        if (!usableName(user) || !BCRYPT.matcher(hash).matches()) {
            throw new IllegalArgumentException("not a user name and bcrypt hash: " + user);
        }
        return user + ":" + hash;
    }

    /** The bcrypt cost of a hash {@link #parse} returned. */
    public static int cost(String hash) {
        Matcher matcher = BCRYPT.matcher(hash);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("not a bcrypt hash");
        }
        return Integer.parseInt(matcher.group(1));
    }

    /** A name the SMTP session can carry once it authenticated. */
    private static boolean usableName(String user) {
        try {
            Username.of(user);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
