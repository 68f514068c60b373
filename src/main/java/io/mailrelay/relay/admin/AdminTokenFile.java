package io.mailrelay.relay.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The admin token file: one token, surrounding whitespace (a mounted Secret's trailing newline) ignored. */
public final class AdminTokenFile {

    private AdminTokenFile() {
    }

    public static byte[] read(Path file) throws IOException {
        String token = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (token.isEmpty()) {
            throw new IllegalArgumentException("the token is empty");
        }
        if (token.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("the token must be one word");
        }
        return token.getBytes(StandardCharsets.UTF_8);
    }
}
