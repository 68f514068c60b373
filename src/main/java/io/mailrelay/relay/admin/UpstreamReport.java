package io.mailrelay.relay.admin;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.mailrelay.relay.delivery.UpstreamStatus;

/**
 * {@code GET /admin/upstreams}: the last check of every upstream, the smarthost first (docs/relay.md, "Upstream
 * check"); what the operator's status.upstreams and condition UpstreamReady are made from.
 *
 * @param checkEnabled false when {@code upstreamCheck.enabled} is false: the upstreams are listed, never checked
 */
public record UpstreamReport(boolean checkEnabled, List<Upstream> upstreams) {

    /**
     * One upstream's last check.
     *
     * @param name as the delivery log names the next hop: {@code smarthost host:port}, {@code local route -> host:port}
     * @param address host:port
     * @param ok the whole session set-up succeeded (false until the first check)
     * @param stage the stage that failed (Connect, Greeting, Ehlo, StartTls, Certificate, Auth); null when ok or not
     *        checked yet
     * @param reply the server's reply of that stage (or the connection error); when ok, its last reply
     * @param tls the session ran TLS (STARTTLS, or implicit TLS)
     * @param certificateNotAfter the server certificate's notAfter, null without TLS
     * @param certificateExpiresSoon notAfter is within {@code upstreamCheck.certificateExpiryWarning} (or past)
     * @param checkedAt when the check ended; null before the first
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Upstream(String name, String address, boolean ok, String stage, String reply, boolean tls,
            Instant certificateNotAfter, boolean certificateExpiresSoon, Instant checkedAt) {
    }

    /** The upstream check's results on the wire. */
    public static UpstreamReport of(boolean checkEnabled, List<UpstreamStatus> results) {
        return new UpstreamReport(checkEnabled, results.stream().map(r -> new Upstream(r.name(), r.address(), r.ok(),
                r.stage() == null ? null : r.stage().label(), r.reply(), r.tls(), r.certificateNotAfter(),
                r.certificateExpiresSoon(), r.checkedAt())).toList());
    }
}
