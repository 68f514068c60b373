package io.mailrelay.relay.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * SMTP AUTH users: {@code user:<bcrypt hash>} lines as written by {@code htpasswd -B}
 * ({@code $2a$}, {@code $2b$} or {@code $2y$}); blank lines and {@code #} comments are ignored.
 */
public final class PasswordFile {
    private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]\\$\\d{2}\\$[./A-Za-z0-9]{53}");
    /** Checked when the user is unknown, so that a wrong user name costs as much time as a wrong password. */
    private static final String DUMMY_HASH = OpenBSDBCrypt.generate("2b",
            "not-a-password".toCharArray(), new byte[16], 10);

    private final Map<String, String> hashes;

    private PasswordFile(Map<String, String> hashes) {
        this.hashes = Map.copyOf(hashes);
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

    /** Constant work whether or not the user exists (one bcrypt check). */
    public boolean verify(String user, String password) {
        String hash = hashes.get(user);
        boolean matches = OpenBSDBCrypt.checkPassword(hash != null ? hash : DUMMY_HASH, password.toCharArray());
        return hash != null && matches;
    }

    public int size() {
        return hashes.size();
    }
}
