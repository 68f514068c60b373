package io.mailrelay.operator.render;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Fingerprint of what the relay reads only at start, its relay.yaml: a change of it rolls the pods. The
 * Secrets it mounts are left out on purpose: the relay reloads the certificate and the users file when the
 * mounted files change and reads the smarthost credentials for every connection, so a rotation restarts
 * nothing (and drops no session).
 */
public final class ConfigHash {

    private ConfigHash() {
    }

    public static String of(String relayYaml) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(relayYaml.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
