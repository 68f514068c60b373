package io.mailrelay.operator;

import java.util.List;
import java.util.function.BooleanSupplier;

import io.mailrelay.operator.render.RelayUid;

/**
 * What the reconciler needs to know about the operator itself.
 *
 * @param relayImage image of relay pods whose MailRelay names none (the operator's own image)
 * @param operatorNamespace namespace the operator (and so the probe) runs in: let through the relays'
 *        NetworkPolicies; null when unknown
 * @param relayImagePullSecrets pull secrets of relay pods that run {@code relayImage} and name none: Secrets
 *        of these names must exist in the relays' namespaces
 * @param relayUid the relay pods' UID, GID and fsGroup, or none (the platform's), {@code mailrelay.relay-uid}
 */
public record OperatorSettings(String relayImage, String operatorNamespace, List<String> relayImagePullSecrets,
        RelayUid relayUid) {

    public OperatorSettings {
        relayImagePullSecrets = relayImagePullSecrets == null ? List.of() : List.copyOf(relayImagePullSecrets);
        relayUid = relayUid == null ? RelayUid.AUTO : relayUid;
    }

    public OperatorSettings(String relayImage, String operatorNamespace, List<String> relayImagePullSecrets) {
        this(relayImage, operatorNamespace, relayImagePullSecrets, RelayUid.AUTO);
    }

    public OperatorSettings(String relayImage, String operatorNamespace) {
        this(relayImage, operatorNamespace, List.of());
    }

    /** With {@code relayUid: auto} decided for the cluster the operator runs against. */
    public OperatorSettings onCluster(BooleanSupplier openShift) {
        return relayUid.isAuto() ? new OperatorSettings(relayImage, operatorNamespace, relayImagePullSecrets,
                relayUid.decided(openShift)) : this;
    }

    public static final String FIELD_MANAGER = "mailrelay-operator";
}
