package io.mailrelay.relay.delivery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The smarthost's AUTH user and password as mounted Secret files ({@code usernameFile}, {@code passwordFile}). They
 * are read again for every connection, so a rotated Secret is used without restarting the relay.
 */
public record SmarthostCredentials(Path usernameFile, Path passwordFile) {

    /** What the files hold right now. */
    public record UsernamePassword(String username, String password) {
        @Override
        public String toString() {
            return "UsernamePassword[username=" + username + ", password=***]";
        }
    }

    public SmarthostCredentials {
        Objects.requireNonNull(usernameFile, "smarthost usernameFile");
        Objects.requireNonNull(passwordFile, "smarthost passwordFile");
    }

    /** @throws IOException naming the file that cannot be read or is empty */
    public UsernamePassword read() throws IOException {
        return new UsernamePassword(secret(usernameFile), secret(passwordFile));
    }

    /**
     * A Secret value without its trailing line break ({@code kubectl create secret --from-file} keeps the one the
     * file had); anything else, spaces included, belongs to the value.
     */
    private static String secret(Path file) throws IOException {
        String value = Files.readString(file, StandardCharsets.UTF_8).replaceFirst("(\r?\n)+$", "");
        if (value.isEmpty()) {
            throw new IOException("smarthost credentials file " + file + " is empty");
        }
        return value;
    }
}
