package io.mailrelay.operator.queue;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.mailrelay.api.UpstreamStatus;
import io.mailrelay.relay.admin.UpstreamReport;

/**
 * The pods' upstream checks merged into status.upstreams: one entry per upstream (host:port and route: two routes may
 * share a host:port with other credentials), from the pod with the
 * worst result (Failing before Ok before NotChecked; the later check among equals), as each pod checks from its own
 * egress address.
 */
public final class UpstreamSummary {

    private UpstreamSummary() {
    }

    /** @param reports pod name → its report; pods that did not answer are left out */
    public static List<UpstreamStatus> of(Map<String, UpstreamReport> reports) {
        Map<String, UpstreamStatus> worst = new LinkedHashMap<>();
        Map<String, Instant> checkedAt = new LinkedHashMap<>();
        for (Map.Entry<String, UpstreamReport> pod : reports.entrySet()) {
            for (UpstreamReport.Upstream check : pod.getValue().upstreams()) {
                UpstreamStatus candidate = entry(pod.getKey(), check);
                String key = check.address() + " " + check.name();
                UpstreamStatus current = worst.get(key);
                if (current == null || rank(candidate) > rank(current) || (rank(candidate) == rank(current)
                        && check.checkedAt() != null && (checkedAt.get(key) == null
                                || check.checkedAt().isAfter(checkedAt.get(key))))) {
                    worst.put(key, candidate);
                    checkedAt.put(key, check.checkedAt());
                }
            }
        }
        List<UpstreamStatus> upstreams = new ArrayList<>(worst.values());
        upstreams.sort(Comparator.comparingInt(u -> u.route.startsWith("smarthost") ? 0 : 1)); // the smarthost first
        return upstreams;
    }

    private static int rank(UpstreamStatus status) {
        return switch (status.state) {
            case UpstreamStatus.FAILING -> 2;
            case UpstreamStatus.OK -> 1;
            default -> 0;
        };
    }

    private static UpstreamStatus entry(String pod, UpstreamReport.Upstream check) {
        UpstreamStatus status = new UpstreamStatus();
        status.upstream = check.address();
        status.route = check.name();
        status.pod = pod;
        if (check.checkedAt() == null) {
            status.state = UpstreamStatus.NOT_CHECKED;
            return status;
        }
        status.state = check.ok() ? UpstreamStatus.OK : UpstreamStatus.FAILING;
        status.stage = check.stage();
        status.message = check.reply();
        status.tls = check.tls();
        status.certificateNotAfter = time(check.certificateNotAfter());
        status.certificateExpiresSoon = check.certificateNotAfter() == null ? null : check.certificateExpiresSoon();
        status.lastCheckTime = time(check.checkedAt());
        return status;
    }

    private static String time(Instant instant) {
        return instant == null ? null : instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
