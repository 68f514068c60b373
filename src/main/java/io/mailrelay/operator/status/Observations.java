package io.mailrelay.operator.status;

import java.util.List;

import io.mailrelay.api.DkimRecordStatus;
import io.mailrelay.api.QueueStatus;
import io.mailrelay.api.RelayForStatus;
import io.mailrelay.api.UpstreamStatus;
import io.mailrelay.operator.check.ConfigProblem;
import io.mailrelay.operator.check.Risk;
import io.mailrelay.operator.probing.ProbeRun;
import io.mailrelay.operator.queue.ScaleDownPlan;

/**
 * Everything one reconciliation observed, from which {@link StatusComposer} builds the whole status (the aggregator
 * of the Keycloak operator): the reconciler gathers, the composer decides, nobody patches status fields after it.
 * A null part was not observed this time; what the composer does then is said per part.
 *
 * @param failure     why the owned objects were not applied; null when they were (or nothing was tried)
 * @param probe       the latest probe run of this operator process; null: none yet (status.probe stays)
 * @param podsRead    true when this operator reads the relay pods' queues and upstream checks (false only in tests
 *                    of the workload alone): QueueHealthy and UpstreamReady are then reported, Unknown before a reading
 * @param queue       the latest queue reading; null: none yet (the previous figures stay)
 * @param upstreams   the latest upstream checks; null: none yet (the previous list stays)
 * @param relayFor    the pods relayFor selects and how many relay pods hold them; null: no relayFor
 * @param scaleDown   this reconciliation's scale-down; null: it did not get that far (Draining stays as it was)
 * @param dkim        this reconciliation's DKIM records; null: it did not get that far (the previous ones stay)
 */
public record Observations(List<ConfigProblem> problems, List<Risk> risks, WorkloadState workload,
        ApplyFailure failure, ProbeRun probe, boolean podsRead, QueueStatus queue, List<UpstreamStatus> upstreams,
        RelayForStatus relayFor, ScaleDownPlan scaleDown, List<DkimRecordStatus> dkim) {

    public Observations {
        problems = List.copyOf(problems);
        risks = List.copyOf(risks);
    }

    /** What the spec checks found and what runs: nothing else observed yet. */
    public static Observations of(List<ConfigProblem> problems, List<Risk> risks, WorkloadState workload) {
        return new Observations(problems, risks, workload, null, null, false, null, null, null, null, null);
    }

    public Observations withFailure(ApplyFailure failure) {
        return new Observations(problems, risks, workload, failure, probe, podsRead, queue, upstreams, relayFor,
                scaleDown, dkim);
    }

    public Observations withProbe(ProbeRun probe) {
        return new Observations(problems, risks, workload, failure, probe, podsRead, queue, upstreams, relayFor,
                scaleDown, dkim);
    }

    /** The latest readings of the relay pods' queues and upstream checks (each null before the first). */
    public Observations withPodsRead(QueueStatus queue, List<UpstreamStatus> upstreams) {
        return new Observations(problems, risks, workload, failure, probe, true, queue, upstreams, relayFor,
                scaleDown, dkim);
    }

    public Observations withRelayFor(RelayForStatus relayFor) {
        return new Observations(problems, risks, workload, failure, probe, podsRead, queue, upstreams, relayFor,
                scaleDown, dkim);
    }

    public Observations withScaleDown(ScaleDownPlan scaleDown) {
        return new Observations(problems, risks, workload, failure, probe, podsRead, queue, upstreams, relayFor,
                scaleDown, dkim);
    }

    public Observations withDkim(List<DkimRecordStatus> dkim) {
        return new Observations(problems, risks, workload, failure, probe, podsRead, queue, upstreams, relayFor,
                scaleDown, dkim);
    }
}
