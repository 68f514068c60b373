package io.mailrelay.relay.tls;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMParser;

import io.mailrelay.config.PemPrivateKeys;

/**
 * A PEM certificate chain and its private key (PKCS#1 "RSA PRIVATE KEY", SEC1 "EC PRIVATE KEY" or
 * PKCS#8 "PRIVATE KEY", unencrypted), checked to belong together, as a server {@link SSLContext}.
 */
public record PemCredentials(List<X509Certificate> chain, PrivateKey key) {

    /** @throws IllegalArgumentException saying which file is wrong and why */
    public static PemCredentials load(Path certificateFile, Path keyFile) throws IOException {
        List<X509Certificate> chain = readChain(certificateFile);
        PrivateKey key = readKey(keyFile);
        if (!belongTogether(chain.get(0).getPublicKey(), key)) {
            throw new IllegalArgumentException("the key in " + keyFile + " does not match the certificate in "
                    + certificateFile);
        }
        return new PemCredentials(chain, key);
    }

    public SSLContext serverContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers(), null, new SecureRandom());
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build the TLS context: " + e.getMessage(), e);
        }
    }

    /** This certificate and key as the key managers of a TLS context: the server's, or a client certificate's. */
    public KeyManager[] keyManagers() {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            char[] password = new char[0];
            store.setKeyEntry("relay", key, password, chain.toArray(new X509Certificate[0]));
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(store, password);
            return keyManagers.getKeyManagers();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build the TLS context: " + e.getMessage(), e);
        }
    }

    private static List<X509Certificate> readChain(Path file) throws IOException {
        List<X509Certificate> chain = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
                PEMParser parser = new PEMParser(reader)) {
            JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
            for (Object item = parser.readObject(); item != null; item = parser.readObject()) {
                if (item instanceof X509CertificateHolder holder) {
                    chain.add(converter.getCertificate(holder));
                }
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException(file + " is not a PEM certificate chain: " + e.getMessage());
        }
        if (chain.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no PEM certificate");
        }
        return chain;
    }

    private static PrivateKey readKey(Path file) throws IOException {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
            return PemPrivateKeys.read(reader, file.toString());
        }
    }

    /** Signs a challenge with the key and verifies it with the certificate's public key. */
    private static boolean belongTogether(PublicKey publicKey, PrivateKey key) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null || !key.getAlgorithm().equals(publicKey.getAlgorithm())
                && !(key.getAlgorithm().startsWith("EC") && publicKey.getAlgorithm().startsWith("EC"))) {
            return false;
        }
        try {
            byte[] challenge = "mailrelay key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
