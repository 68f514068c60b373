package io.mailrelay.relay.delivery;

import static io.mailrelay.relay.delivery.DeliveryFixture.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.mailrelay.relay.InMemorySpool;
import io.mailrelay.relay.RelayFixture;
import io.mailrelay.relay.RelayRuntime;
import io.mailrelay.relay.config.RelayConfigLoader;
import io.mailrelay.relay.spool.FileMessageSpool;
import io.mailrelay.testing.SmtpSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The routing table against real upstreams, from relay.yaml as the relay loads it to what each upstream received: three
 * of our own relays with STARTTLS (a test CA's certificate for 127.0.0.1) and bcrypt AUTH, each with its own single
 * user (A: a-user, B: b-user, the default smarthost: alice) and an allowed network that does not cover 127.0.0.1, so
 * each relays only after the right login; and an smtp-sink behind a recipient route. Mail from a.test goes to A with
 * A's credentials (Postfix sender_dependent_relayhost_maps + smtp_sender_dependent_authentication), from b.test to B,
 * everything else to the default smarthost, and mail for partner.test to the sink whoever sends it (transport_maps
 * first).
 */
@Tag("smtp")
class RoutesDeliveryTest {

    @RegisterExtension
    static final SmtpSink partner = new SmtpSink();

    static TestPki pki;
    static RelayFixture upstreamA;
    static RelayFixture upstreamB;
    static RelayFixture defaultSmarthost;

    @TempDir
    Path dir;

    @BeforeAll
    static void startUpstreams() throws Exception {
        pki = TestPki.create();
        upstreamA = upstream("a-user", "a-password");
        upstreamB = upstream("b-user", "b-password");
        defaultSmarthost = upstream(RelayFixture.USER, RelayFixture.PASSWORD);
    }

    /** One relay whose only user is {@code user}, serving the test CA's certificate for 127.0.0.1. */
    private static RelayFixture upstream(String user, String password) throws Exception {
        RelayFixture.Builder builder = RelayFixture.builder();
        Path users = Files.writeString(builder.dir().resolve("only-user"), RelayFixture.userLine(user, password));
        Files.copy(pki.serverCertificate(), builder.dir().resolve("route.crt"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(pki.serverKey(), builder.dir().resolve("route.key"), StandardCopyOption.REPLACE_EXISTING);
        return builder.usersFile(users).tls(builder.dir().resolve("route.crt"), builder.dir().resolve("route.key"), "30s")
                .start();
    }

    @AfterAll
    static void stopUpstreams() {
        for (RelayFixture upstream : new RelayFixture[] { upstreamA, upstreamB, defaultSmarthost }) {
            if (upstream != null) {
                upstream.close();
            }
        }
    }

    /** relay.yaml with both kinds of route, loaded by the relay's own loader (rules and file checks included). */
    private DeliverySettings settings(String bUser, String bPassword) throws Exception {
        String yaml = """
                server:
                  hostname: routing.relay.test
                outbound:
                  mode: smarthost
                  smarthost: %s
                  recipientRoutes:
                    - domain: partner.test
                      smarthost: {host: 127.0.0.1, port: %d, tls: none}
                  senderRoutes:
                    - domain: a.test
                      smarthost: %s
                    - domain: B.Test.
                      smarthost: %s
                spool:
                  directory: %s
                  retrySchedule: [1s]
                delivery:
                  timeouts: {connect: 10s, helo: 10s, starttls: 10s, mail: 10s, rcpt: 10s, dataInit: 10s, dataXfer: 10s, dataDone: 10s}
                """.formatted(smarthost(defaultSmarthost, "default", RelayFixture.USER, RelayFixture.PASSWORD),
                partner.port(), smarthost(upstreamA, "a", "a-user", "a-password"),
                smarthost(upstreamB, "b", bUser, bPassword), dir.resolve("unused-spool"));
        Path file = Files.writeString(dir.resolve("relay.yaml"), yaml);
        return RelayRuntime.deliverySettings(RelayConfigLoader.load(file));
    }

    /** A smarthost in flow style: STARTTLS required, verified against the test CA, with its own credentials files. */
    private String smarthost(RelayFixture upstream, String name, String user, String password) throws Exception {
        Path username = Files.writeString(dir.resolve(name + "-username"), user + "\n");
        Path passwordFile = Files.writeString(dir.resolve(name + "-password"), password + "\n");
        return "{host: 127.0.0.1, port: %d, tls: required, trustedCaFile: %s, usernameFile: %s, passwordFile: %s}"
                .formatted(upstream.port(), pki.caCertificate(), username, passwordFile);
    }

    private static long received(RelayFixture upstream, String subjectPrefix) {
        return upstream.spool.messages().stream().filter(m -> m.text().contains("Subject: " + subjectPrefix)).count();
    }

    /** user (as the upstream saw the login) → how many messages with that subject prefix it received. */
    private static Map<String, Long> logins(RelayFixture upstream, String subjectPrefix) {
        return upstream.spool.messages().stream().filter(m -> m.text().contains("Subject: " + subjectPrefix))
                .collect(Collectors.groupingBy(m -> String.valueOf(m.envelope().authenticatedUser()), TreeMap::new,
                        Collectors.counting()));
    }

    @Test
    void mailFromEachSenderDomainGoesToItsOwnUpstreamWithItsOwnCredentialsAndTheDefaultGetsTheRest() throws Exception {
        FileMessageSpool spool = new FileMessageSpool(dir.resolve("spool"));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        int perSender = 5;
        for (int i = 0; i < perSender; i++) {
            DeliveryFixture.spool(spool, "app@a.test", message("routes a " + i, "from a\r\n"), "rcpt" + i + "@far.test");
            DeliveryFixture.spool(spool, "app@b.test", message("routes b " + i, "from b\r\n"), "rcpt" + i + "@far.test");
            DeliveryFixture.spool(spool, "app@other.test", message("routes other " + i, "from other\r\n"),
                    "rcpt" + i + "@far.test");
        }
        // the domain compares case-insensitively, exactly: a subdomain is another domain, the null sender has none
        DeliveryFixture.spool(spool, "App@A.TEST", message("routes a upper", "x\r\n"), "x@far.test");
        DeliveryFixture.spool(spool, "app@sub.a.test", message("routes other subdomain", "x\r\n"), "x@far.test");
        DeliveryFixture.spool(spool, "", message("routes other bounce", "x\r\n"), "x@far.test");
        // a recipient route wins over the sender route: one message, split by destination
        DeliveryFixture.spool(spool, "app@a.test", message("routes split", "x\r\n"), "one@far.test", "two@partner.test");

        try (DeliveryService service = DeliveryFixture.start(spool, settings("b-user", "b-password"), registry)) {
            assertThat(service.drain(Duration.ofSeconds(60))).isTrue();
        }

        Map<String, Long> a = logins(upstreamA, "routes ");
        Map<String, Long> b = logins(upstreamB, "routes ");
        Map<String, Long> rest = logins(defaultSmarthost, "routes ");
        System.out.printf("routes: upstream A %s, upstream B %s, default smarthost %s, partner sink %d%n", a, b, rest,
                partner.messages().size());
        assertThat(a).isEqualTo(Map.of("a-user", perSender + 2L)); // 5, the upper-case sender, the split message
        assertThat(b).isEqualTo(Map.of("b-user", (long) perSender));
        assertThat(rest).isEqualTo(Map.of(RelayFixture.USER, perSender + 2L)); // 5, the subdomain, the bounce
        assertThat(received(upstreamA, "routes b")).isZero();
        assertThat(received(upstreamA, "routes other")).isZero();
        assertThat(received(upstreamB, "routes a")).isZero();
        assertThat(received(defaultSmarthost, "routes a")).isZero();
        assertThat(received(defaultSmarthost, "routes b")).isZero();
        InMemorySpool.Stored split = upstreamA.spool.messages().stream()
                .filter(m -> m.text().contains("Subject: routes split")).findFirst().orElseThrow();
        assertThat(split.envelope().recipients()).containsExactly("one@far.test");
        assertThat(partner.messages()).singleElement().satisfies(m -> {
            assertThat(m.mailFrom()).isEqualTo("app@a.test");
            assertThat(m.recipients()).containsExactly("two@partner.test");
        });
        assertThat(DeliveryFixture.count(registry, "delivered")).isEqualTo(3 * perSender + 3 + 2);
        assertThat(DeliveryFixture.count(registry, "bounced")).isZero();
    }

    @Test
    void aSenderRouteWithTheWrongCredentialsDefersItsMailAndNeverFallsBackToAnotherUpstream() throws Exception {
        FileMessageSpool spool = new FileMessageSpool(dir.resolve("spool"));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        String id = DeliveryFixture.spool(spool, "app@b.test", message("wrong login b", "x\r\n"), "x@far.test");
        String other = DeliveryFixture.spool(spool, "app@other.test", message("wrong login other", "x\r\n"),
                "x@far.test");

        // B's route holds A's credentials: B refuses them, and the mail waits for a fix
        try (DeliveryService service = DeliveryFixture.start(spool, settings("a-user", "a-password"), registry)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> spool.get(id).orElseThrow().state().attempts() >= 1
                    && spool.get(other).isEmpty());
            var state = spool.get(id).orElseThrow().state();
            assertThat(state.pendingRecipients()).containsExactly("x@far.test");
            assertThat(state.recipients().get("x@far.test").reply())
                    .startsWith("451 4.7.0 127.0.0.1:" + upstreamB.port() + " refused the credentials of a-user: 535");
            assertThat(state.recipients().get("x@far.test").nextHop())
                    .isEqualTo("sender route b.test -> 127.0.0.1:" + upstreamB.port());
        }
        assertThat(received(upstreamB, "wrong login")).isZero();
        assertThat(received(upstreamA, "wrong login")).isZero();
        assertThat(received(defaultSmarthost, "wrong login b")).isZero();
        assertThat(logins(defaultSmarthost, "wrong login other")).isEqualTo(Map.of(RelayFixture.USER, 1L));
        assertThat(DeliveryFixture.count(registry, "bounced")).isZero();
    }

    @Test
    void theUpstreamCheckCoversEveryRoutesSmarthostWithItsOwnCredentials() throws Exception {
        DeliverySettings settings = settings("a-user", "a-password"); // B's route with A's credentials again
        try (UpstreamChecker checker = new UpstreamChecker(settings, Duration.ofMinutes(5), Duration.ofDays(1),
                new SimpleMeterRegistry(), java.time.Clock.systemUTC())) {
            List<UpstreamStatus> results = checker.checkAll();
            results.forEach(r -> System.out.printf("upstream check: %s ok=%s stage=%s reply=%s%n", r.name(), r.ok(),
                    r.stage(), r.reply()));
            assertThat(results).extracting(UpstreamStatus::name).containsExactly(
                    "smarthost 127.0.0.1:" + defaultSmarthost.port(),
                    "recipient route partner.test -> 127.0.0.1:" + partner.port(),
                    "sender route a.test -> 127.0.0.1:" + upstreamA.port(),
                    "sender route b.test -> 127.0.0.1:" + upstreamB.port());
            assertThat(results).extracting(UpstreamStatus::ok).containsExactly(true, true, true, false);
            assertThat(results.get(3).stage()).isEqualTo(UpstreamStatus.Stage.AUTH);
            assertThat(results.get(3).reply()).contains("535");
            assertThat(results.get(2).tls()).isTrue();
        }
        assertThat(partner.messages()).isEmpty();
    }
}
