package io.mailrelay.probe;

import java.util.List;

/** How attempt outcomes become a verdict. */
final class VerdictRule {

    record Decision(Verdict verdict, String reason, List<String> accepted) {
    }

    private VerdictRule() {
    }

    /**
     * OPEN if any attempt was accepted; CLOSED if there were attempts and every one was refused with
     * 5xx; INCONCLUSIVE otherwise (no session, temporary failures, errors, attempts not run).
     *
     * @param noSession why no attempt could run, or null when a session was established
     */
    static Decision decide(List<AttemptResult> attempts, String noSession) {
        List<String> accepted = attempts.stream().filter(a -> a.outcome() == AttemptOutcome.ACCEPTED)
                .map(AttemptResult::id).toList();
        if (!accepted.isEmpty()) {
            return new Decision(Verdict.OPEN, accepted.size() + " of " + attempts.size()
                    + " relay attempts accepted: " + String.join(", ", accepted), accepted);
        }
        if (noSession != null) {
            return new Decision(Verdict.INCONCLUSIVE, noSession, accepted);
        }
        long refused = attempts.stream().filter(a -> a.outcome() == AttemptOutcome.REFUSED).count();
        if (!attempts.isEmpty() && refused == attempts.size()) {
            return new Decision(Verdict.CLOSED, "all " + refused + " relay attempts refused with 5xx", accepted);
        }
        return new Decision(Verdict.INCONCLUSIVE, refused + " of " + attempts.size()
                + " relay attempts refused with 5xx, none accepted; the others: " + others(attempts), accepted);
    }

    /**
     * CLOSED for a forged PROXY header the server answered by closing the connection before its greeting:
     * it refused the claimed address (no attempt could run, and none was needed).
     */
    static Decision headerRefused(String reason) {
        return new Decision(Verdict.CLOSED, reason, List.of());
    }

    /** Every attempt that got an answer got 4xx, and there was at least one. */
    static boolean onlyTemporaryFailures(List<AttemptResult> attempts) {
        List<AttemptResult> answered = attempts.stream()
                .filter(a -> a.outcome() != AttemptOutcome.ERROR && a.outcome() != AttemptOutcome.NOT_RUN).toList();
        return !answered.isEmpty() && answered.stream().allMatch(a -> a.outcome() == AttemptOutcome.TEMPFAIL);
    }

    private static String others(List<AttemptResult> attempts) {
        return String.join(", ", attempts.stream().filter(a -> a.outcome() != AttemptOutcome.REFUSED)
                .map(a -> a.id() + " " + a.outcome()).toList());
    }
}
