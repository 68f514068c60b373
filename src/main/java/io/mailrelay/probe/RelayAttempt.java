package io.mailrelay.probe;

/**
 * One relay test: a transaction MAIL FROM:&lt;mailFrom&gt; RCPT TO:&lt;rcptTo&gt; that a closed relay must
 * refuse, because the recipient is (or is routed to) the external test domain.
 *
 * @param id stable identifier, e.g. {@code percent-hack-name} (documented in docs/probe.md)
 * @param description what the attempt tries, for people
 * @param mailFrom the reverse path without angle brackets ("" is the null sender)
 * @param rcptTo the forward path without angle brackets
 */
public record RelayAttempt(String id, String description, String mailFrom, String rcptTo) {
}
