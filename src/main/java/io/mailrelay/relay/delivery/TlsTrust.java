package io.mailrelay.relay.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

import io.mailrelay.relay.tls.PemCredentials;

/**
 * The TLS of every SMTP client session towards a next hop (STARTTLS, Angus Mail's {@code mail.smtp.ssl.socketFactory}):
 * the certificate chain verified against the JVM's trust store, or exactly the CA certificates of a PEM bundle
 * ({@code trustedCaFile}), or not verified at all ({@code verifyCertificate: false}, opportunistic next hops). Delivery
 * and the upstream check use this one setup; the check also reads the server's certificate from it.
 */
final class TlsTrust {

    /** The leaf certificate the server presented in the last handshake, verified or not; null before one. */
    static final class PeerCertificate {
        private volatile X509Certificate leaf;

        X509Certificate leaf() {
            return leaf;
        }

        void seen(X509Certificate[] chain) {
            if (chain != null && chain.length > 0) {
                leaf = chain[0];
            }
        }
    }

    private TlsTrust() {
    }

    /**
     * @param verify check the chain (the host name is Angus Mail's {@code checkserveridentity})
     * @param caBundle with {@code verify}: trust only these CAs; null for the JVM's trust store
     * @param seen told the server's chain before it is checked
     */
    static SSLSocketFactory socketFactory(boolean verify, Path caBundle, PeerCertificate seen) {
        return socketFactory(verify, caBundle, seen, null);
    }

    /**
     * @param client the certificate to present when the server asks for one (read from its files now), or null
     * @throws IllegalArgumentException when the client certificate files cannot be read or do not match
     */
    static SSLSocketFactory socketFactory(boolean verify, Path caBundle, PeerCertificate seen,
            SmarthostSettings.ClientCertificate client) {
        try {
            X509ExtendedTrustManager trust = verify ? verifying(caBundle == null ? null : store(caBundle)) : null;
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(client == null ? null : clientKeys(client), new TrustManager[] { new Recording(trust, seen) },
                    null);
            return context.getSocketFactory();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    private static KeyManager[] clientKeys(SmarthostSettings.ClientCertificate client) {
        try {
            return PemCredentials.load(client.certificateFile(), client.keyFile()).keyManagers();
        } catch (IOException e) {
            throw new IllegalArgumentException("client certificate " + client.certificateFile() + " cannot be read: "
                    + e.getMessage(), e);
        }
    }

    private static X509ExtendedTrustManager verifying(KeyStore store) throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store); // null: the JVM's default trust store
        return Arrays.stream(factory.getTrustManagers()).filter(X509ExtendedTrustManager.class::isInstance)
                .map(X509ExtendedTrustManager.class::cast).findFirst()
                .orElseThrow(() -> new GeneralSecurityException("no X509 trust manager"));
    }

    private static KeyStore store(Path caBundle) {
        try (InputStream in = Files.newInputStream(caBundle)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int index = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + index++, certificate);
            }
            if (index == 0) {
                throw new IllegalArgumentException("trustedCaFile " + caBundle + " holds no PEM certificate");
            }
            return store;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("trustedCaFile " + caBundle + " is not a readable PEM CA bundle: "
                    + e.getMessage(), e);
        }
    }

    /** Hands the server's chain to {@link PeerCertificate}, then to the verifying manager (none: trusts all). */
    private static final class Recording extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager delegate;
        private final PeerCertificate seen;

        Recording(X509ExtendedTrustManager delegate, PeerCertificate seen) {
            this.delegate = delegate;
            this.seen = seen;
        }

        /** A check of the delegate, which throws when it does not trust the chain. */
        private interface Check {
            void run() throws CertificateException;
        }

        private void seenThen(X509Certificate[] chain, Check check) throws CertificateException {
            seen.seen(chain);
            if (delegate != null) {
                check.run();
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            seenThen(chain, () -> delegate.checkServerTrusted(chain, authType, socket));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            seenThen(chain, () -> delegate.checkServerTrusted(chain, authType, engine));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            seenThen(chain, () -> delegate.checkServerTrusted(chain, authType));
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a client of next hops never checks clients");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate == null ? new X509Certificate[0] : delegate.getAcceptedIssuers();
        }
    }
}
