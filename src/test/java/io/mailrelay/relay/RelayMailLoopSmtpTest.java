package io.mailrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.mailrelay.relay.config.RelayConfigLoader;
import io.mailrelay.testing.Exec;
import io.mailrelay.testing.FreePort;
import io.mailrelay.testing.SinkMessage;
import io.mailrelay.testing.SmtpSink;
import io.mailrelay.testing.Swaks;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Mail the relay would send to itself is refused at RCPT with 554 5.4.6 when the next hop is known then: a local
 * domain whose deliverTo is the relay (its hostname, or its own address and port), or the smarthost being the relay.
 * From an outsider, an allow-listed client and an authenticated one, on raw sockets; the other recipients of the same
 * configuration are still accepted and delivered (a real smtp-sink). The relay's hostname is localhost, so that a
 * missing check would resolve it from /etc/hosts, never from DNS.
 */
@Tag("smtp")
class RelayMailLoopSmtpTest {
    private static final String OUTSIDER = "127.0.0.3";
    private static final String ALLOWED = RelayFixture.ALLOWED_CLIENT;

    @RegisterExtension
    static final SmtpSink sink = new SmtpSink();

    private RelayRuntime runtime;
    private RelayServer relay;
    private SimpleMeterRegistry registry;

    /** @param smarthostIsTheRelay the smarthost is the relay's own address and port (a loop), else the sink */
    private void start(boolean smarthostIsTheRelay) throws Exception {
        start(smarthostIsTheRelay, "");
    }

    /** @param routes more of the outbound flow mapping, e.g. {@code ", senderRoutes: [...]"} ({@code %1$d}: the port) */
    private void start(boolean smarthostIsTheRelay, String routes) throws Exception {
        Path dir = Files.createTempDirectory("relay-loop");
        Files.writeString(dir.resolve("users"), RelayFixture.userLine(RelayFixture.USER, RelayFixture.PASSWORD));
        int port = FreePort.pick();
        Path config = Files.writeString(dir.resolve("relay.yaml"), """
                server: {listenAddress: 127.0.0.1, port: %1$d, hostname: localhost}
                allowedNetworks: [127.0.0.2/32]
                localDomains:
                  - {domain: byname.test, deliverTo: "LocalHost:25", recipientCheck: none}
                  - {domain: byport.test, deliverTo: "127.0.0.1:%1$d"}
                  - {domain: loopback.test, deliverTo: "127.0.0.7:%1$d", recipientCheck: none}
                  - {domain: company.test, deliverTo: "127.0.0.1:%2$d", recipientCheck: none}
                authentication: {usersFile: %3$s, allowWithoutTls: true}
                outbound: {mode: smarthost, smarthost: {host: 127.0.0.1, port: %4$d, tls: none}%6$s}
                spool: {directory: %5$s, retrySchedule: [1s]}
                """.formatted(port, sink.port(), dir.resolve("users"), smarthostIsTheRelay ? port : sink.port(),
                dir.resolve("spool"), routes.replace("%1$d", String.valueOf(port))));
        var parsed = RelayConfigLoader.load(config);
        registry = new SimpleMeterRegistry();
        runtime = RelayRuntime.start(parsed, registry);
        relay = new RelayServer(parsed, runtime.spool(), registry).start();
    }

    @AfterEach
    void stop() {
        if (relay != null) {
            relay.close();
            runtime.close();
        }
    }

    private static String loop(String recipient, String domain) {
        return "554 5.4.6 <" + recipient + ">: Recipient address rejected: mail for " + domain + " loops back to myself";
    }

    private RawSmtp session(String client) {
        RawSmtp smtp = RawSmtp.connect(client, relay.port());
        assertThat(smtp.reply()).startsWith("220");
        assertThat(smtp.command("EHLO client.test")).startsWith("250");
        return smtp;
    }

    private double connections() {
        return registry.get("mailrelay.relay.connections").counter().count();
    }

    @Test
    void aLocalDomainDeliveredToTheRelayItselfIsRefusedAtRcptFromEveryClientAndNoCalloutAsksTheRelay()
            throws IOException, Exception {
        start(false);
        for (String client : List.of(OUTSIDER, ALLOWED, "authenticated")) {
            boolean authenticated = client.equals("authenticated");
            try (RawSmtp smtp = session(authenticated ? OUTSIDER : client)) {
                if (authenticated) {
                    assertThat(smtp.command("AUTH PLAIN " + RelayFixture.plain(RelayFixture.USER, RelayFixture.PASSWORD)))
                            .startsWith("235");
                }
                assertThat(smtp.command("MAIL FROM:<partner@example.net>")).startsWith("250");
                assertThat(smtp.command("RCPT TO:<bob@byname.test>")).isEqualTo(loop("bob@byname.test", "byname.test"));
                // recipientCheck callout (the default) would ask deliverTo, the relay itself: no callout at all
                assertThat(smtp.command("RCPT TO:<bob@byport.test>")).isEqualTo(loop("bob@byport.test", "byport.test"));
                assertThat(smtp.command("RCPT TO:<bob@loopback.test>"))
                        .isEqualTo(loop("bob@loopback.test", "loopback.test"));
                assertThat(smtp.command("RCPT TO:<bob@company.test>")).startsWith("250 2.1.5");
                assertThat(smtp.command("DATA")).startsWith("354");
                assertThat(smtp.command("Subject: " + client + "\r\n\r\nhello\r\n.")).startsWith("250 2.0.0");
            }
        }
        Exec.Result swaks = Swaks.send("127.0.0.1", relay.port(), "--local-interface", OUTSIDER,
                "--from", "partner@example.net", "--to", "bob@byport.test", "--header", "Subject: swaks loop");
        assertThat(swaks.exitCode()).isNotZero();
        assertThat(swaks.stdout()).contains("554 5.4.6 <bob@byport.test>: Recipient address rejected");
        assertThat(connections()).as("only the test's own sessions reached the relay").isEqualTo(4);
        await().atMost(Duration.ofSeconds(120)).until(() -> sink.messages().size() == 3);
        assertThat(sink.messages()).extracting(SinkMessage::recipients).containsOnly(List.of("bob@company.test"));
        assertThat(registry.get("mailrelay.relay.recipients.rejected").tag("reason", "mail_loop").counter().count())
                .as("3 sessions x 3 looping domains, and swaks").isEqualTo(10);
    }

    @Test
    void aSenderOrRecipientRouteToTheRelayItselfIsRefusedAtRcptAndTheOtherRowsStillDeliver() throws Exception {
        start(false, ", senderRoutes: [{domain: loop.test, smarthost: {host: 127.0.0.1, port: %1$d, tls: none}}]"
                + ", recipientRoutes: [{domain: selfroute.test, smarthost: {host: 127.0.0.9, port: %1$d, tls: none}}]");
        try (RawSmtp smtp = session(ALLOWED)) {
            // mail from loop.test would go back to the relay, for any recipient its sender route takes
            assertThat(smtp.command("MAIL FROM:<app@loop.test>")).startsWith("250");
            assertThat(smtp.command("RCPT TO:<x@far.test>")).isEqualTo(loop("x@far.test", "far.test"));
            assertThat(smtp.command("RCPT TO:<y@selfroute.test>")).isEqualTo(loop("y@selfroute.test", "selfroute.test"));
            assertThat(smtp.command("RCPT TO:<bob@company.test>")).startsWith("250 2.1.5"); // the local row first
            assertThat(smtp.command("DATA")).startsWith("354");
            assertThat(smtp.command("Subject: from loop.test\r\n\r\nhello\r\n.")).startsWith("250 2.0.0");
            // another sender goes to the smarthost; the recipient route still loops whoever sends
            assertThat(smtp.command("MAIL FROM:<app@other.test>")).startsWith("250");
            assertThat(smtp.command("RCPT TO:<x@far.test>")).startsWith("250 2.1.5");
            assertThat(smtp.command("RCPT TO:<y@selfroute.test>")).isEqualTo(loop("y@selfroute.test", "selfroute.test"));
            assertThat(smtp.command("DATA")).startsWith("354");
            assertThat(smtp.command("Subject: from other.test\r\n\r\nhello\r\n.")).startsWith("250 2.0.0");
        }
        await().atMost(Duration.ofSeconds(120)).until(() -> sink.messages().size() == 2);
        assertThat(sink.messages()).extracting(SinkMessage::recipients)
                .containsExactlyInAnyOrder(List.of("bob@company.test"), List.of("x@far.test"));
        assertThat(registry.get("mailrelay.relay.recipients.rejected").tag("reason", "mail_loop").counter().count())
                .isEqualTo(3);
        assertThat(connections()).as("only the test's own session reached the relay").isEqualTo(1);
    }

    @Test
    void withTheSmarthostBeingTheRelayRelayedRecipientsAreRefusedAndLocalOnesStillAccepted() throws Exception {
        start(true);
        try (RawSmtp smtp = session(ALLOWED)) {
            assertThat(smtp.command("MAIL FROM:<app@inside.test>")).startsWith("250");
            assertThat(smtp.command("RCPT TO:<customer@external.test>"))
                    .isEqualTo(loop("customer@external.test", "external.test"));
            assertThat(smtp.command("RCPT TO:<bob@company.test>")).startsWith("250 2.1.5");
            assertThat(smtp.command("DATA")).startsWith("354");
            assertThat(smtp.command("Subject: smarthost loop\r\n\r\nhello\r\n.")).startsWith("250 2.0.0");
        }
        try (RawSmtp smtp = session(OUTSIDER)) { // an outsider is refused as before: relaying is not for it
            assertThat(smtp.command("MAIL FROM:<spam@example.net>")).startsWith("250");
            assertThat(smtp.command("RCPT TO:<customer@external.test>")).startsWith("554 5.7.1");
        }
        await().atMost(Duration.ofSeconds(120)).until(() -> sink.messages().size() == 1);
        assertThat(sink.messages()).extracting(SinkMessage::recipients).containsExactly(List.of("bob@company.test"));
        // the upstream check reports the loop and never connects to the relay itself (no third session)
        await().atMost(Duration.ofSeconds(60)).until(() -> runtime.upstreams().upstreams().stream()
                .anyMatch(u -> u.name().startsWith("smarthost") && u.reply() != null));
        assertThat(runtime.upstreams().upstreams()).filteredOn(u -> u.name().startsWith("smarthost")).singleElement()
                .satisfies(u -> {
                    assertThat(u.ok()).isFalse();
                    assertThat(u.reply()).contains("5.4.6").contains("loops back to myself");
                });
        assertThat(connections()).isEqualTo(2);
    }
}
