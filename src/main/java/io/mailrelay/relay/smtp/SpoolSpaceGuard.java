package io.mailrelay.relay.smtp;

import java.io.IOException;

import org.apache.james.core.MaybeSender;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.protocols.smtp.hook.MailHook;
import org.jboss.logging.Logger;

import io.mailrelay.relay.spool.MessageSpool;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Postfix's queue_minfree: while the spool's file system has less than {@code minFreeSpace} free, MAIL gets
 * {@code 452 4.3.1 Insufficient system storage}, so a client retries later instead of filling the disk with a
 * file that cannot be finished. Meters: {@code mailrelay.spool.free} (bytes) and
 * {@code mailrelay.relay.mail.refused{reason=insufficient_storage}}.
 */
final class SpoolSpaceGuard implements MailHook {
    private static final Logger LOG = Logger.getLogger(SpoolSpaceGuard.class);

    private final MessageSpool spool;
    private final long minFreeSpace;
    private final Counter refused;
    private volatile boolean low;

    SpoolSpaceGuard(MessageSpool spool, long minFreeSpace, MeterRegistry registry) {
        this.spool = spool;
        this.minFreeSpace = minFreeSpace;
        Gauge.builder("mailrelay.spool.free", this, SpoolSpaceGuard::freeBytes).baseUnit("bytes").strongReference(true)
                .description("usable space left on the spool's file system").register(registry);
        this.refused = Counter.builder("mailrelay.relay.mail.refused").tag("reason", "insufficient_storage")
                .description("MAIL commands answered 452 4.3.1 because the spool is below spool.minFreeSpace")
                .register(registry);
    }

    @Override
    public HookResult doMail(SMTPSession session, MaybeSender sender) {
        if (minFreeSpace == 0) {
            return HookResult.DECLINED;
        }
        long free = freeBytes();
        if (free >= minFreeSpace) {
            if (low) {
                low = false;
                LOG.infof("spool has %d bytes free again: accepting mail", free);
            }
            return HookResult.DECLINED;
        }
        refused.increment();
        if (!low) {
            low = true; // logged once per episode, not once per refused MAIL
            LOG.warnf("spool has %d bytes free, below spool.minFreeSpace %d: MAIL gets 452 until space is freed",
                    free, minFreeSpace);
        }
        return HookResult.builder().hookReturnCode(HookReturnCode.denySoft()).smtpReturnCode(SmtpReply.INSUFFICIENT_STORAGE.code)
                .smtpDescription(SmtpReply.INSUFFICIENT_STORAGE.text).build();
    }

    /** 0 when the file system cannot be asked: then nothing can be spooled safely either. */
    private long freeBytes() {
        try {
            return spool.usableSpace();
        } catch (IOException | RuntimeException e) {
            LOG.warnf("free space of the spool unknown: %s", e.toString());
            return 0;
        }
    }
}
