package io.mailrelay.relay.delivery;

import java.nio.file.Path;
import java.util.Objects;

import io.mailrelay.config.HostPort;
import io.mailrelay.config.SmarthostTls;

/**
 * {@code outbound.smarthost} of relay.yaml.
 *
 * @param address host and port
 * @param tls STARTTLS policy (default {@link SmarthostTls#REQUIRED})
 * @param verifyCertificate check the certificate chain and that it names {@code address.host()}
 * @param trustedCaFile PEM CA bundle to verify against instead of the JVM's trust store, or null
 * @param credentials AUTH user and password files, or null for no AUTH
 */
public record SmarthostSettings(HostPort address, SmarthostTls tls, boolean verifyCertificate, Path trustedCaFile,
        SmarthostCredentials credentials) {

    public SmarthostSettings {
        Objects.requireNonNull(address, "smarthost address");
        Objects.requireNonNull(tls, "smarthost tls");
    }

    public static SmarthostSettings plain(HostPort address) {
        return new SmarthostSettings(address, SmarthostTls.NONE, false, null, null);
    }

    public boolean authenticates() {
        return credentials != null;
    }
}
