package io.mailrelay.relay.delivery;

import java.nio.file.Path;
import java.util.Objects;

import io.mailrelay.relay.HostPort;

/**
 * {@code outbound.smarthost} of relay.yaml, with the credentials already read from their files.
 *
 * @param address host and port
 * @param tls STARTTLS policy (default {@link TlsMode#REQUIRED})
 * @param verifyCertificate check the certificate chain and that it names {@code address.host()}
 * @param trustedCaFile PEM CA bundle to verify against instead of the JVM's trust store, or null
 * @param username AUTH user, or null for no AUTH
 * @param password AUTH password, with username
 */
public record SmarthostSettings(HostPort address, TlsMode tls, boolean verifyCertificate, Path trustedCaFile,
        String username, String password) {

    public SmarthostSettings {
        Objects.requireNonNull(address, "smarthost address");
        Objects.requireNonNull(tls, "smarthost tls");
        if ((username == null) != (password == null)) {
            throw new IllegalArgumentException("smarthost username and password go together");
        }
    }

    public static SmarthostSettings plain(HostPort address) {
        return new SmarthostSettings(address, TlsMode.NONE, false, null, null, null);
    }

    public boolean authenticates() {
        return username != null;
    }
}
