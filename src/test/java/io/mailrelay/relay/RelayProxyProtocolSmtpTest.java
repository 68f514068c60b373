package io.mailrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.mailrelay.testing.CapturedLog;
import io.mailrelay.testing.Exec;
import io.mailrelay.testing.Swaks;

/**
 * {@code server.proxyProtocol: true}: the relay trusts the PROXY header's source, not the socket peer
 * (the load balancer), and only when the socket peer is a trusted proxy (127.0.0.2 and 127.0.0.3 here).
 * The header addresses are only values written into the header: every socket here goes to 127.0.0.1.
 */
@Tag("smtp")
class RelayProxyProtocolSmtpTest {
    /** An allowed network that only ever appears inside PROXY headers. */
    private static final String ALLOWED_BEHIND_PROXY = "198.51.100.20";
    private static final String OUTSIDE_BEHIND_PROXY = "203.0.113.7";
    /** A socket peer that is no trusted proxy. */
    private static final String UNTRUSTED_PEER = "127.0.0.9";

    private static RelayFixture relay;

    @BeforeAll
    static void start() {
        relay = RelayFixture.builder().server("""
                proxyProtocol: true
                trustedProxies: [127.0.0.2/32, 127.0.0.3/32]
                proxyHeaderTimeout: 2s""")
                .allowedNetworks("[127.0.0.2/32, 198.51.100.0/24]").extraYaml("""
                        limits:
                          maxConnectionsPerClient: 2
                          commandTimeout: 1h
                          exemptAllowedNetworks: false
                        """).start();
    }

    @AfterAll
    static void stop() {
        relay.close();
    }

    private static String v1(String source) {
        return "PROXY TCP4 " + source + " 127.0.0.1 5555 2525\r\n";
    }

    /** A PROXY v2 header: signature, version 2 + PROXY, TCP over IPv4, addresses and ports. */
    private static byte[] v2(String source) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(28);
        header.put(new byte[] { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A });
        header.put((byte) 0x21).put((byte) 0x11).putShort((short) 12);
        header.put(InetAddress.getByName(source).getAddress()).put(InetAddress.getByName("127.0.0.1").getAddress());
        header.putShort((short) 5555).putShort((short) 2525);
        return header.array();
    }

    private static RawSmtp behindProxy(String socketPeer, byte[] header) {
        RawSmtp smtp = RawSmtp.connect(socketPeer, relay.port());
        smtp.send(new String(header, StandardCharsets.ISO_8859_1));
        assertThat(smtp.reply()).startsWith("220 ");
        return smtp;
    }

    private static String relayAttempt(RawSmtp smtp) {
        assertThat(smtp.command("EHLO client.test")).startsWith("250");
        assertThat(smtp.command("MAIL FROM:<app@inside.test>")).startsWith("250");
        return smtp.command("RCPT TO:<customer@external.test>");
    }

    @Test
    void v1HeaderFromAnAllowedSourceRelaysAndIsRecordedAsTheClient() {
        // the socket peer 127.0.0.3 is outside the allowed networks: only the header can allow this
        try (RawSmtp smtp = behindProxy(RelayFixture.OUTSIDE_CLIENT, v1(ALLOWED_BEHIND_PROXY).getBytes(StandardCharsets.US_ASCII))) {
            assertThat(relayAttempt(smtp)).startsWith("250 2.1.5");
            assertThat(smtp.command("DATA")).startsWith("354");
            assertThat(smtp.command("Subject: behind-proxy-v1\r\n\r\nhello\r\n.")).startsWith("250 2.0.0");
        }
        assertThat(relay.spool.messages()).filteredOn(m -> m.text().contains("behind-proxy-v1")).singleElement()
                .satisfies(m -> {
                    assertThat(m.envelope().clientAddress()).isEqualTo(ALLOWED_BEHIND_PROXY);
                    assertThat(m.text()).startsWith("Received: from client.test ([" + ALLOWED_BEHIND_PROXY + "])");
                });
    }

    @Test
    void v1HeaderFromAnOutsideSourceIsRefusedAlthoughTheSocketPeerIsAllowed() {
        try (RawSmtp smtp = behindProxy(RelayFixture.ALLOWED_CLIENT, v1(OUTSIDE_BEHIND_PROXY).getBytes(StandardCharsets.US_ASCII))) {
            assertThat(relayAttempt(smtp)).isEqualTo("554 5.7.1 <customer@external.test>: Relay access denied");
        }
    }

    @Test
    void v2HeaderFromAnAllowedSourceRelays() throws IOException {
        try (RawSmtp smtp = behindProxy(RelayFixture.OUTSIDE_CLIENT, v2(ALLOWED_BEHIND_PROXY))) {
            assertThat(relayAttempt(smtp)).startsWith("250 2.1.5");
        }
    }

    @Test
    void v2HeaderFromAnOutsideSourceIsRefusedAlthoughTheSocketPeerIsAllowed() throws IOException {
        try (RawSmtp smtp = behindProxy(RelayFixture.ALLOWED_CLIENT, v2(OUTSIDE_BEHIND_PROXY))) {
            assertThat(relayAttempt(smtp)).isEqualTo("554 5.7.1 <customer@external.test>: Relay access denied");
        }
    }

    /** swaks writes the header itself (--proxy-*): a real client's v1 and v2 headers, end to end. */
    @ParameterizedTest(name = "PROXY v{0}, family {1}")
    @CsvSource({ "1, TCP4", "2, AF_INET" })
    void swaksBehindProxyRelaysForAnAllowedSourceAndIsRefusedForAnOutsideOne(String version, String family) {
        String subject = "swaks-proxy-v" + version;
        Swaks.send("127.0.0.1", relay.port(), "--local-interface", RelayFixture.OUTSIDE_CLIENT,
                "--proxy-version", version, "--proxy-family", family, "--proxy-source", ALLOWED_BEHIND_PROXY,
                "--proxy-source-port", "5555", "--proxy-dest", "127.0.0.1", "--proxy-dest-port", "2525",
                "--from", "app@inside.test", "--to", "customer@external.test", "--header", "Subject: " + subject)
                .assertSuccess();
        assertThat(relay.spool.messages()).filteredOn(m -> m.text().contains(subject)).singleElement()
                .satisfies(m -> assertThat(m.envelope().clientAddress()).isEqualTo(ALLOWED_BEHIND_PROXY));

        Exec.Result refused = Swaks.send("127.0.0.1", relay.port(), "--local-interface", RelayFixture.ALLOWED_CLIENT,
                "--proxy-version", version, "--proxy-family", family, "--proxy-source", OUTSIDE_BEHIND_PROXY,
                "--proxy-source-port", "5555", "--proxy-dest", "127.0.0.1", "--proxy-dest-port", "2525",
                "--from", "spammer@outside.test", "--to", "victim@external.test", "--quit-after", "RCPT");
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.stdout()).contains("<** 554 5.7.1 <victim@external.test>: Relay access denied");
    }

    @Test
    void headerAndCommandsInOnePacketWork() {
        try (RawSmtp smtp = RawSmtp.connect(RelayFixture.OUTSIDE_CLIENT, relay.port())) {
            smtp.send(v1(ALLOWED_BEHIND_PROXY) + "EHLO client.test\r\n");
            assertThat(smtp.reply()).startsWith("220 ");
            assertThat(smtp.reply()).startsWith("250");
        }
    }

    @Test
    void smtpWithoutAHeaderIsDroppedWithoutABanner() throws IOException {
        // from the allowed address: without the header even an allowed peer gets nothing
        assertThat(bytesBeforeClose("EHLO client.test\r\nMAIL FROM:<a@inside.test>\r\n")).isEmpty();
    }

    @Test
    void malformedV1HeaderIsDroppedWithoutABanner() throws IOException {
        assertThat(bytesBeforeClose("PROXY TCP4 not-an-ip 127.0.0.1 5555 2525\r\nEHLO client.test\r\n")).isEmpty();
    }

    @Test
    void unknownProtocolHeaderIsDroppedWithoutABanner() throws IOException {
        // valid PROXY syntax, but no client address the policy could use
        assertThat(bytesBeforeClose("PROXY UNKNOWN\r\nEHLO client.test\r\n")).isEmpty();
    }

    /** A slot is not held for commandTimeout (1h here) by a connection that never sends its header. */
    @Test
    void connectionThatNeverSendsAHeaderIsClosedWithoutAWordAfterTheHeaderTimeout() throws IOException {
        long start = System.nanoTime();
        assertThat(bytesBeforeClose(RelayFixture.ALLOWED_CLIENT, "", Duration.ofMinutes(2))).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(1500));
    }

    /** A slow (or hostile) client that sends half a header and stops is closed at the header timeout, v1 and v2. */
    @Test
    void halfAHeaderIsClosedWithoutAWordAfterTheHeaderTimeout() throws IOException {
        String halfV1 = v1(ALLOWED_BEHIND_PROXY).substring(0, 20);
        String halfV2 = new String(v2(ALLOWED_BEHIND_PROXY), StandardCharsets.ISO_8859_1).substring(0, 18);
        for (String half : List.of(halfV1, halfV2)) {
            long start = System.nanoTime();
            assertThat(bytesBeforeClose(RelayFixture.ALLOWED_CLIENT, half, Duration.ofMinutes(2))).isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("closed by the 2 s timeout, not at once")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(1500));
        }
    }

    /** The attack: any host that reaches the port writes an allow-listed address into the header. */
    @Test
    void headerFromAnUntrustedPeerClaimingAnAllowedSourceIsDroppedWithoutABannerAndRelaysNothing()
            throws IOException {
        int before = relay.spool.messages().size();
        try (CapturedLog log = CapturedLog.of("io.mailrelay.relay.smtp")) {
            assertThat(bytesBeforeClose(UNTRUSTED_PEER, v1(ALLOWED_BEHIND_PROXY) + "EHLO client.test\r\n"
                    + "MAIL FROM:<app@inside.test>\r\nRCPT TO:<customer@external.test>\r\nDATA\r\n"
                    + "Subject: spoofed\r\n\r\nhello\r\n.\r\nQUIT\r\n", Duration.ofSeconds(30))).isEmpty();
            assertThat(bytesBeforeClose(UNTRUSTED_PEER, new String(v2(ALLOWED_BEHIND_PROXY), StandardCharsets.ISO_8859_1)
                    + "EHLO client.test\r\n", Duration.ofSeconds(30))).isEmpty();
            assertThat(log.lines()).filteredOn(line -> line.contains(UNTRUSTED_PEER)).hasSize(2)
                    .allMatch(line -> line.contains("dropped: not a trusted proxy"));
        }
        Exec.Result swaks = Swaks.send("127.0.0.1", relay.port(), "--local-interface", UNTRUSTED_PEER,
                "--proxy-version", "1", "--proxy-source", ALLOWED_BEHIND_PROXY, "--proxy-source-port", "5555",
                "--proxy-dest", "127.0.0.1", "--proxy-dest-port", "2525",
                "--from", "app@inside.test", "--to", "customer@external.test", "--header", "Subject: spoofed-swaks");
        assertThat(swaks.exitCode()).isNotZero();
        assertThat(swaks.stdout()).doesNotContain("<-  220");
        assertThat(relay.spool.messages()).hasSize(before);
    }

    @Test
    void perClientConnectionLimitAppliesToTheHeadersSource() {
        String client = "198.51.100.30";
        List<RawSmtp> open = new ArrayList<>();
        try {
            // the same socket peer (the "load balancer") for all: only the header's source tells them apart
            open.add(behindProxy(RelayFixture.OUTSIDE_CLIENT, v1(client).getBytes(StandardCharsets.US_ASCII)));
            open.add(behindProxy(RelayFixture.OUTSIDE_CLIENT, v1(client).getBytes(StandardCharsets.US_ASCII)));
            RawSmtp third = RawSmtp.connect(RelayFixture.OUTSIDE_CLIENT, relay.port());
            open.add(third);
            third.send(v1(client));
            assertThat(third.reply()).isEqualTo("421 4.3.2 Too many connections from " + client + ", try again later");
            assertThat(third.closedByServer()).isTrue();
            open.add(behindProxy(RelayFixture.OUTSIDE_CLIENT, v1("198.51.100.31").getBytes(StandardCharsets.US_ASCII)));
        } finally {
            open.forEach(RawSmtp::close);
        }
    }

    /** Sends the bytes from the allowed address and returns everything the relay wrote until it closed. */
    private static String bytesBeforeClose(String payload) throws IOException {
        return bytesBeforeClose(RelayFixture.ALLOWED_CLIENT, payload, Duration.ofSeconds(30));
    }

    /** Sends the bytes from {@code peer} and returns everything the relay wrote until it closed. */
    private static String bytesBeforeClose(String peer, String payload, Duration patience) throws IOException {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(peer, 0));
            socket.connect(new InetSocketAddress("127.0.0.1", relay.port()), 5000);
            socket.setSoTimeout((int) patience.toMillis());
            socket.getOutputStream().write(payload.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            try {
                for (int b = in.read(); b != -1; b = in.read()) {
                    received.write(b);
                }
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the relay kept the connection open; received so far: " + received, e);
            } catch (IOException reset) {
                // a reset is a close too
            }
            return received.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
