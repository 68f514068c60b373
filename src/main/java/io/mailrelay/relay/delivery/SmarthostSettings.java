package io.mailrelay.relay.delivery;

import java.nio.file.Path;
import java.util.Objects;

import io.mailrelay.config.HostPort;
import io.mailrelay.config.RelayConfig;
import io.mailrelay.config.SmarthostTls;

/**
 * {@code outbound.smarthost} of relay.yaml.
 *
 * @param address host and port
 * @param tls STARTTLS policy (default {@link SmarthostTls#REQUIRED})
 * @param verifyCertificate check the certificate chain and that it names {@code address.host()}
 * @param trustedCaFile PEM CA bundle to verify against instead of the JVM's trust store, or null
 * @param credentials AUTH user and password files, or null for no AUTH
 * @param rateLimit outbound rate limits ({@code rateLimit} of relay.yaml), or null for none
 * @param clientCertificate the certificate this relay presents in the TLS handshake, or null for none
 */
public record SmarthostSettings(HostPort address, SmarthostTls tls, boolean verifyCertificate, Path trustedCaFile,
        SmarthostCredentials credentials, RelayConfig.RateLimit rateLimit, ClientCertificate clientCertificate) {

    /**
     * A client certificate and its key as mounted PEM files ({@code clientCertificateFile}, {@code clientKeyFile};
     * Postfix smtp_tls_cert_file, smtp_tls_key_file), read for every connection like the credentials.
     */
    public record ClientCertificate(Path certificateFile, Path keyFile) {
        public ClientCertificate {
            Objects.requireNonNull(certificateFile, "clientCertificateFile");
            Objects.requireNonNull(keyFile, "clientKeyFile");
        }
    }

    public SmarthostSettings {
        Objects.requireNonNull(address, "smarthost address");
        Objects.requireNonNull(tls, "smarthost tls");
    }

    /** Without a client certificate. */
    public SmarthostSettings(HostPort address, SmarthostTls tls, boolean verifyCertificate, Path trustedCaFile,
            SmarthostCredentials credentials, RelayConfig.RateLimit rateLimit) {
        this(address, tls, verifyCertificate, trustedCaFile, credentials, rateLimit, null);
    }

    /** Without a rate limit or a client certificate. */
    public SmarthostSettings(HostPort address, SmarthostTls tls, boolean verifyCertificate, Path trustedCaFile,
            SmarthostCredentials credentials) {
        this(address, tls, verifyCertificate, trustedCaFile, credentials, null);
    }

    public static SmarthostSettings plain(HostPort address) {
        return new SmarthostSettings(address, SmarthostTls.NONE, false, null, null);
    }

    public boolean authenticates() {
        return credentials != null;
    }
}
