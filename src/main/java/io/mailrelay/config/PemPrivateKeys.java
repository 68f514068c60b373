package io.mailrelay.config;

import java.io.IOException;
import java.io.Reader;
import java.security.PrivateKey;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/** An unencrypted PEM private key (PKCS#1 or PKCS#8): the TLS key file and the DKIM key files. */
public final class PemPrivateKeys {
    private PemPrivateKeys() {
    }

    /** @param source what the PEM is named in messages (a file, a Secret) */
    public static PrivateKey read(Reader pem, String source) {
        try (PEMParser parser = new PEMParser(pem)) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            for (Object item = parser.readObject(); item != null; item = parser.readObject()) {
                if (item instanceof PEMKeyPair pair) {
                    return converter.getPrivateKey(pair.getPrivateKeyInfo());
                }
                if (item instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(source + " is not a PEM private key: " + e.getMessage());
        }
        throw new IllegalArgumentException(source + " holds no unencrypted PEM private key (PKCS#1 or PKCS#8)");
    }
}
