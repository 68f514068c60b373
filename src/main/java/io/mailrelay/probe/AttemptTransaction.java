package io.mailrelay.probe;

import java.util.List;

/**
 * One relay attempt on an open session: MAIL FROM, RCPT TO (only when MAIL was accepted), then RSET to
 * leave the session clean for the next attempt. Never DATA: nothing is ever sent.
 */
final class AttemptTransaction {

    /**
     * @param outcome how the attempt ended
     * @param detail the deciding reply or error, on one line
     * @param connectionLost the session is gone (no reply, 421): worth one retry on a new connection
     * @param authRequired some reply was 530
     */
    record Result(AttemptOutcome outcome, String detail, boolean connectionLost, boolean authRequired) {
    }

    private AttemptTransaction() {
    }

    /** Runs the attempt within its deadline, appending every exchange to the transcript. */
    static Result run(SmtpSession session, RelayAttempt attempt, Deadline deadline, List<Exchange> transcript) {
        Exchange mail = session.command("MAIL FROM:<" + attempt.mailFrom() + ">", deadline);
        transcript.add(mail);
        if (!mail.positive()) {
            return judge(mail, "MAIL FROM", false, session);
        }
        Exchange rcpt = session.command("RCPT TO:<" + attempt.rcptTo() + ">", deadline);
        transcript.add(rcpt);
        Result result = judge(rcpt, "RCPT TO", true, session);
        if (session.usable()) {
            Exchange rset = session.command("RSET", deadline);
            transcript.add(rset);
            if (!rset.positive()) {
                session.close(); // a session we cannot reset is not trusted for the next attempt
            }
        }
        return result;
    }

    private static Result judge(Exchange reply, String step, boolean recipient, SmtpSession session) {
        boolean lost = !session.usable();
        if (!reply.hasReply()) {
            return new Result(AttemptOutcome.ERROR, step + ": " + reply.error(), true, false);
        }
        String text = step + " got " + firstLine(reply);
        int code = reply.replyCode();
        if (recipient && (code == 250 || code == 251)) {
            return new Result(AttemptOutcome.ACCEPTED, text, lost, false);
        }
        if (reply.transientNegative()) {
            return new Result(AttemptOutcome.TEMPFAIL, text, lost, false);
        }
        if (reply.permanentNegative()) {
            return new Result(AttemptOutcome.REFUSED, text, lost, code == 530);
        }
        return new Result(AttemptOutcome.ERROR, text + " (unexpected reply)", lost, false);
    }

    private static String firstLine(Exchange reply) {
        return reply.reply().isEmpty() ? String.valueOf(reply.replyCode()) : reply.reply().get(0);
    }
}
