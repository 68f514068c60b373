package io.mailrelay.api;

/**
 * The keys of the Secrets a MailRelay names (users files, smarthost credentials, DKIM keys), as the field
 * descriptions promise them, and of the Secrets the operator generates in the same shape.
 */
public final class SecretKeys {

    /** An authentication users file (lines {@code user:{SCHEME}hash}). */
    public static final String USERS = "users";
    public static final String USERNAME = "username";
    public static final String PASSWORD = "password";
    /** A DKIM private key, PEM (PKCS#8 RSA or Ed25519, or PKCS#1 RSA). */
    public static final String DKIM_PRIVATE_KEY = "private.pem";

    private SecretKeys() {
    }
}
