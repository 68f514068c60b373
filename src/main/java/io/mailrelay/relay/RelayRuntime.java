package io.mailrelay.relay;

import io.mailrelay.relay.config.RelayConfig;
import io.mailrelay.relay.spool.MessageSpool;

/**
 * The one place where relay mode gets its durable spool (and, with it, delivery). The durable
 * implementation ({@code io.mailrelay.relay.spool.FileMessageSpool}) and the delivery service are built
 * on another branch; until they are merged here, relay mode refuses to start rather than accept mail
 * into anything that is not durable.
 */
public final class RelayRuntime {
    private RelayRuntime() {
    }

    /** @throws UnsupportedOperationException until the durable spool is wired in */
    public static MessageSpool createSpool(RelayConfig config) {
        throw new UnsupportedOperationException("no durable spool is wired into this build yet (spool.directory "
                + config.spool().directory() + "): relay mode needs FileMessageSpool and the delivery service");
    }
}
