package io.mailrelay.operator.render;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/** Fingerprint of everything the relay reads at start: a change of it rolls the pods. */
public final class ConfigHash {

    private ConfigHash() {
    }

    public static String of(String relayYaml, Map<String, String> secretData) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            update(digest, relayYaml);
            for (var entry : new TreeMap<>(secretData).entrySet()) {
                update(digest, entry.getKey());
                update(digest, entry.getValue());
            }
            return HexFormat.of().formatHex(digest.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    /** Length-prefixed, so that no two different inputs concatenate to the same bytes. */
    private static void update(MessageDigest digest, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        digest.update(Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
        digest.update((byte) ':');
        digest.update(bytes);
    }
}
