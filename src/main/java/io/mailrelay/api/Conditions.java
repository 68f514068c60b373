package io.mailrelay.api;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;

/** MailRelay status conditions (their types are part of the API), kept in the Kubernetes convention (lastTransitionTime moves only when status does). */
public final class Conditions {

    public static final String READY = "Ready";
    public static final String CONFIG_VALID = "ConfigValid";
    /** Every owned object applied; False with ApplyFailed or OwnershipConflict and the reason why. */
    public static final String APPLIED = "Applied";
    public static final String NETWORK_RISK = "NetworkRisk";
    /** Owned by the probe; the reconciler only seeds it. */
    public static final String RELAY_CLOSED = "RelayClosed";
    /** True when the spool is an emptyDir: accepted mail does not survive the pod. */
    public static final String SPOOL_EPHEMERAL = "SpoolEphemeral";
    /** status.queue within spec.queue.alert; Unknown until the pods' queues were read. */
    public static final String QUEUE_HEALTHY = "QueueHealthy";
    /** Every upstream's last check succeeded; False with the failing stage and reply; Unknown before a check. */
    public static final String UPSTREAM_READY = "UpstreamReady";
    /** True while a scale-down waits for the leaving pods to hand their queues to the survivors. */
    public static final String DRAINING = "Draining";

    public static final String TRUE = "True";
    public static final String FALSE = "False";
    public static final String UNKNOWN = "Unknown";

    private final List<Condition> conditions;
    private final long generation;
    private final String now;

    public Conditions(List<Condition> previous, long generation, Instant now) {
        this(new ArrayList<>(previous == null ? List.of() : previous), generation,
                now.truncatedTo(ChronoUnit.SECONDS).toString());
    }

    private Conditions(List<Condition> conditions, long generation, String now) {
        this.conditions = conditions;
        this.generation = generation;
        this.now = now;
    }

    /**
     * The same conditions, set as observing another generation: a condition owned by a slower observer (the probe)
     * names the generation it saw, not the one just applied.
     */
    public Conditions atGeneration(long observed) {
        return new Conditions(conditions, observed, now);
    }

    public static Optional<Condition> find(List<Condition> conditions, String type) {
        return conditions == null ? Optional.empty()
                : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    public Optional<Condition> get(String type) {
        return find(conditions, type);
    }

    public void set(String type, String status, String reason, String message) {
        Optional<Condition> previous = get(type);
        String since = previous.filter(c -> status.equals(c.getStatus()))
                .map(Condition::getLastTransitionTime).orElse(now);
        Condition condition = new ConditionBuilder().withType(type).withStatus(status).withReason(reason)
                .withMessage(message).withObservedGeneration(generation).withLastTransitionTime(since).build();
        previous.ifPresentOrElse(c -> conditions.set(conditions.indexOf(c), condition), () -> conditions.add(condition));
    }

    /** Sets the condition only when nobody has yet (for conditions another component owns). */
    public void seed(String type, String status, String reason, String message) {
        if (get(type).isEmpty()) {
            set(type, status, reason, message);
        }
    }

    public List<Condition> list() {
        return List.copyOf(conditions);
    }
}
