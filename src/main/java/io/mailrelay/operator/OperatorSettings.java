package io.mailrelay.operator;

import java.util.List;

/**
 * What the reconciler needs to know about the operator itself.
 *
 * @param relayImage image of relay pods whose MailRelay names none (the operator's own image)
 * @param operatorNamespace namespace the operator (and so the probe) runs in: let through the relays'
 *        NetworkPolicies; null when unknown
 * @param relayImagePullSecrets pull secrets of relay pods that run {@code relayImage} and name none: Secrets
 *        of these names must exist in the relays' namespaces
 */
public record OperatorSettings(String relayImage, String operatorNamespace, List<String> relayImagePullSecrets) {

    public OperatorSettings {
        relayImagePullSecrets = relayImagePullSecrets == null ? List.of() : List.copyOf(relayImagePullSecrets);
    }

    public OperatorSettings(String relayImage, String operatorNamespace) {
        this(relayImage, operatorNamespace, List.of());
    }

    public static final String FIELD_MANAGER = "mailrelay-operator";
}
