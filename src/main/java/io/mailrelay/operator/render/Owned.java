package io.mailrelay.operator.render;

import io.mailrelay.operator.naming.RelayLabels;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.mailrelay.api.MailRelay;

/** Metadata of an object owned by a MailRelay: deleted with it by the garbage collector. */
final class Owned {

    private Owned() {
    }

    static ObjectMeta meta(MailRelay relay, String name) {
        return new ObjectMetaBuilder()
                .withName(name)
                .withNamespace(relay.getMetadata().getNamespace())
                .withLabels(RelayLabels.all(relay))
                .withOwnerReferences(new OwnerReferenceBuilder()
                        .withApiVersion(relay.getApiVersion())
                        .withKind(relay.getKind())
                        .withName(relay.getMetadata().getName())
                        .withUid(relay.getMetadata().getUid())
                        .withController(true)
                        .withBlockOwnerDeletion(true)
                        .build())
                .build();
    }
}
