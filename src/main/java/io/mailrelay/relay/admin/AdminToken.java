package io.mailrelay.relay.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;

import io.mailrelay.relay.reload.ReloadingValue;

/**
 * Who may use the admin endpoint: requests carrying {@code Authorization: Bearer <token>} with the token of
 * {@code admin.tokenFile}, re-read when the file changes. Without a token file nobody may.
 */
public final class AdminToken implements AutoCloseable {

    public enum Verdict {
        ALLOWED,
        /** no token file configured: the endpoint is off (403) */
        DISABLED,
        /** no or a wrong token (401) */
        UNAUTHORIZED
    }

    private static final String BEARER = "Bearer ";

    private final ReloadingValue<byte[]> digest;

    private AdminToken(ReloadingValue<byte[]> digest) {
        this.digest = digest;
    }

    /** @param tokenFile null: every request is refused */
    public static AdminToken of(Path tokenFile, Duration reloadInterval) throws IOException {
        if (tokenFile == null) {
            return new AdminToken(null);
        }
        return new AdminToken(new ReloadingValue<>("admin token", List.of(tokenFile), reloadInterval,
                () -> sha256(AdminTokenFile.read(tokenFile))));
    }

    public Verdict check(String authorization) {
        if (digest == null) {
            return Verdict.DISABLED;
        }
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return Verdict.UNAUTHORIZED;
        }
        byte[] given = sha256(authorization.substring(BEARER.length()).strip().getBytes(StandardCharsets.UTF_8));
        // digests of equal length, compared in constant time: the reply time tells nothing about the token
        return MessageDigest.isEqual(given, digest.get()) ? Verdict.ALLOWED : Verdict.UNAUTHORIZED;
    }

    private static byte[] sha256(byte[] value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (digest != null) {
            digest.close();
        }
    }
}
