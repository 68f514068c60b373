package io.mailrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import com.google.common.net.InetAddresses;

/**
 * The pods relayFor selects, as the operator pushes them: each may relay like an allowed network, and is exempt from
 * the per-client limits like one; an address leaves at once with the next set; nothing else gains anything.
 */
@Tag("smtp")
class RelayWorkloadClientsSmtpTest {
    static final String POD = "127.0.0.21";
    static final String OTHER_POD = "127.0.0.22";

    private static String relayAttempt(RelayFixture relay, String from) {
        try (RawSmtp smtp = relay.connect(from)) {
            smtp.command("EHLO app.test");
            smtp.command("MAIL FROM:<app@sender.test>");
            return smtp.command("RCPT TO:<customer@external.test>");
        }
    }

    private static List<InetAddress> addresses(String... texts) {
        return java.util.Arrays.stream(texts).map(InetAddresses::forString).toList();
    }

    @Test
    void aPushedPodAddressRelaysUntilTheNextSetLeavesItOut() {
        try (RelayFixture relay = RelayFixture.start()) {
            assertThat(relayAttempt(relay, POD)).startsWith("554 5.7.1");

            relay.server.workloadClients().replace("r1", addresses(POD), Instant.now());
            assertThat(relayAttempt(relay, POD)).startsWith("250");
            assertThat(relayAttempt(relay, OTHER_POD)).startsWith("554 5.7.1");
            assertThat(relayAttempt(relay, RelayFixture.ALLOWED_CLIENT)).as("allowedNetworks unchanged").startsWith("250");

            relay.server.workloadClients().replace("r2", addresses(OTHER_POD), Instant.now());
            assertThat(relayAttempt(relay, POD)).as("deleted pod").startsWith("554 5.7.1");
            assertThat(relayAttempt(relay, OTHER_POD)).startsWith("250");

            relay.server.workloadClients().replace("r3", List.of(), Instant.now());
            assertThat(relayAttempt(relay, OTHER_POD)).startsWith("554 5.7.1");
        }
    }

    /** Postfix smtpd_client_event_limit_exceptions holds for them as for allowedNetworks. */
    @Test
    void podsRelayForSelectsAreExemptFromThePerClientRateLikeAllowedNetworks() {
        try (RelayFixture relay = RelayFixture.start("""
                limits:
                  maxMessagesPerClientPerMinute: 2
                """)) {
            relay.server.workloadClients().replace("r1", addresses(POD), Instant.now());
            try (RawSmtp pod = relay.connect(POD); RawSmtp outsider = relay.connect("127.0.0.23")) {
                pod.command("EHLO app.test");
                outsider.command("EHLO outsider.test");
                for (int i = 0; i < 5; i++) {
                    assertThat(pod.command("MAIL FROM:<app@sender.test>")).as("pod, message %d", i + 1).startsWith("250");
                    assertThat(pod.command("RSET")).startsWith("250");
                }
                for (int i = 0; i < 2; i++) {
                    assertThat(outsider.command("MAIL FROM:<x@sender.test>")).startsWith("250");
                    assertThat(outsider.command("RSET")).startsWith("250");
                }
                assertThat(outsider.command("MAIL FROM:<x@sender.test>")).startsWith("450 4.7.1");
            }
        }
    }
}
