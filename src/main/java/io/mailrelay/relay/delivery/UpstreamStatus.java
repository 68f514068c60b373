package io.mailrelay.relay.delivery;

import java.time.Instant;

/**
 * The last check of one upstream (docs/relay.md, "Upstream check"); {@code GET /admin/upstreams} puts it on the wire
 * ({@code UpstreamReport}).
 *
 * @param name as the delivery log names the next hop: {@code smarthost host:port}, {@code local route -> host:port}
 * @param address host:port
 * @param ok the whole session set-up succeeded (false until the first check)
 * @param stage the stage that failed; null when ok or not checked yet
 * @param reply the server's reply of that stage (or the connection error); when ok, its last reply (AUTH's 235, or EHLO's)
 * @param tls the session ran TLS (STARTTLS, or implicit TLS)
 * @param certificateNotAfter the server certificate's notAfter, null without TLS
 * @param certificateExpiresSoon notAfter is within {@code upstreamCheck.certificateExpiryWarning} (or past)
 * @param checkedAt when the check ended; null before the first
 */
public record UpstreamStatus(String name, String address, boolean ok, Stage stage, String reply, boolean tls,
        Instant certificateNotAfter, boolean certificateExpiresSoon, Instant checkedAt) {

    /** The stages of a session set-up, in order. */
    public enum Stage {
        CONNECT("Connect"),
        GREETING("Greeting"),
        EHLO("Ehlo"),
        STARTTLS("StartTls"),
        CERTIFICATE("Certificate"),
        AUTH("Auth");

        private final String label;

        Stage(String label) {
            this.label = label;
        }

        /** The name on the wire, in status and in condition reasons: Connect, Greeting, Ehlo, StartTls, Certificate, Auth. */
        public String label() {
            return label;
        }
    }

    static UpstreamStatus unchecked(String name, String address) {
        return new UpstreamStatus(name, address, false, null, null, false, null, false, null);
    }
}
