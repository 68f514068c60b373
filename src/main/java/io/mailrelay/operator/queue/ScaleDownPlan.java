package io.mailrelay.operator.queue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.mailrelay.relay.admin.DrainReport;

/**
 * The sequencing of a StatefulSet scale-down (issue 10): the ordinals from {@code wanted} up to {@code current} go
 * away, each hands its queue to a surviving ordinal ({@code ordinal % wanted}, so the load spreads over the
 * survivors), and the StatefulSet's replicas are lowered only once every leaving pod says its drain is done. Pure:
 * the drain reports come in, the plan says what to ask and what to apply.
 *
 * <p>A pod that stays but still drains (the scale-down was undone, or made smaller, before it ended) is told to take
 * mail again ({@code DELETE /admin/drain}): {@link #resume}. A persistence switch ({@link #switchOver}) hands the
 * old workload's pods' queues to the new workload's pods the same way.
 *
 * @param what what is happening, for the Draining condition ("scaling down from 3 to 1 replicas")
 * @param replicas what the StatefulSet's replicas are to be now
 * @param leaving the pods that go away, with their survivor and what to do about them
 * @param resume the pods that stay but still drain: their drain is cancelled
 * @param draining true while some leaving pod still holds mail or was not asked yet, or a drain is being cancelled
 */
public record ScaleDownPlan(String what, int replicas, List<Leaving> leaving, List<String> resume, boolean draining) {

    /** What a leaving pod needs now. */
    public enum Step {
        /** Not asked yet, or asked for another peer: POST /admin/drain with its peer. */
        ASK,
        /** Asked; still delivering or forwarding. */
        WAIT,
        /** Its queue is empty and no session is open: it may go. */
        DONE,
        /** No pod, or its admin endpoint does not answer: nothing can be known, nothing is removed. */
        UNREACHABLE,
        /** Its peer has no address yet (starting, or gone): nowhere to hand the queue to. */
        NO_PEER
    }

    /**
     * @param peerSmtp the survivor's SMTP host:port, null when it has none
     * @param report the leaving pod's drain report, null when it did not answer
     */
    public record Leaving(String pod, String peerPod, String peerSmtp, DrainReport report, Step step) {

        String describe() {
            return switch (step) {
                case ASK -> pod + ": asking it to hand its queue to " + peerPod;
                case WAIT -> pod + ": " + report.queued() + " messages left, " + report.sessions() + " sessions open ("
                        + report.state().name().toLowerCase() + ", to " + peerPod + ")";
                case DONE -> pod + ": drained";
                case UNREACHABLE -> pod + ": no answer from its admin endpoint, its queue stays where it is";
                case NO_PEER -> pod + ": waiting for " + peerPod + " to have an address";
            };
        }
    }

    /** No scale-down: the StatefulSet gets {@code replicas} as they are. */
    public static ScaleDownPlan none(int replicas) {
        return new ScaleDownPlan("no scale-down", replicas, List.of(), List.of(), false);
    }

    /**
     * A persistence switch: each old pod hands its queue to a ready pod of the new workload (in turn); the old
     * workload may be deleted once they are all drained ({@code !draining()}).
     *
     * @param what e.g. "switching the spool from emptyDir to PersistentVolumeClaims"
     * @param oldPods the old workload's pods; @param newPods the new workload's ready pods, in order
     */
    public static ScaleDownPlan switchOver(String what, List<String> oldPods, List<String> newPods,
            Map<String, String> peers, Map<String, DrainReport> reports) {
        List<Leaving> leaving = new ArrayList<>();
        for (int i = 0; i < oldPods.size(); i++) {
            String pod = oldPods.get(i);
            String peerPod = newPods.isEmpty() ? "a ready pod of the new workload" : newPods.get(i % newPods.size());
            String peerSmtp = newPods.isEmpty() ? null : peers.get(peerPod);
            leaving.add(new Leaving(pod, peerPod, peerSmtp, reports.get(pod), step(reports.get(pod), peerSmtp)));
        }
        boolean done = leaving.stream().allMatch(l -> l.step() == Step.DONE);
        return new ScaleDownPlan(what, 0, List.copyOf(leaving), List.of(), !done);
    }

    /**
     * @param name the StatefulSet's name (pods are {@code name-<ordinal>})
     * @param current the StatefulSet's spec.replicas now
     * @param wanted the MailRelay's spec.replicas
     * @param peers pod name → its SMTP host:port, for the pods that have one
     * @param reports pod name → its drain report, for the pods that were asked and answered
     */
    public static ScaleDownPlan of(String name, int current, int wanted, Map<String, String> peers,
            Map<String, DrainReport> reports) {
        List<String> resume = new ArrayList<>();
        for (int ordinal = 0; ordinal < Math.min(current, wanted); ordinal++) {
            DrainReport report = reports.get(name + "-" + ordinal);
            if (report != null && report.state() != DrainReport.State.ACCEPTING) {
                resume.add(name + "-" + ordinal);
            }
        }
        if (wanted >= current || wanted <= 0) {
            // scaling up, or to zero (no survivor: the SIGTERM drain is all there is)
            return new ScaleDownPlan("scale-down undone (" + current + " to " + wanted + " replicas)", wanted, List.of(),
                    List.copyOf(resume), !resume.isEmpty());
        }
        List<Leaving> leaving = new ArrayList<>();
        for (int ordinal = current - 1; ordinal >= wanted; ordinal--) {
            String pod = name + "-" + ordinal;
            String peerPod = name + "-" + (ordinal % wanted);
            String peerSmtp = peers.get(peerPod);
            DrainReport report = reports.get(pod);
            leaving.add(new Leaving(pod, peerPod, peerSmtp, report, step(report, peerSmtp)));
        }
        boolean done = leaving.stream().allMatch(l -> l.step() == Step.DONE);
        return new ScaleDownPlan("scaling down from " + current + " to " + wanted + " replicas", done ? wanted : current,
                List.copyOf(leaving), List.copyOf(resume), !done || !resume.isEmpty());
    }

    private static Step step(DrainReport report, String peerSmtp) {
        if (report == null) {
            return Step.UNREACHABLE;
        }
        if (report.drained() && report.peer() != null) {
            return Step.DONE; // drained is drained, whichever survivor took the mail
        }
        if (peerSmtp == null) {
            return Step.NO_PEER;
        }
        return report.state() == DrainReport.State.ACCEPTING || !peerSmtp.equals(report.peer()) ? Step.ASK : Step.WAIT;
    }

    /** Messages still queued on the leaving pods (those that answered). */
    public int messagesLeft() {
        return leaving.stream().filter(l -> l.report() != null).mapToInt(l -> l.report().queued()).sum();
    }

    /** For the Draining condition: every leaving pod and where it is. */
    public String describe() {
        List<String> lines = new ArrayList<>(leaving.stream().map(Leaving::describe).toList());
        resume.forEach(pod -> lines.add(pod + ": stays, its drain is cancelled (taking mail again)"));
        return what + (leaving.isEmpty() ? "" : ", " + messagesLeft() + " messages left") + ": "
                + (lines.isEmpty() ? "waiting" : String.join("; ", lines));
    }
}
