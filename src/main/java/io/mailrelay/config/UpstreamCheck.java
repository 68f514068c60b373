package io.mailrelay.config;

import java.time.Duration;
import java.util.Objects;

/**
 * {@code upstreamCheck} of relay.yaml (docs/relay.md, "Upstream check"): how often the relay checks its upstreams
 * (the smarthost and every local route's {@code deliverTo}) with delivery's own SMTP client: connect, greeting, EHLO,
 * STARTTLS, certificate, AUTH, then QUIT, never MAIL. Absent: the defaults (on, every 5 minutes, 14 days).
 *
 * @param enabled false: no check, {@code GET /admin/upstreams} lists the upstreams unchecked
 * @param interval between two rounds; the first runs at start
 * @param certificateExpiryWarning a certificate that expires within this is flagged ({@code certificateExpiresSoon})
 */
public record UpstreamCheck(Boolean enabled, Duration interval, Duration certificateExpiryWarning) {

    /** This section with the documented default of every absent field. */
    public UpstreamCheck withDefaults() {
        return new UpstreamCheck(Objects.requireNonNullElse(enabled, true),
                Objects.requireNonNullElse(interval, Duration.ofMinutes(5)),
                Objects.requireNonNullElse(certificateExpiryWarning, Duration.ofDays(14)));
    }
}
