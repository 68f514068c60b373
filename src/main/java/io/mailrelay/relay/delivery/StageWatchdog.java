package io.mailrelay.relay.delivery;

import java.io.IOException;
import java.net.Socket;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.mailrelay.concurrent.DaemonThreads;

/**
 * Enforces the time limit of the stage one SMTP client session is in: when the stage's deadline passes, the
 * socket is closed, which ends the blocked read or write at once (a socket read timeout cannot bound writes to a
 * peer that stopped reading, nor a whole stage). In the content stage every write that makes progress pushes the
 * deadline on, as Postfix's smtp_data_xfer_timeout is a limit on no progress, not on the message's size.
 */
final class StageWatchdog {

    /**
     * One timer for all sessions: its tasks only compare a deadline and maybe close a socket. A cancelled alarm
     * leaves its queue at once: kept until its time (up to smtp_data_done_timeout, 600 s), the alarms of every stage
     * of every message, each holding its session, were most of the heap under sustained load (6 a message: an
     * OutOfMemoryError in a 24m heap, docs/benchmarks.md).
     */
    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private final SmtpTimeouts timeouts;
    private Socket socket;
    private SmtpStage stage = SmtpStage.GREETING;
    private ScheduledFuture<?> alarm;
    private volatile long deadline;
    private volatile SmtpStage expired;
    private boolean stopped;

    StageWatchdog(SmtpTimeouts timeouts) {
        this.timeouts = timeouts;
    }

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, DaemonThreads.named("smtp-stage-timer"));
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    /** Alarms waiting in the timer now, over all sessions. */
    static int pendingAlarms() {
        return TIMER.getQueue().size();
    }

    /** The connection is up: from now on the greeting's limit runs. */
    synchronized void watch(Socket connected) {
        this.socket = connected;
        enter(SmtpStage.GREETING);
    }

    synchronized void enter(SmtpStage next) {
        if (stopped || socket == null) {
            return;
        }
        stage = next;
        deadline = System.nanoTime() + next.limit(timeouts).toNanos();
        if (alarm != null) {
            alarm.cancel(false);
        }
        alarm = TIMER.schedule(this::check, next.limit(timeouts).toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Bytes of the message went out: the content stage has more time (no scheduling: the alarm re-checks). */
    void progress() {
        if (stage == SmtpStage.DATA_XFER) {
            deadline = System.nanoTime() + SmtpStage.DATA_XFER.limit(timeouts).toNanos();
        }
    }

    /** The TCP connection was made (the greeting is awaited from then on). */
    synchronized boolean connected() {
        return socket != null;
    }

    /** The stage whose limit ended the session, or null. */
    SmtpStage expired() {
        return expired;
    }

    /** A description for the recipients' reply, e.g. "timed out after DATA (smtp_data_done_timeout 600s)". */
    String describeExpiry() {
        SmtpStage stage = expired;
        return stage == null ? null : "timed out in stage " + stage.name().toLowerCase() + " (" + stage.postfixName
                + " " + stage.limit(timeouts).toSeconds() + "s)";
    }

    synchronized void stop() {
        stopped = true;
        if (alarm != null) {
            alarm.cancel(false);
        }
    }

    private synchronized void check() {
        if (stopped) {
            return;
        }
        long left = deadline - System.nanoTime();
        if (left > 0) {
            alarm = TIMER.schedule(this::check, left, TimeUnit.NANOSECONDS);
            return;
        }
        expired = stage;
        stopped = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing is all that is wanted; the session reports the expiry
        }
    }
}
