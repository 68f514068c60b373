package io.mailrelay.operator.queue;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

import io.mailrelay.api.QueueStatus;
import io.mailrelay.config.Durations;
import io.mailrelay.relay.admin.QueueReport;

/** The pods' queue reports summed into status.queue. */
public final class QueueSummary {

    private QueueSummary() {
    }

    /** @param reports pod name → its report; {@code unreachable} pods that did not answer */
    public static QueueStatus of(Map<String, QueueReport> reports, int unreachable, Instant readAt) {
        QueueStatus status = new QueueStatus();
        status.depth = 0;
        status.held = 0;
        status.deferredRecipients = 0;
        status.oldestAgeSeconds = 0L;
        status.lastHour = new QueueStatus.LastHour();
        status.lastHour.delivered = 0L;
        status.lastHour.deferred = 0L;
        status.lastHour.bounced = 0L;
        Instant lastErrorAt = null;
        for (Map.Entry<String, QueueReport> entry : reports.entrySet()) {
            QueueReport report = entry.getValue();
            status.depth += report.depth();
            status.held += report.held();
            status.deferredRecipients += report.deferredRecipients();
            status.oldestAgeSeconds = Math.max(status.oldestAgeSeconds, report.oldestAgeSeconds());
            status.lastHour.delivered += report.lastHour().delivered();
            status.lastHour.deferred += report.lastHour().deferred();
            status.lastHour.bounced += report.lastHour().bounced();
            QueueReport.LastError error = report.lastError();
            if (error != null && (lastErrorAt == null || error.at().isAfter(lastErrorAt))) {
                lastErrorAt = error.at();
                status.lastError = new QueueStatus.LastError();
                status.lastError.reply = error.reply();
                status.lastError.nextHop = error.nextHop();
                status.lastError.at = error.at().truncatedTo(ChronoUnit.SECONDS).toString();
                status.lastError.pod = entry.getKey();
            }
        }
        status.oldestAge = Durations.formatAge(status.oldestAgeSeconds);
        status.podsRead = reports.size();
        status.podsUnreachable = unreachable;
        status.readAt = readAt.truncatedTo(ChronoUnit.SECONDS).toString();
        return status;
    }
}
