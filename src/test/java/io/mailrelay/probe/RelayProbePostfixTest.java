package io.mailrelay.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.mailrelay.config.HostPort;
import io.mailrelay.testing.PostfixInstance;
import io.mailrelay.testing.SmtpSink;

/** The probe against a real Postfix, open, closed and open only through a routing trick. */
@Tag("smtp")
class RelayProbePostfixTest {

    /** Where Postfix would relay to; the probe never sends DATA, so it must stay empty. */
    @RegisterExtension
    static final SmtpSink sink = new SmtpSink();

    private static ProbeOptions from(String sourceAddress) throws Exception {
        return ProbeOptions.defaults().toBuilder().sourceAddress(InetAddress.getByName(sourceAddress))
                .connectTimeout(Duration.ofSeconds(5)).commandTimeout(Duration.ofSeconds(10)).build();
    }

    /** Probes, from 127.0.0.9, a Postfix that relays for its mynetworks and with the given main.cf settings. */
    private static ProbeReport probePostfix(String mynetworks, String... settings) throws Exception {
        PostfixInstance.Builder builder = PostfixInstance.builder()
                .set("mynetworks", mynetworks)
                .set("smtpd_relay_restrictions", "permit_mynetworks, reject_unauth_destination")
                .relayTo(sink.host(), sink.port());
        for (int i = 0; i < settings.length; i += 2) {
            builder.set(settings[i], settings[i + 1]);
        }
        try (PostfixInstance postfix = builder.start()) {
            ProbeReport report = RelayProbe.run(new HostPort(postfix.host(), postfix.port()), from("127.0.0.9"));
            assertThat(postfix.log()).contains("connect from unknown[127.0.0.9]");
            return report;
        }
    }

    @Test
    void postfixRelayingForTheProbesNetworkIsOpen() throws Exception {
        ProbeReport report = probePostfix("127.0.0.0/8");

        assertThat(report.verdict()).isEqualTo(Verdict.OPEN);
        assertThat(report.serverName()).isEqualTo("postfix.test");
        assertThat(report.acceptedAttempts()).contains("external-sender", "null-sender", "sender-target-name",
                "postmaster-external", "abuse-external");
        assertThat(sink.messages()).isEmpty();
    }

    @Test
    void postfixRestrictedToOtherNetworksIsClosedWithEveryAttemptRefused() throws Exception {
        ProbeReport report = probePostfix("127.0.0.1/32");

        assertThat(report.verdict()).isEqualTo(Verdict.CLOSED);
        assertThat(report.attempts()).hasSizeGreaterThanOrEqualTo(16).allSatisfy(a -> {
            assertThat(a.outcome()).isEqualTo(AttemptOutcome.REFUSED);
            assertThat(a.transcript()).isNotEmpty().allSatisfy(e -> assertThat(e.sent()).doesNotStartWith("DATA"));
        });
        assertThat(report.acceptedAttempts()).isEmpty();
        assertThat(report.sessions()).first()
                .satisfies(s -> assertThat(s.localAddress()).startsWith("127.0.0.9:"));
    }

    /**
     * Postfix relays for its relay_domains; allow_untrusted_routing=yes lets a recipient in such a domain
     * carry sender-specified routing (user%remote, "user@remote", user@remote, remote!user in the local
     * part), which the relay host then forwards outside. Only the attempts whose recipient ends in the
     * target's own name with a routing operator in the local part get through; the source route is
     * stripped by Postfix (so it is plainly external) and the IP literal is not a relay domain.
     */
    @Test
    void untrustedRoutingToARelayDomainIsOpenOnExactlyTheRoutingTricks() throws Exception {
        ProbeReport withRouting = probeRelayDomainPostfix("yes");
        assertThat(withRouting.verdict()).isEqualTo(Verdict.OPEN);
        assertThat(withRouting.acceptedAttempts()).containsExactly("percent-hack-name", "quoted-at-name",
                "quoted-percent-name", "double-at-name", "bang-path-name");
        assertThat(withRouting.attempts()).filteredOn(a -> a.id().equals("percent-hack-name")).singleElement()
                .satisfies(a -> {
                    assertThat(a.rcptTo()).isEqualTo("relaytest%probe.example@postfix.test");
                    assertThat(a.transcript().get(1).replyCode()).isEqualTo(250);
                });

        // the same Postfix with the default allow_untrusted_routing=no refuses every one of them
        ProbeReport withoutRouting = probeRelayDomainPostfix("no");
        assertThat(withoutRouting.verdict()).isEqualTo(Verdict.CLOSED);
        assertThat(sink.messages()).isEmpty();
    }

    private static ProbeReport probeRelayDomainPostfix(String allowUntrustedRouting) throws Exception {
        return probePostfix("127.0.0.1/32", "relay_domains", "postfix.test",
                "allow_untrusted_routing", allowUntrustedRouting);
    }
}
