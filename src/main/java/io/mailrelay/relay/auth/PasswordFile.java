package io.mailrelay.relay.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.Map;

import io.mailrelay.config.UsersFile;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/** SMTP AUTH users, from a {@link UsersFile}. */
public final class PasswordFile {
    private final Map<String, String> hashes;
    /**
     * Checked when the user is unknown, so that a wrong user name costs as much time as a wrong password:
     * the file's most expensive hash (bcrypt's time depends only on the cost). It never authenticates
     * anyone, since the user is unknown.
     */
    private final String dummyHash;

    /** An empty file's dummy: the cost the operator hashes its random passwords with. */
    private static final String EMPTY_FILE_DUMMY = OpenBSDBCrypt.generate("2y", randomChars(), randomSalt(), 5);

    private PasswordFile(Map<String, String> hashes) {
        this.hashes = Map.copyOf(hashes);
        this.dummyHash = hashes.values().stream().max(Comparator.comparingInt(UsersFile::cost))
                .orElse(EMPTY_FILE_DUMMY);
    }

    /** @throws IllegalArgumentException naming the line when the file is not in the expected format */
    public static PasswordFile load(Path file) throws IOException {
        return new PasswordFile(UsersFile.parse(Files.readString(file, StandardCharsets.UTF_8)));
    }

    /** A file that may list nobody (relay.yaml senderLogins.usersFile). */
    public static PasswordFile loadAllowingEmpty(Path file) throws IOException {
        return new PasswordFile(UsersFile.parseAllowingEmpty(Files.readString(file, StandardCharsets.UTF_8)));
    }

    private static byte[] randomSalt() {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        return salt;
    }

    private static char[] randomChars() {
        return java.util.HexFormat.of().formatHex(randomSalt()).toCharArray();
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
        return UsersFile.cost(dummyHash);
    }
}
