package io.mailrelay.operator;

/**
 * What the reconciler needs to know about the operator itself.
 *
 * @param relayImage image of relay pods whose MailRelay names none (the operator's own image)
 * @param operatorNamespace namespace the operator (and so the probe) runs in: let through the relays'
 *        NetworkPolicies; null when unknown
 */
public record OperatorSettings(String relayImage, String operatorNamespace) {

    public static final String FIELD_MANAGER = "mailrelay-operator";
}
