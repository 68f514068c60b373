package io.mailrelay.probe;

/** Kinds of findings reported beside the verdict (stable names: part of the JSON contract). */
public enum FindingCode {
    /** The greeting banner, as received. */
    BANNER,
    /** The server refused the connection at the greeting (421 or 554). */
    SERVICE_REFUSED,
    /** No TCP (or implicit TLS) connection could be made. */
    CONNECTION_FAILED,
    /**
     * The TCP connection was made but the server closed it, or stayed silent, without a greeting: what a
     * PROXY-protocol-only server does to a client without a header (or with one it does not believe).
     */
    NO_GREETING,
    /** The probe sent a PROXY header claiming another client address first on every connection. */
    PROXY_HEADER,
    /** The server relayed for a forged PROXY header from an untrusted address: anyone can claim an allowed address. */
    PROXY_SPOOFABLE,
    /** The server advertised AUTH on a connection without TLS: passwords could travel in clear text. */
    AUTH_BEFORE_TLS,
    /** The server did not offer STARTTLS on the plain connection. */
    STARTTLS_NOT_OFFERED,
    /** STARTTLS was offered but the command was refused or the TLS handshake failed. */
    STARTTLS_FAILED,
    /** The attempts ran over TLS (STARTTLS or implicit); the message names the protocol and cipher. */
    TLS_USED,
    /** The server answered 530: it relays only for authenticated clients, closed for anonymous ones. */
    AUTH_REQUIRED,
    /** Every attempt that got an answer got a temporary 4xx answer: nothing can be concluded. */
    TEMPORARY_FAILURES_ONLY,
    /** The connection dropped or timed out during the run and a new one was opened. */
    RECONNECTED,
    /** The cap on the whole run was reached before every attempt ran. */
    MAX_DURATION_REACHED
}
