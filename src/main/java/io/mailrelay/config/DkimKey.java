package io.mailrelay.config;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;

import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * A DKIM signing key: what relay.yaml's {@code dkim.domains[].keyFile} holds (PEM) and what the operator generates
 * into a Secret, with the DNS TXT record that publishes its public half (RFC 6376 section 3.6.1, RFC 8463).
 */
public record DkimKey(Algorithm algorithm, PrivateKey privateKey, PublicKey publicKey) {

    public enum Algorithm {
        RSA("rsa", "rsa-sha256"), ED25519("ed25519", "ed25519-sha256");

        private final String keyType;
        private final String signingAlgorithm;

        Algorithm(String keyType, String signingAlgorithm) {
            this.keyType = keyType;
            this.signingAlgorithm = signingAlgorithm;
        }

        /** The {@code k=} of the DNS record. */
        public String keyType() {
            return keyType;
        }

        /** The {@code a=} of the signature. */
        public String signingAlgorithm() {
            return signingAlgorithm;
        }
    }

    /** RSA keys shorter than this are refused (RFC 8301: 1024 at least, 2048 recommended). */
    public static final int MIN_RSA_BITS = 1024;
    public static final int GENERATED_RSA_BITS = 2048;

    /** @param source what the PEM is named in messages (a file, a Secret) */
    public static DkimKey parse(String pem, String source) {
        PrivateKey key = PemPrivateKeys.read(new StringReader(pem), source);
        try {
            if (key instanceof RSAPrivateCrtKey rsa) {
                if (rsa.getModulus().bitLength() < MIN_RSA_BITS) {
                    throw new IllegalArgumentException(source + ": an RSA key of " + rsa.getModulus().bitLength()
                            + " bits is too short for DKIM (at least " + MIN_RSA_BITS + ", RFC 8301)");
                }
                PublicKey publicKey = KeyFactory.getInstance("RSA")
                        .generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
                return new DkimKey(Algorithm.RSA, key, publicKey);
            }
            if (key instanceof EdECPrivateKey ed && "Ed25519".equalsIgnoreCase(ed.getParams().getName())) {
                return new DkimKey(Algorithm.ED25519, key, ed25519PublicKey(ed));
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
        throw new IllegalArgumentException(source + ": a " + key.getAlgorithm()
                + " key cannot sign DKIM (RSA or Ed25519 only)");
    }

    /** A new key: RSA 2048 or Ed25519. */
    public static DkimKey generate(Algorithm algorithm) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm == Algorithm.RSA ? "RSA" : "Ed25519");
            if (algorithm == Algorithm.RSA) {
                generator.initialize(GENERATED_RSA_BITS);
            }
            KeyPair pair = generator.generateKeyPair();
            return new DkimKey(algorithm, pair.getPrivate(), pair.getPublic());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate a DKIM key: " + e.getMessage(), e);
        }
    }

    /** The private key as PEM (PKCS#8), the keyFile format. */
    public String privateKeyPem() {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(new PemObject("PRIVATE KEY", privateKey.getEncoded()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }

    /** The {@code p=} value: the SubjectPublicKeyInfo for RSA, the raw 32-byte key for Ed25519 (RFC 8463). */
    public String publicKeyData() {
        byte[] spki = publicKey.getEncoded();
        byte[] data = algorithm == Algorithm.RSA ? spki : Arrays.copyOfRange(spki, spki.length - 32, spki.length);
        return Base64.getEncoder().encodeToString(data);
    }

    /** The TXT record to publish at {@code <selector>._domainkey.<domain>}. */
    public String dnsRecord() {
        return "v=DKIM1; k=" + algorithm.keyType() + "; p=" + publicKeyData();
    }

    /** The name the record is published at. */
    public static String dnsName(String selector, String domain) {
        return selector + "._domainkey." + DomainNames.normalize(domain);
    }

    /**
     * The JDK cannot derive an Ed25519 public key from the private one; its generator derives it from the 32-byte
     * seed it draws, so it is given the private key's seed to draw.
     */
    private static PublicKey ed25519PublicKey(EdECPrivateKey key) throws GeneralSecurityException {
        byte[] seed = key.getBytes().orElseThrow(() -> new GeneralSecurityException("the Ed25519 key is not extractable"));
        KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
        generator.initialize(NamedParameterSpec.ED25519, new SecureRandom() {
            @Override
            public void nextBytes(byte[] bytes) {
                System.arraycopy(seed, 0, bytes, 0, Math.min(seed.length, bytes.length));
            }
        });
        return generator.generateKeyPair().getPublic();
    }
}
