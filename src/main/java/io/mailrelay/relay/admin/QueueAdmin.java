package io.mailrelay.relay.admin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.jboss.logging.Logger;

import io.mailrelay.relay.delivery.DeliveryActivity;
import io.mailrelay.relay.delivery.DeliveryService.Action;
import io.mailrelay.relay.delivery.DeliveryService;
import io.mailrelay.relay.spool.FileMessageSpool;
import io.mailrelay.relay.spool.RecipientState;
import io.mailrelay.relay.spool.SpooledMessage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The queue as an administrator sees and steers it (Postfix's mailq, postqueue -f, postsuper -d/-h/-H): every
 * action is logged in one line and counted in {@code mailrelay.admin.actions} (tags action, result).
 */
public final class QueueAdmin {
    private static final Logger LOG = Logger.getLogger(QueueAdmin.class);

    /** The reply a message returned to its sender by the administrator carries in the DSN. */
    static final String BOUNCE_REPLY = "550 5.0.0 Returned to sender by the relay's administrator";

    /** What can be done to one message. */
    public enum MessageAction { FLUSH, DELETE, HOLD, RELEASE, BOUNCE;

        public static Optional<MessageAction> parse(String name) {
            for (MessageAction action : values()) {
                if (action.name().equalsIgnoreCase(name)) {
                    return Optional.of(action);
                }
            }
            return Optional.empty();
        }

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final FileMessageSpool spool;
    private final DeliveryService delivery;
    private final MeterRegistry registry;
    private final Clock clock;

    public QueueAdmin(FileMessageSpool spool, DeliveryService delivery, MeterRegistry registry) {
        this(spool, delivery, registry, Clock.systemUTC());
    }

    QueueAdmin(FileMessageSpool spool, DeliveryService delivery, MeterRegistry registry, Clock clock) {
        this.spool = spool;
        this.delivery = delivery;
        this.registry = registry;
        this.clock = clock;
    }

    public QueueReport report(boolean summary) {
        Instant now = clock.instant();
        List<SpooledMessage> queued = new ArrayList<>(spool.queued());
        int held = 0;
        int deferred = 0;
        List<QueueReport.Message> messages = new ArrayList<>();
        Map<String, String> waiting = summary ? Map.of() : delivery.rateLimitedNow();
        for (SpooledMessage message : List.copyOf(queued)) {
            long size = size(message);
            if (size < 0) {
                queued.remove(message); // delivered or deleted while this report was made
                continue;
            }
            boolean onHold = spool.isHeld(message.id());
            held += onHold ? 1 : 0;
            List<String> pending = message.state().pendingRecipients();
            deferred += (int) pending.stream().filter(rcpt -> message.state().recipients().get(rcpt).reply() != null)
                    .count();
            if (!summary) {
                messages.add(new QueueReport.Message(message.id(), message.envelope().mailFrom(), pending,
                        size, ageSeconds(message, now), message.state().attempts(), lastReply(message, pending),
                        onHold, waiting.get(message.id())));
            }
        }
        long oldest = queued.isEmpty() ? 0 : ageSeconds(queued.get(0), now);
        DeliveryActivity activity = delivery.activity();
        DeliveryActivity.LastError error = activity.lastError();
        DeliveryActivity.Counts hour = activity.lastHour();
        return new QueueReport(queued.size(), held, oldest, deferred,
                error == null ? null : new QueueReport.LastError(error.reply(), error.nextHop(), error.at()),
                new QueueReport.LastHour(hour.delivered(), hour.deferred(), hour.bounced()),
                summary ? null : messages);
    }

    /** Every message waiting for a retry is tried now (postqueue -f); held ones stay held. */
    public void flushAll(String client) {
        delivery.retryNow();
        logged("flush", "*", client, Action.DONE);
    }

    public Action apply(MessageAction action, String id, String client) throws IOException {
        Action result = switch (action) {
            case FLUSH -> delivery.flush(id);
            case DELETE -> delivery.delete(id);
            case HOLD -> delivery.hold(id);
            case RELEASE -> delivery.release(id);
            case BOUNCE -> delivery.bounce(id, BOUNCE_REPLY);
        };
        return logged(action.label(), id, client, result);
    }

    private Action logged(String action, String id, String client, Action result) {
        LOG.infof("admin: action=%s id=%s client=%s result=%s", action, id, client,
                result.name().toLowerCase(Locale.ROOT));
        Counter.builder("mailrelay.admin.actions").tag("action", action)
                .tag("result", result.name().toLowerCase(Locale.ROOT))
                .description("queue admin actions by action and result").register(registry).increment();
        return result;
    }

    private static long ageSeconds(SpooledMessage message, Instant now) {
        return Math.max(0, Duration.between(message.envelope().receivedAt(), now).toSeconds());
    }

    private static String lastReply(SpooledMessage message, List<String> pending) {
        String reply = null;
        for (String recipient : pending) {
            RecipientState state = message.state().recipients().get(recipient);
            if (state.reply() != null) {
                reply = state.reply();
            }
        }
        return reply;
    }

    /** -1 when the message is gone. */
    private static long size(SpooledMessage message) {
        try {
            return message.bodySize();
        } catch (NoSuchFileException gone) {
            return -1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
