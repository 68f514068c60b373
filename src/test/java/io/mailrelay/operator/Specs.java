package io.mailrelay.operator;

import java.util.List;

import io.mailrelay.api.MailRelay;
import io.mailrelay.api.MailRelaySpec;
import io.mailrelay.api.Outbound;
import io.mailrelay.config.OutboundMode;

/** Plain MailRelay objects for unit tests. */
public final class Specs {

    private Specs() {
    }

    public static MailRelay relay(String name, MailRelaySpec spec) {
        MailRelay relay = new MailRelay();
        relay.getMetadata().setName(name);
        relay.getMetadata().setNamespace("mail");
        relay.getMetadata().setUid("uid-" + name);
        relay.getMetadata().setGeneration(1L);
        relay.setSpec(spec);
        return relay;
    }

    /** Allow-listed 10.20.0.0/16, delivery by MX. */
    /** A MailRelay from the YAML of its spec alone (a text block at any indentation), as kubectl apply would read it. */
    public static MailRelay fromYaml(String name, String namespace, String spec) {
        return io.fabric8.kubernetes.client.utils.Serialization.unmarshal("apiVersion: mailrelay.io/v1alpha1\n"
                + "kind: MailRelay\nmetadata: {name: " + name + ", namespace: " + namespace + "}\nspec:\n"
                + spec.indent(2), MailRelay.class);
    }

    public static MailRelaySpec minimal() {
        MailRelaySpec spec = new MailRelaySpec();
        spec.allowedNetworks = List.of("10.20.0.0/16");
        spec.outbound = new Outbound();
        spec.outbound.mode = OutboundMode.MX;
        return spec;
    }
}
