package io.mailrelay.probe;

/**
 * An observation beside the verdict.
 *
 * @param code what kind of finding
 * @param message the evidence, for people
 */
public record Finding(FindingCode code, String message) {
}
