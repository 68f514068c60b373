package io.mailrelay.relay.dkim;

import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;

/**
 * ed25519-sha256 (RFC 8463 section 3): PureEdDSA Ed25519 over the SHA-256 digest of the canonicalised header data,
 * as a {@link Signature} that jDKIM can feed the way it feeds SHA256withRSA. Signing only.
 */
final class Ed25519Sha256 extends Signature {
    private MessageDigest digest;
    private PrivateKey key;

    Ed25519Sha256() {
        super("Ed25519-SHA256");
    }

    @Override
    protected void engineInitSign(PrivateKey privateKey) throws InvalidKeyException {
        if (!"Ed25519".equalsIgnoreCase(privateKey.getAlgorithm()) && !"EdDSA".equalsIgnoreCase(privateKey.getAlgorithm())) {
            throw new InvalidKeyException("not an Ed25519 key: " + privateKey.getAlgorithm());
        }
        this.key = privateKey;
        try {
            this.digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    protected void engineInitVerify(PublicKey publicKey) throws InvalidKeyException {
        throw new InvalidKeyException("ed25519-sha256 here only signs");
    }

    @Override
    protected void engineUpdate(byte b) {
        digest.update(b);
    }

    @Override
    protected void engineUpdate(byte[] b, int off, int len) {
        digest.update(b, off, len);
    }

    @Override
    protected byte[] engineSign() throws SignatureException {
        try {
            Signature ed25519 = Signature.getInstance("Ed25519");
            ed25519.initSign(key);
            ed25519.update(digest.digest());
            return ed25519.sign();
        } catch (GeneralSecurityException e) {
            throw new SignatureException(e);
        }
    }

    @Override
    protected boolean engineVerify(byte[] sigBytes) throws SignatureException {
        throw new SignatureException("ed25519-sha256 here only signs");
    }

    @Override
    @Deprecated
    protected void engineSetParameter(String param, Object value) {
        throw new UnsupportedOperationException();
    }

    @Override
    @Deprecated
    protected Object engineGetParameter(String param) {
        throw new UnsupportedOperationException();
    }
}
