package io.mailrelay.operator.status;

import io.mailrelay.api.Conditions;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import io.fabric8.kubernetes.api.model.Condition;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.MailRelayStatus;
import io.mailrelay.api.UpstreamStatus;

/**
 * Events for what changed between the previous and the new status, so that the same state is never
 * reported twice however often the relay is reconciled.
 */
public final class TransitionEvents {

    private TransitionEvents() {
    }

    public static void record(RelayEvents events, MailRelay relay, MailRelayStatus before, MailRelayStatus after) {
        List<Condition> old = before == null ? null : before.conditions;
        changed(old, after.conditions, Conditions.CONFIG_VALID).ifPresent(c -> {
            if (Conditions.FALSE.equals(c.getStatus())) {
                events.warning(relay, "InvalidConfig", c.getMessage());
            } else if (Conditions.find(old, Conditions.CONFIG_VALID).isPresent()) {
                events.normal(relay, "ConfigValid", "configuration is valid again and applied");
            }
        });
        changed(old, after.conditions, Conditions.APPLIED).ifPresent(c -> {
            if (Conditions.FALSE.equals(c.getStatus()) && !"ConfigInvalid".equals(c.getReason())) {
                events.warning(relay, c.getReason(), c.getMessage()); // once per distinct message
            } else if (Conditions.TRUE.equals(c.getStatus()) && Conditions.find(old, Conditions.APPLIED)
                    .filter(previous -> Conditions.FALSE.equals(previous.getStatus())).isPresent()) {
                events.normal(relay, "Applied", "every owned object is applied again");
            }
        });
        changed(old, after.conditions, Conditions.NETWORK_RISK)
                .filter(c -> Conditions.TRUE.equals(c.getStatus()))
                .ifPresent(c -> events.warning(relay, c.getReason(), c.getMessage()));
        changed(old, after.conditions, Conditions.SPOOL_EPHEMERAL)
                .filter(c -> Conditions.TRUE.equals(c.getStatus()))
                .ifPresent(c -> events.warning(relay, "SpoolEphemeral", c.getMessage()));
        relayClosedTransition(events, relay, old, after.conditions);
        queueTransition(events, relay, old, after.conditions);
        upstreamTransition(events, relay, old, after.conditions);
        certificatesExpiring(events, relay, before == null ? null : before.upstreams, after.upstreams);
        drainingTransition(events, relay, old, after.conditions);
        changed(old, after.conditions, Conditions.READY)
                .filter(c -> Conditions.TRUE.equals(c.getStatus()))
                .ifPresent(c -> events.normal(relay, "Ready", c.getMessage()));
    }

    /**
     * A Warning when the probe finds the relay open (again, or with other accepted attempts), a Normal event
     * when it is closed after having been open or unproven; identical results repeat nothing.
     */
    private static void relayClosedTransition(RelayEvents events, MailRelay relay, List<Condition> before,
            List<Condition> after) {
        Optional<Condition> previous = Conditions.find(before, Conditions.RELAY_CLOSED);
        Conditions.find(after, Conditions.RELAY_CLOSED).ifPresent(now -> {
            boolean sameReason = previous.isPresent() && Objects.equals(previous.get().getReason(), now.getReason());
            if (Conditions.FALSE.equals(now.getStatus())) {
                if (!sameReason || !Objects.equals(previous.get().getMessage(), now.getMessage())) {
                    events.warning(relay, now.getReason(), now.getMessage());
                }
            } else if (!sameReason && previous.isPresent() && !"NotProbedYet".equals(now.getReason())
                    && !"ProbeDisabled".equals(now.getReason())) {
                if (Conditions.TRUE.equals(now.getStatus())) {
                    events.normal(relay, "RelayClosed", now.getMessage());
                } else {
                    events.warning(relay, now.getReason(), now.getMessage());
                }
            }
        });
    }

    /** A Warning when the queue becomes unhealthy, a Normal event when it is healthy again; nothing in between. */
    private static void queueTransition(RelayEvents events, MailRelay relay, List<Condition> before,
            List<Condition> after) {
        String was = Conditions.find(before, Conditions.QUEUE_HEALTHY).map(Condition::getStatus).orElse(null);
        Conditions.find(after, Conditions.QUEUE_HEALTHY).ifPresent(now -> {
            if (Conditions.FALSE.equals(now.getStatus()) && !Conditions.FALSE.equals(was)) {
                events.warning(relay, now.getReason(), now.getMessage());
            } else if (Conditions.TRUE.equals(now.getStatus()) && Conditions.FALSE.equals(was)) {
                events.normal(relay, "QueueHealthy", now.getMessage());
            }
        });
    }

    /**
     * A Warning when UpstreamReady turns False, and again whenever the failing stage changes (Connect, then Auth, ...);
     * a Normal event when it turns True.
     */
    private static void upstreamTransition(RelayEvents events, MailRelay relay, List<Condition> before,
            List<Condition> after) {
        Optional<Condition> previous = Conditions.find(before, Conditions.UPSTREAM_READY);
        Conditions.find(after, Conditions.UPSTREAM_READY).ifPresent(now -> {
            boolean same = previous.isPresent() && Objects.equals(previous.get().getStatus(), now.getStatus())
                    && Objects.equals(previous.get().getReason(), now.getReason());
            if (same) {
                return;
            }
            if (Conditions.FALSE.equals(now.getStatus())) {
                events.warning(relay, "Upstream" + now.getReason(), now.getMessage());
            } else if (Conditions.TRUE.equals(now.getStatus()) && !"NothingToCheck".equals(now.getReason())) {
                events.normal(relay, "UpstreamReady", now.getMessage());
            }
        });
    }

    /** A Warning once per upstream certificate (upstream and notAfter) that expires soon. */
    private static void certificatesExpiring(RelayEvents events, MailRelay relay, List<UpstreamStatus> before,
            List<UpstreamStatus> after) {
        if (after == null) {
            return;
        }
        for (UpstreamStatus upstream : after) {
            if (!Boolean.TRUE.equals(upstream.certificateExpiresSoon)) {
                continue;
            }
            boolean told = before != null && before.stream().anyMatch(b -> Objects.equals(b.upstream, upstream.upstream)
                    && Boolean.TRUE.equals(b.certificateExpiresSoon)
                    && Objects.equals(b.certificateNotAfter, upstream.certificateNotAfter));
            if (!told) {
                events.warning(relay, "CertificateExpiresSoon", "the TLS certificate of " + upstream.route
                        + " expires at " + upstream.certificateNotAfter + " (pod " + upstream.pod + ")");
            }
        }
    }

    /** A Normal event when a scale-down starts handing queues on, and when it is done; not for every figure. */
    private static void drainingTransition(RelayEvents events, MailRelay relay, List<Condition> before,
            List<Condition> after) {
        String was = Conditions.find(before, Conditions.DRAINING).map(Condition::getStatus).orElse(null);
        Conditions.find(after, Conditions.DRAINING).ifPresent(now -> {
            if (Conditions.TRUE.equals(now.getStatus()) && !Conditions.TRUE.equals(was)) {
                events.normal(relay, "Draining", now.getMessage());
            } else if (Conditions.FALSE.equals(now.getStatus()) && Conditions.TRUE.equals(was)) {
                events.normal(relay, "Drained", "the leaving replicas handed their queues on: replicas lowered");
            }
        });
    }

    /** The new condition when its status, reason or message differs from the old one. */
    private static Optional<Condition> changed(List<Condition> before, List<Condition> after, String type) {
        Optional<Condition> previous = Conditions.find(before, type);
        return Conditions.find(after, type).filter(now -> previous.isEmpty()
                || !Objects.equals(previous.get().getStatus(), now.getStatus())
                || !Objects.equals(previous.get().getReason(), now.getReason())
                || !Objects.equals(previous.get().getMessage(), now.getMessage()));
    }
}
