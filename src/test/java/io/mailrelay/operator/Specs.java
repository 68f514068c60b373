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
    public static MailRelaySpec minimal() {
        MailRelaySpec spec = new MailRelaySpec();
        spec.allowedNetworks = List.of("10.20.0.0/16");
        spec.outbound = new Outbound();
        spec.outbound.mode = OutboundMode.MX;
        return spec;
    }
}
