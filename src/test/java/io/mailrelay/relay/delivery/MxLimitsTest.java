package io.mailrelay.relay.delivery;

import static io.mailrelay.relay.delivery.DeliveryFixture.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.mailrelay.config.OutboundMode;
import io.mailrelay.relay.spool.FileMessageSpool;
import io.mailrelay.relay.spool.RecipientStatus;
import io.mailrelay.testing.Dnsmasq;
import io.mailrelay.testing.FreePort;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The caps of one delivery attempt, with MX records from a real DNS server (dnsmasq) on loopback and a scripted
 * next hop on every MX address (127.0.0.11 and up, one port): at most smtp_mx_address_limit addresses tried, at
 * most smtp_mx_session_limit sessions, where a session is one that got past the greeting and EHLO.
 */
@Tag("smtp")
class MxLimitsTest {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final RetryPolicy HOURLY = new RetryPolicy(List.of(Duration.ofHours(1)), Duration.ofDays(5));

    @TempDir
    Path dir;

    private final int port = FreePort.pick();
    private final List<ScriptedNextHop> hosts = new ArrayList<>();

    @AfterEach
    void stopHosts() {
        hosts.forEach(ScriptedNextHop::close);
    }

    /** MX host {@code n} of the test at 127.0.0.{10+n}. */
    private ScriptedNextHop host(int n, ScriptedNextHop.Misbehaviour misbehaviour) {
        ScriptedNextHop host = ScriptedNextHop.start("127.0.0." + (10 + n), port, misbehaviour);
        hosts.add(host);
        return host;
    }

    /** dnsmasq options: {@code domain}'s MX records point at hosts {@code n...}, by preference in that order. */
    private static List<String> mx(String domain, int... hostNumbers) {
        List<String> options = new ArrayList<>();
        for (int i = 0; i < hostNumbers.length; i++) {
            options.add("--mx-host=" + domain + ",mx" + hostNumbers[i] + ".hosts.test," + (10 * (i + 1)));
        }
        return options;
    }

    private static List<String> hostRecords(int count) {
        List<String> options = new ArrayList<>();
        for (int n = 1; n <= count; n++) {
            options.add("--host-record=mx" + n + ".hosts.test,127.0.0." + (10 + n));
        }
        return options;
    }

    private DeliverySettings mxMode(Dnsmasq dns, DeliverySettings.Limits limits) {
        return new DeliverySettings("relay.test", Map.of(), OutboundMode.MX, null,
                new DeliverySettings.MxSettings(dns.address(), port), HOURLY, limits,
                SmtpTimeouts.uniform(Duration.ofSeconds(30)));
    }

    private static Dnsmasq dns(List<String> records) {
        return Dnsmasq.start(records.toArray(String[]::new));
    }

    @Test
    void atMostFiveAddressesAreTriedTheFifthDeliversTheSixthIsNeverReached() throws Exception {
        List<ScriptedNextHop> refusing = new ArrayList<>();
        for (int n = 1; n <= 5; n++) {
            refusing.add(host(n, ScriptedNextHop.Misbehaviour.GREETING_421)); // fails the handshake: no session
        }
        ScriptedNextHop good = host(6, ScriptedNextHop.Misbehaviour.NONE);
        List<String> records = new ArrayList<>(hostRecords(6));
        records.addAll(mx("reach5.test", 1, 2, 3, 4, 6)); // the good host is the 5th address
        records.addAll(mx("reach6.test", 1, 2, 3, 4, 5, 6)); // and here the 6th (7 records: one more)
        records.add("--mx-host=reach6.test,mx7.hosts.test,70");
        FileMessageSpool spool = new FileMessageSpool(dir);

        try (Dnsmasq dns = dns(records);
                DeliveryService service = DeliveryFixture.start(spool,
                        mxMode(dns, new DeliverySettings.Limits(2, 2, 5, 2)), new SimpleMeterRegistry())) {
            String five = DeliveryFixture.spool(spool, "alice@sender.test", message("five", "x\r\n"), "bob@reach5.test");
            String six = DeliveryFixture.spool(spool, "alice@sender.test", message("six", "x\r\n"), "carol@reach6.test");
            await().atMost(WAIT).until(() -> spool.get(five).isEmpty());
            await().atMost(WAIT).until(() -> spool.get(six).map(m -> m.state().attempts()).orElse(0) == 1);

            assertThat(good.accepted()).containsExactly(List.of("bob@reach5.test")); // 1 sent, 1 arrived
            assertThat(good.connections()).isEqualTo(1); // never for reach6.test: it was its 6th address
            assertThat(refusing.subList(0, 4)).allSatisfy(host -> assertThat(host.connections()).isEqualTo(2));
            assertThat(refusing.get(4).connections()).isEqualTo(1); // reach6.test's 5th address, the last tried
            assertThat(spool.get(six).orElseThrow().state().recipients().get("carol@reach6.test").reply())
                    .startsWith("451 4.4.1 connection failed: 127.0.0.15:" + port);
        }
    }

    @Test
    void atMostTwoSessionsPerAttemptAndAThirdWhenTheLimitAllows() throws Exception {
        ScriptedNextHop first = host(1, ScriptedNextHop.Misbehaviour.MAIL_451); // a session: greeting and EHLO done
        ScriptedNextHop second = host(2, ScriptedNextHop.Misbehaviour.MAIL_451);
        ScriptedNextHop third = host(3, ScriptedNextHop.Misbehaviour.NONE);
        List<String> records = new ArrayList<>(hostRecords(3));
        records.addAll(mx("sessions.test", 1, 2, 3));
        FileMessageSpool spool = new FileMessageSpool(dir);
        String id = DeliveryFixture.spool(spool, "alice@sender.test", message("sessions", "x\r\n"),
                "bob@sessions.test");

        try (Dnsmasq dns = dns(records)) {
            try (DeliveryService service = DeliveryFixture.start(spool,
                    mxMode(dns, new DeliverySettings.Limits(2, 2, 5, 2)), new SimpleMeterRegistry())) {
                await().atMost(WAIT).until(() -> spool.get(id).orElseThrow().state().attempts() == 1);
            }
            assertThat(first.connections()).isEqualTo(1);
            assertThat(second.connections()).isEqualTo(1);
            assertThat(third.connections()).isZero(); // a third session would have delivered
            assertThat(spool.get(id).orElseThrow().state().recipients().get("bob@sessions.test").status())
                    .isEqualTo(RecipientStatus.PENDING);

            // the other side: with smtp_mx_session_limit 3 the same attempt reaches the third host
            try (DeliveryService service = DeliveryFixture.start(spool,
                    mxMode(dns, new DeliverySettings.Limits(2, 2, 5, 3)), new SimpleMeterRegistry())) {
                service.retryNow();
                await().atMost(WAIT).until(() -> spool.get(id).isEmpty());
            }
            assertThat(first.connections()).isEqualTo(2);
            assertThat(second.connections()).isEqualTo(2);
            assertThat(third.accepted()).containsExactly(List.of("bob@sessions.test")); // 1 sent, 1 arrived
        }
    }
}
