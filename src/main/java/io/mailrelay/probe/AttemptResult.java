package io.mailrelay.probe;

import java.util.List;

/**
 * What one relay attempt did and got.
 *
 * @param id the attempt's stable identifier (see {@link AttemptSuite})
 * @param description what it tries
 * @param mailFrom reverse path used ("" = null sender)
 * @param rcptTo forward path used
 * @param outcome how it ended
 * @param connection which connection of the run it used (1-based; 0 when not run)
 * @param detail one line that explains the outcome (the deciding reply, or the error)
 * @param transcript every command sent for this attempt and the reply received, in order
 */
public record AttemptResult(String id, String description, String mailFrom, String rcptTo, AttemptOutcome outcome,
        int connection, String detail, List<Exchange> transcript) {

    public AttemptResult {
        transcript = List.copyOf(transcript);
    }

    static AttemptResult notRun(RelayAttempt attempt, String why) {
        return new AttemptResult(attempt.id(), attempt.description(), attempt.mailFrom(), attempt.rcptTo(),
                AttemptOutcome.NOT_RUN, 0, why, List.of());
    }
}
