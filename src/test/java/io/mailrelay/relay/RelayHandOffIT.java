package io.mailrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.mailrelay.testing.FreePort;
import io.mailrelay.testing.SinkMessage;
import io.mailrelay.testing.SmtpSink;

/**
 * The hand-off between two packaged relays (POST /admin/drain): the first one stops accepting, delivers for
 * handOff.deliverFor, then forwards what is left to the peer over SMTP with the hand-off credentials; the upstream
 * (Postfix smtp-sink) is down throughout the hand-off and comes up afterwards. Messages are counted on both sides;
 * a kill -9 in the middle of a hand-off loses nothing. The peer's loop rule exempts the hand-off user only.
 */
@Tag("smtp")
class RelayHandOffIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PEER_USER = "mailrelay-peer";
    private static final String PEER_PASSWORD = "peer-secret-for-the-test";
    private static final String TOKEN = "hand-off-test-token";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void theQueueGoesToThePeerWhileTheUpstreamIsDownAndArrivesOnceItIsBack() throws Exception {
        Path dir = Files.createTempDirectory("relay-hand-off");
        int upstreamPort = FreePort.pick(); // nothing listens there yet: the upstream is down
        PackagedRelay first = relay(dir.resolve("first"), upstreamPort, "1h", "3s", "");
        PackagedRelay peer = relay(dir.resolve("peer"), upstreamPort, "1s", "3s", peerExtras(dir));
        try (SmtpSink upstream = new SmtpSink().onPort(upstreamPort)) {
            Set<String> acknowledged = new LinkedHashSet<>();
            int messages = 40;
            try (RawSmtp smtp = RawSmtp.connect(RelayFixture.ALLOWED_CLIENT, first.smtpPort())) {
                smtp.reply();
                smtp.command("EHLO client.test");
                for (int i = 0; i < messages - 2; i++) {
                    send(smtp, "sender@client.test", List.of("user@example.test"), "queued-" + i, acknowledged);
                }
                send(smtp, "", List.of("user@example.test"), "null-sender", acknowledged);
                send(smtp, "sender@client.test", List.of("user@example.test", "second@example.test"), "two-recipients",
                        acknowledged);
            }
            assertThat(acknowledged).hasSize(messages);
            // every message was tried once and waits an hour for its retry: only the hand-off moves it now
            Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> first.queueFiles(".state") == messages);

            JsonNode started = post(first, "/admin/drain", "{\"peer\": \"127.0.0.1:" + peer.smtpPort() + "\"}", 202);
            assertThat(started.get("state").asText()).isIn("DELIVERING", "FORWARDING");
            try (RawSmtp late = RawSmtp.connect(RelayFixture.ALLOWED_CLIENT, first.smtpPort())) {
                assertThat(late.reply()).startsWith("421 4.3.2");
            }
            JsonNode drained = awaitDrained(first);
            long leftInFirst = first.queueFiles(".msg");
            long inPeer = peer.queueFiles(".msg");
            System.out.printf("hand-off with the upstream down: acknowledged=%d left-in-first-spool=%d "
                    + "in-peer-spool=%d drain=%s%n", acknowledged.size(), leftInFirst, inPeer, drained);
            assertThat(leftInFirst).isZero();
            assertThat(inPeer).isEqualTo(messages);

            upstream.start();
            Awaitility.await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
                    .until(() -> upstream.testIds().containsAll(acknowledged));
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> peer.queueFiles(".msg") == 0);
            Map<String, Integer> counts = upstream.testIdCounts();
            int arrived = counts.values().stream().mapToInt(Integer::intValue).sum();
            System.out.printf("hand-off then upstream up: acknowledged=%d arrived=%d duplicates=%d "
                    + "left-in-first-spool=%d left-in-peer-spool=%d%n", acknowledged.size(), counts.size(),
                    arrived - counts.size(), first.queueFiles(".msg"), peer.queueFiles(".msg"));
            assertThat(counts.keySet()).containsAll(acknowledged);

            // the original envelope: the null sender stays null, both recipients of one message travel together
            SinkMessage bounce = arrivedWith(upstream, "null-sender");
            assertThat(bounce.mailFrom()).isEmpty();
            SinkMessage both = arrivedWith(upstream, "two-recipients");
            assertThat(upstream.messages().stream().filter(m -> m.text().contains("X-Test-Id: two-recipients"))
                    .flatMap(m -> m.recipients().stream()).toList())
                    .containsExactlyInAnyOrder("user@example.test", "second@example.test");
            // the bytes as the first relay spooled them, with the peer's Received: line on top; hops still count
            assertThat(both.textWithoutSinkReceived().split("by relay.test \\(mailrelay\\)", -1)).hasSize(3);
            assertThat(both.text()).contains("body of two-recipients");
        } finally {
            first.process().kill();
            peer.process().kill();
        }
    }

    @Test
    void thePeerUserIsExemptFromTheLoopRuleAndOtherAuthenticatedUsersAreNot() throws Exception {
        Path dir = Files.createTempDirectory("relay-hand-off-loop");
        PackagedRelay peer = relay(dir.resolve("peer"), FreePort.pick(), "1h", "3s", peerExtras(dir));
        try {
            // self.test is delivered to relay.test, the peer's own hostname (as every replica's)
            String alice = rcptAfterAuth(peer, "alice", "alice-password", "someone@self.test");
            String handOff = rcptAfterAuth(peer, PEER_USER, PEER_PASSWORD, "someone@self.test");
            String wrongPassword = authOnly(peer, PEER_USER, "not-the-password");
            System.out.printf("loop rule: alice -> %s | hand-off user -> %s | wrong password -> %s%n", alice, handOff,
                    wrongPassword);
            assertThat(alice).startsWith("554 5.4.6").contains("loops back to myself");
            assertThat(handOff).startsWith("250");
            assertThat(wrongPassword).startsWith("535");
            // an outsider that did not authenticate may not relay at all
            try (RawSmtp outsider = RawSmtp.connect("127.0.0.5", peer.smtpPort())) {
                outsider.reply();
                outsider.command("EHLO outsider.test");
                outsider.command("MAIL FROM:<x@outsider.test>");
                assertThat(outsider.command("RCPT TO:<victim@remote.test>")).startsWith("554 5.7.1");
            }
        } finally {
            peer.process().kill();
        }
    }

    @Test
    void aCancelledDrainTakesMailAgainAndDeliversToItsOwnNextHop() throws Exception {
        Path dir = Files.createTempDirectory("relay-hand-off-cancel");
        try (SmtpSink upstream = new SmtpSink().start()) {
            PackagedRelay first = relay(dir.resolve("first"), upstream.port(), "1h", "1h", "");
            try {
                post(first, "/admin/drain", "{\"peer\": \"127.0.0.1:" + FreePort.pick() + "\"}", 202);
                try (RawSmtp refused = RawSmtp.connect(RelayFixture.ALLOWED_CLIENT, first.smtpPort())) {
                    assertThat(refused.reply()).startsWith("421 4.3.2");
                }
                HttpResponse<String> cancelled = HTTP.send(request(first, "/admin/drain").DELETE().build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);
                assertThat(JSON.readTree(cancelled.body()).get("state").asText()).isEqualTo("ACCEPTING");
                Set<String> acknowledged = new LinkedHashSet<>();
                try (RawSmtp smtp = RawSmtp.connect(RelayFixture.ALLOWED_CLIENT, first.smtpPort())) {
                    assertThat(smtp.reply()).startsWith("220");
                    smtp.command("EHLO client.test");
                    send(smtp, "sender@client.test", List.of("user@example.test"), "after-cancel", acknowledged);
                }
                assertThat(acknowledged).containsExactly("after-cancel");
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> upstream.testIds().contains("after-cancel"));
                System.out.printf("drain cancelled: accepting again, acknowledged=%d arrived upstream=%d%n",
                        acknowledged.size(), upstream.testIds().size());
            } finally {
                first.process().kill();
            }
        }
    }

    @Test
    void aKillDuringTheHandOffLosesNothing() throws Exception {
        Path dir = Files.createTempDirectory("relay-hand-off-kill");
        int upstreamPort = FreePort.pick(); // down
        int firstPort = FreePort.pick();
        String firstYaml = yaml(dir.resolve("first"), firstPort, upstreamPort, "1h", "0s", "");
        Files.createDirectories(dir.resolve("first"));
        writePeerFiles(dir.resolve("first"));
        PackagedRelay first = PackagedRelay.startWith(dir.resolve("first"), firstPort, firstYaml);
        PackagedRelay peer = relay(dir.resolve("peer"), upstreamPort, "1s", "0s", "");
        PackagedRelay restarted = null;
        try (SmtpSink upstream = new SmtpSink().onPort(upstreamPort)) {
            int messages = 300;
            Set<String> acknowledged = new LinkedHashSet<>();
            try (RawSmtp smtp = RawSmtp.connect(RelayFixture.ALLOWED_CLIENT, first.smtpPort())) {
                smtp.reply();
                smtp.command("EHLO client.test");
                for (int i = 0; i < messages; i++) {
                    send(smtp, "sender@client.test", List.of("user@example.test"), "killed-" + i, acknowledged);
                }
            }
            assertThat(acknowledged).hasSize(messages);
            Awaitility.await().atMost(Duration.ofSeconds(180)).until(() -> first.queueFiles(".state") == messages);

            post(first, "/admin/drain", "{\"peer\": \"127.0.0.1:" + peer.smtpPort() + "\"}", 202);
            Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20))
                    .until(() -> peer.queueFiles(".msg") >= 20);
            first.process().kill(); // kill -9 in the middle of the hand-off
            first.process().awaitExit(Duration.ofSeconds(30));
            long leftAtKill = first.queueFiles(".msg");
            long peerAtKill = peer.queueFiles(".msg");
            System.out.printf("kill -9 during the hand-off: %d still in the first spool, %d in the peer's%n",
                    leftAtKill, peerAtKill);
            assertThat(leftAtKill).as("the kill came in the middle of the hand-off").isPositive();

            restarted = PackagedRelay.startWith(dir.resolve("first"), firstPort, firstYaml);
            post(restarted, "/admin/drain", "{\"peer\": \"127.0.0.1:" + peer.smtpPort() + "\"}", 202);
            awaitDrained(restarted);
            assertThat(restarted.queueFiles(".msg")).isZero();

            upstream.start();
            Awaitility.await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(500))
                    .until(() -> upstream.testIds().containsAll(acknowledged));
            Map<String, Integer> counts = upstream.testIdCounts();
            int arrived = counts.values().stream().mapToInt(Integer::intValue).sum();
            System.out.printf("kill -9 during the hand-off, restart, hand-off again, upstream up: acknowledged=%d "
                    + "arrived=%d duplicates=%d lost=%d%n", acknowledged.size(), counts.size(), arrived - counts.size(),
                    acknowledged.stream().filter(id -> !counts.containsKey(id)).count());
            assertThat(counts.keySet()).containsAll(acknowledged);
        } finally {
            first.process().kill();
            peer.process().kill();
            if (restarted != null) {
                restarted.process().kill();
            }
        }
    }

    @Test
    void withTlsTheHandOffGoesOverStartTlsAndThePeerUserMayNotAuthInClearText() throws Exception {
        Path dir = Files.createTempDirectory("relay-hand-off-tls");
        int upstreamPort = FreePort.pick(); // down
        PackagedRelay first = relay(dir.resolve("first"), upstreamPort, "1h", "0s", "");
        Path peerDir = Files.createDirectories(dir.resolve("peer"));
        RelayFixture.selfSignedCertificate(peerDir, "tls.crt", "tls.key", "relay.test");
        writePeerFiles(peerDir);
        int peerPort = FreePort.pick();
        PackagedRelay peer = PackagedRelay.startWith(peerDir, peerPort, yaml(peerDir, peerPort, upstreamPort, "1s", "0s",
                "tls: {certificateFile: " + peerDir.resolve("tls.crt") + ", keyFile: " + peerDir.resolve("tls.key")
                        + "}\n").replace("allowWithoutTls: true", "allowWithoutTls: false"));
        try (SmtpSink upstream = new SmtpSink().onPort(upstreamPort)) {
            String clearText = authOnly(peer, PEER_USER, PEER_PASSWORD);
            assertThat(clearText).as("AUTH before STARTTLS").startsWith("538 5.7.11");
            Set<String> acknowledged = new LinkedHashSet<>();
            try (RawSmtp smtp = RawSmtp.connect(RelayFixture.ALLOWED_CLIENT, first.smtpPort())) {
                smtp.reply();
                smtp.command("EHLO client.test");
                for (int i = 0; i < 10; i++) {
                    send(smtp, "sender@client.test", List.of("user@example.test"), "tls-" + i, acknowledged);
                }
            }
            Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> first.queueFiles(".state") == 10);
            post(first, "/admin/drain", "{\"peer\": \"127.0.0.1:" + peer.smtpPort() + "\"}", 202);
            awaitDrained(first);
            assertThat(peer.queueFiles(".msg")).isEqualTo(10);
            upstream.start();
            Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                    .until(() -> upstream.testIds().containsAll(acknowledged));
            // the peer's Received: line says how the message came: ESMTP, S for STARTTLS, A for AUTH
            long overTls = upstream.messages().stream().filter(m -> m.text().contains("with ESMTPSA")).count();
            System.out.printf("hand-off over STARTTLS: acknowledged=%d arrived=%d received-with-ESMTPSA=%d, "
                    + "peer user in clear text: %s%n", acknowledged.size(), upstream.testIds().size(), overTls, clearText);
            assertThat(overTls).isEqualTo(upstream.messages().size());
        } finally {
            first.process().kill();
            peer.process().kill();
        }
    }

    /** A packaged relay with the shared hand-off credentials and admin token. */
    private static PackagedRelay relay(Path dir, int upstreamPort, String retry, String deliverFor, String extras)
            throws Exception {
        Files.createDirectories(dir);
        writePeerFiles(dir);
        int port = FreePort.pick();
        return PackagedRelay.startWith(dir, port, yaml(dir, port, upstreamPort, retry, deliverFor, extras));
    }

    private static String yaml(Path dir, int port, int upstreamPort, String retry, String deliverFor, String extras) {
        return """
                server: {listenAddress: 127.0.0.1, port: %d, hostname: relay.test}
                allowedNetworks: [127.0.0.2/32]
                localDomains:
                  - {domain: example.test, deliverTo: "127.0.0.1:%d"}
                  - {domain: self.test, deliverTo: "relay.test:25", recipientCheck: none}
                outbound: {mode: smarthost, smarthost: {host: 127.0.0.1, port: %d, tls: none}}
                spool: {directory: %s, retrySchedule: [%s]}
                admin: {tokenFile: %s}
                handOff: {usersFile: %s, usernameFile: %s, passwordFile: %s, allowWithoutTls: true, deliverFor: %s}
                """.formatted(port, upstreamPort, upstreamPort, dir.resolve("spool"), retry, dir.resolve("token"),
                dir.resolve("peer-users"), dir.resolve("peer-username"), dir.resolve("peer-password"), deliverFor)
                + extras;
    }

    /** The files of the operator's {@code <name>-peer} Secret (users, username, password) and the admin token. */
    private static void writePeerFiles(Path dir) throws Exception {
        Files.writeString(dir.resolve("peer-users"), RelayFixture.userLine(PEER_USER, PEER_PASSWORD, 4));
        Files.writeString(dir.resolve("peer-username"), PEER_USER + "\n");
        Files.writeString(dir.resolve("peer-password"), PEER_PASSWORD + "\n");
        Files.writeString(dir.resolve("token"), TOKEN + "\n");
    }

    /** The peer also has an ordinary authenticated user, alice (the users file of authentication). */
    private static String peerExtras(Path dir) throws Exception {
        Path users = Files.createDirectories(dir.resolve("alice")).resolve("users");
        Files.writeString(users, RelayFixture.userLine("alice", "alice-password", 4));
        return "authentication: {usersFile: " + users + ", allowWithoutTls: true}\n";
    }

    private static void send(RawSmtp smtp, String sender, List<String> recipients, String id, Set<String> acknowledged) {
        smtp.command("MAIL FROM:<" + sender + ">");
        recipients.forEach(rcpt -> smtp.command("RCPT TO:<" + rcpt + ">"));
        smtp.command("DATA");
        if (smtp.command("Subject: hand-off test\r\nX-Test-Id: " + id + "\r\n\r\nbody of " + id + "\r\n.")
                .startsWith("250")) {
            acknowledged.add(id);
        }
    }

    private static String rcptAfterAuth(PackagedRelay relay, String user, String password, String recipient) {
        try (RawSmtp smtp = RawSmtp.connect("127.0.0.5", relay.smtpPort())) {
            smtp.reply();
            smtp.command("EHLO client.test");
            String auth = smtp.command("AUTH PLAIN " + plain(user, password));
            assertThat(auth).as("AUTH of %s", user).startsWith("235");
            smtp.command("MAIL FROM:<" + user + "@client.test>");
            String reply = smtp.command("RCPT TO:<" + recipient + ">");
            smtp.command("QUIT");
            return reply;
        }
    }

    private static String authOnly(PackagedRelay relay, String user, String password) {
        try (RawSmtp smtp = RawSmtp.connect("127.0.0.6", relay.smtpPort())) {
            smtp.reply();
            smtp.command("EHLO client.test");
            return smtp.command("AUTH PLAIN " + plain(user, password));
        }
    }

    private static String plain(String user, String password) {
        return Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static SinkMessage arrivedWith(SmtpSink sink, String id) {
        return sink.messages().stream().filter(m -> m.text().contains("X-Test-Id: " + id)).findFirst().orElseThrow();
    }

    private static JsonNode awaitDrained(PackagedRelay relay) {
        JsonNode[] last = new JsonNode[1];
        Awaitility.await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(250)).until(() -> {
            last[0] = get(relay, "/admin/drain");
            return "DRAINED".equals(last[0].get("state").asText());
        });
        return last[0];
    }

    private static JsonNode get(PackagedRelay relay, String path) throws Exception {
        HttpResponse<String> response = HTTP.send(request(relay, path).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static JsonNode post(PackagedRelay relay, String path, String body, int status) throws Exception {
        HttpResponse<String> response = HTTP.send(request(relay, path)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        return JSON.readTree(response.body());
    }

    private static HttpRequest.Builder request(PackagedRelay relay, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.httpPort() + path))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + TOKEN);
    }
}
