package io.mailrelay.relay.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.james.core.Username;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * SMTP AUTH users: {@code user:<bcrypt hash>} lines as written by {@code htpasswd -B}
 * ({@code $2a$}, {@code $2b$} or {@code $2y$}); blank lines and {@code #} comments are ignored. User names
 * compare exactly as written (case-sensitively).
 */
public final class PasswordFile {
    private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]\\$(\\d{2})\\$[./A-Za-z0-9]{53}");

    private final Map<String, String> hashes;
    /**
     * Checked when the user is unknown, so that a wrong user name costs as much time as a wrong password:
     * the file's most expensive hash (bcrypt's time depends only on the cost). It never authenticates
     * anyone, since the user is unknown.
     */
    private final String dummyHash;

    private PasswordFile(Map<String, String> hashes) {
        this.hashes = Map.copyOf(hashes);
        this.dummyHash = hashes.values().stream().max(Comparator.comparingInt(PasswordFile::cost)).orElseThrow();
    }

    /** @throws IllegalArgumentException naming the line when the file is not in the expected format */
    public static PasswordFile load(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        Map<String, String> hashes = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
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
        if (hashes.isEmpty()) {
            throw new IllegalArgumentException("no users in the file");
        }
        return new PasswordFile(hashes);
    }

    /** The same work whether or not the user exists (one bcrypt check of the file's highest cost). */
    public boolean verify(String user, String password) {
        String hash = hashes.get(user);
        boolean matches = OpenBSDBCrypt.checkPassword(hash != null ? hash : dummyHash, password.toCharArray());
        return hash != null && matches;
    }

    /** Whether the file lists {@code user} (exactly as written). */
    public boolean hasUser(String user) {
        return hashes.containsKey(user);
    }

    /** The bcrypt cost an unknown user's check takes. */
    public int dummyCost() {
        return cost(dummyHash);
    }

    private static int cost(String hash) {
        Matcher matcher = BCRYPT.matcher(hash);
        if (!matcher.matches()) {
            throw new IllegalStateException("not a bcrypt hash");
        }
        return Integer.parseInt(matcher.group(1));
    }

    /** A name James' session can carry once it authenticated. */
    private static boolean usableName(String user) {
        try {
            Username.of(user);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    public int size() {
        return hashes.size();
    }
}
