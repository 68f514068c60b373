package io.mailrelay.probe;

import java.util.List;

/**
 * The relay attempts, after the classic relay checkers: plain relaying with every kind of sender, then
 * the address tricks (percent hack, quoted local parts, doubled @, source routes, UUCP bang paths) that
 * historical mail servers resolved to an external recipient after their relay check had passed, and the
 * role accounts some servers accept at any domain. Each one is explained in docs/probe.md.
 */
public final class AttemptSuite {

    /** Local part of every test address. */
    static final String USER = "relaytest";

    private AttemptSuite() {
    }

    /**
     * @param external the external test domain (e.g. probe.example)
     * @param targetName the target's own name, as it announces itself
     * @param ipLiteral the target's address as an address literal, e.g. {@code [127.0.0.1]}
     */
    public static List<RelayAttempt> of(String external, String targetName, String ipLiteral) {
        String user = USER;
        String ext = user + "@" + external;
        String atName = user + "@" + targetName;
        String atIp = user + "@" + ipLiteral;
        return List.of(
                attempt("external-sender", "external sender to external recipient", ext, ext),
                attempt("unqualified-sender", "sender without a domain", user, ext),
                attempt("null-sender", "null sender (bounce) to external recipient", "", ext),
                attempt("sender-target-name", "sender forged in the target's own name", atName, ext),
                attempt("sender-target-ip", "sender at the target's IP literal", atIp, ext),
                attempt("percent-hack-name", "percent hack through the target's name", atName,
                        user + "%" + external + "@" + targetName),
                attempt("percent-hack-ip", "percent hack through the target's IP literal", atName,
                        user + "%" + external + "@" + ipLiteral),
                attempt("quoted-at", "quoted local part holding the external address", atName,
                        "\"" + ext + "\""),
                attempt("quoted-percent", "quoted local part holding a percent route", atName,
                        "\"" + user + "%" + external + "\""),
                attempt("quoted-at-name", "quoted external address at the target's name", atName,
                        "\"" + ext + "\"@" + targetName),
                attempt("quoted-percent-name", "quoted percent route at the target's name", atName,
                        "\"" + user + "%" + external + "\"@" + targetName),
                attempt("quoted-at-ip", "quoted external address at the target's IP literal", atName,
                        "\"" + ext + "\"@" + ipLiteral),
                attempt("double-at-name", "doubled @ ending at the target's name", atName,
                        ext + "@" + targetName),
                attempt("double-at-ip", "doubled @ ending at the target's IP literal", atName,
                        ext + "@" + ipLiteral),
                attempt("source-route-name", "RFC 821 source route through the target's name", atName,
                        "@" + targetName + ":" + ext),
                attempt("source-route-ip", "RFC 821 source route through the target's IP literal", atName,
                        "@" + ipLiteral + ":" + ext),
                attempt("bang-path", "UUCP bang path without a domain", atName, external + "!" + user),
                attempt("bang-path-name", "UUCP bang path at the target's name", atName,
                        external + "!" + user + "@" + targetName),
                attempt("bang-path-ip", "UUCP bang path at the target's IP literal", atName,
                        external + "!" + user + "@" + ipLiteral),
                attempt("postmaster-external", "role account postmaster at the external domain", ext,
                        "postmaster@" + external),
                attempt("abuse-external", "role account abuse at the external domain", ext,
                        "abuse@" + external));
    }

    private static RelayAttempt attempt(String id, String description, String mailFrom, String rcptTo) {
        return new RelayAttempt(id, description, mailFrom, rcptTo);
    }
}
