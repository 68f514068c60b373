package io.mailrelay.relay.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.mailrelay.config.InvalidConfigException;
import io.mailrelay.config.RelayConfig;
import io.mailrelay.config.UpstreamCheck;
import io.mailrelay.relay.RelayFixture;
import io.mailrelay.relay.policy.LocalDomainRule;

@Tag("unit")
class RelayConfigLoaderTest {
    private static final String OUTBOUND = "outbound:\n  mode: mx\n";

    @TempDir
    Path dir;

    private static String problem(String yaml) {
        try {
            RelayConfigLoader.parse(yaml);
        } catch (InvalidConfigException e) {
            return String.join("\n", e.problems());
        }
        throw new AssertionError("accepted invalid configuration:\n" + yaml);
    }

    @Test
    void minimalConfigTakesTheDocumentedDefaults() throws InvalidConfigException {
        RelayConfig config = RelayConfigLoader.parse(OUTBOUND);
        assertThat(config.server().port()).isEqualTo(2525);
        assertThat(config.server().listenAddress()).isEqualTo("0.0.0.0");
        assertThat(config.server().proxyProtocol()).isFalse();
        assertThat(config.limits().maxMessageSize()).isEqualTo(26_214_400L);
        assertThat(config.limits().authLockout()).isEqualTo(Duration.ofMinutes(15));
        assertThat(config.spool().retrySchedule()).hasSize(7).last().isEqualTo(Duration.ofHours(4));
        assertThat(config.spool().maxQueueLifetime()).isEqualTo(Duration.ofDays(5));
        assertThat(config.spool().minFreeSpace().bytes()).isEqualTo(100L << 20);
    }

    @Test
    void minFreeSpaceTakesBytesOrQuantitySuffixes() throws InvalidConfigException {
        assertThat(minFreeSpace("104857600")).isEqualTo(104_857_600L);
        assertThat(minFreeSpace("0")).isZero();
        assertThat(minFreeSpace("64Ki")).isEqualTo(65_536L);
        assertThat(minFreeSpace("1Gi")).isEqualTo(1L << 30);
        assertThat(minFreeSpace("500M")).isEqualTo(500_000_000L);
        assertThat(problem(OUTBOUND + "spool:\n  minFreeSpace: 1.5Gi"))
                .isEqualTo("spool.minFreeSpace: \"1.5Gi\" is not a valid size (expected bytes or e.g. 64Ki, 100Mi, 1Gi)");
        assertThat(problem(OUTBOUND + "spool:\n  minFreeSpace: -1")).startsWith("spool.minFreeSpace: \"-1\" is not a valid size");
        assertThat(problem(OUTBOUND + "spool:\n  minFreeSpace: 100MB")).startsWith("spool.minFreeSpace: ");
    }

    private static long minFreeSpace(String value) throws InvalidConfigException {
        return RelayConfigLoader.parse(OUTBOUND + "spool:\n  minFreeSpace: " + value).spool().minFreeSpace().bytes();
    }

    /** The defaults Postfix has: smtpd_hard_error_limit, hopcount_limit, smtpd_client_event_limit_exceptions. */
    @Test
    void hostileClientDefaultsAreThoseOfPostfix() throws InvalidConfigException {
        RelayConfig.Limits limits = RelayConfigLoader.parse(OUTBOUND).limits();
        assertThat(limits.maxErrors()).isEqualTo(20);
        assertThat(limits.maxHops()).isEqualTo(50);
        assertThat(limits.maxMessagesInFlight()).isEqualTo(100);
        assertThat(limits.exemptAllowedNetworks()).isTrue();
        assertThat(limits.maxLineLength()).isEqualTo(65536);
        assertThat(RelayConfigLoader.parse(OUTBOUND).server().proxyHeaderTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void proxyProtocolNeedsTrustedProxies() throws InvalidConfigException {
        // without the list, any peer that reaches the port could claim an allow-listed address
        assertThat(problem(OUTBOUND + "server:\n  proxyProtocol: true")).startsWith(
                "server.trustedProxies: is required when server.proxyProtocol is true");
        assertThat(problem(OUTBOUND + "server:\n  proxyProtocol: true\n  trustedProxies: []")).startsWith(
                "server.trustedProxies: is required when server.proxyProtocol is true");
        assertThat(problem(OUTBOUND + "server:\n  proxyProtocol: true\n  trustedProxies: [10.0.0.0/33]"))
                .isEqualTo("server.trustedProxies[0]: \"10.0.0.0/33\" is not a valid CIDR");
        RelayConfig config = RelayConfigLoader.parse(OUTBOUND
                + "server:\n  proxyProtocol: true\n  trustedProxies: [10.0.0.0/24, \"2001:db8::/64\"]\n  proxyHeaderTimeout: 2s");
        assertThat(config.server().trustedProxies()).extracting(Object::toString)
                .containsExactly("10.0.0.0/24", "2001:db8::/64");
        assertThat(config.server().proxyHeaderTimeout()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void lineLengthIsAtLeastTheRfcLimit() {
        assertThat(problem(OUTBOUND + "limits:\n  maxLineLength: 999"))
                .isEqualTo("limits.maxLineLength: must be between 1000 (RFC 5321) and 1048576, was 999");
        assertThat(problem(OUTBOUND + "limits:\n  maxHops: 0")).isEqualTo("limits.maxHops: must be greater than 0, was 0");
        assertThat(problem(OUTBOUND + "limits:\n  maxMessagesInFlight: 0"))
                .isEqualTo("limits.maxMessagesInFlight: must be greater than 0, was 0");
    }

    @Test
    void badCidrNamesTheListEntry() {
        assertThat(problem(OUTBOUND + "allowedNetworks: [10.0.0.0/8, 10.0.0.0/33]"))
                .isEqualTo("allowedNetworks[1]: \"10.0.0.0/33\" is not a valid CIDR");
    }

    @Test
    void badHostPortNamesTheField() {
        assertThat(problem(OUTBOUND + "localDomains:\n  - domain: example.com\n    deliverTo: mail.example.com"))
                .isEqualTo("localDomains[0].deliverTo: \"mail.example.com\" is not a valid host:port ([v6]:port for IPv6 literals)");
        assertThat(problem(OUTBOUND + "localDomains:\n  - domain: example.com\n    deliverTo: \"2001:db8::1:25\""))
                .startsWith("localDomains[0].deliverTo: ");
    }

    @Test
    void recipientCheckDefaultsToCalloutAndListTakesPatternsOfItsDomain() throws InvalidConfigException {
        RelayConfig config = RelayConfigLoader.parse(OUTBOUND + """
                localDomains:
                  - {domain: example.com, deliverTo: "mail.example.com:25"}
                  - {domain: Example.ORG, deliverTo: "mail.example.org:25", recipientCheck: list,
                     recipients: ["*@example.org", "sales-*@EXAMPLE.org", "bob@example.org"]}
                  - {domain: open.test, deliverTo: "mail.open.test:25", recipientCheck: none}
                """);
        assertThat(config.localDomains()).extracting(RelayConfig.LocalDomain::recipientCheck).containsExactly(
                io.mailrelay.config.RecipientCheck.CALLOUT, io.mailrelay.config.RecipientCheck.LIST,
                io.mailrelay.config.RecipientCheck.NONE);
        assertThat(LocalDomainRule.of(config.localDomains().get(1)).recipients()).hasSize(3);
    }

    @Test
    void recipientListProblemsNameTheField() {
        String domain = OUTBOUND + "localDomains:\n  - {domain: example.org, deliverTo: \"mail.example.org:25\"";
        assertThat(problem(domain + ", recipientCheck: list}"))
                .isEqualTo("localDomains[0].recipients: is required and must not be empty with recipientCheck: list");
        assertThat(problem(domain + ", recipientCheck: list, recipients: []}"))
                .isEqualTo("localDomains[0].recipients: is required and must not be empty with recipientCheck: list");
        assertThat(problem(domain + ", recipientCheck: list, recipients: [\"ok@example.org\", \"bob@other.test\", \"@example.org\"]}"))
                .isEqualTo("localDomains[0].recipients[1]: \"bob@other.test\" is not in domain example.org\n"
                        + "localDomains[0].recipients[2]: \"@example.org\" is not local-part@domain");
        assertThat(problem(domain + ", recipients: [\"bob@example.org\"]}"))
                .isEqualTo("localDomains[0].recipients: is only used with recipientCheck: list");
        assertThat(problem(domain + ", recipientCheck: verify}")).startsWith("localDomains[0].recipientCheck: ");
    }

    @Test
    void dkimDefaultsToRelaxedWithFromSignedAndReadsItsKeys() throws Exception {
        Path rsa = Files.writeString(dir.resolve("rsa.pem"), io.mailrelay.config.DkimKey.generate(
                io.mailrelay.config.DkimKey.Algorithm.RSA).privateKeyPem());
        Path ed = Files.writeString(dir.resolve("ed.pem"), io.mailrelay.config.DkimKey.generate(
                io.mailrelay.config.DkimKey.Algorithm.ED25519).privateKeyPem());
        RelayConfig config = RelayConfigLoader.parse(OUTBOUND + "dkim:\n  domains:\n"
                + "    - {domain: example.org, selector: s1, keyFile: " + rsa + "}\n"
                + "    - {domain: example.org, selector: s2, keyFile: " + ed + "}\n");
        assertThat(config.dkim().canonicalization()).isEqualTo("relaxed/relaxed");
        assertThat(config.dkim().headers()).startsWith("from").contains("subject", "date", "to");
        assertThat(config.dkim().signAllWith()).isNull();
    }

    @Test
    void dkimProblemsNameTheField() throws IOException {
        Path notAKey = Files.writeString(dir.resolve("junk.pem"), "not a key\n");
        Path ec = dir.resolve("ec.pem");
        io.mailrelay.testing.Exec.run("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-out", ec.toString()).assertSuccess();
        String head = OUTBOUND + "dkim:\n";
        assertThat(problem(head + "  domains: []\n")).isEqualTo("dkim.domains: must list at least one signing domain");
        assertThat(problem(head + "  domains:\n    - {domain: \"bad domain\", selector: \"s 1\"}\n"
                + "  signAllWith: other.org\n  canonicalization: relaxed\n  headers: [\"x y\"]\n"))
                .isEqualTo("dkim.domains[0].domain: \"bad domain\" is not a valid domain\n"
                        + "dkim.domains[0].selector: \"s 1\" is not a selector (DNS labels)\n"
                        + "dkim.domains[0].keyFile: is required (a PEM private key, RSA or Ed25519)\n"
                        + "dkim.signAllWith: \"other.org\" is not one of dkim.domains\n"
                        + "dkim.headers[0]: \"x y\" is not a header field name\n"
                        + "dkim.canonicalization: \"relaxed\" is not header/body, each relaxed or simple");
        assertThat(problem(head + "  domains:\n    - {domain: a.org, selector: s, keyFile: " + notAKey + "}\n"
                + "    - {domain: A.org, selector: s, keyFile: " + ec + "}\n"
                + "    - {domain: b.org, selector: s, keyFile: " + dir.resolve("missing.pem") + "}\n"))
                .isEqualTo("dkim.domains[1].selector: \"s\" is listed twice for A.org\n"
                        + "dkim.domains[0].keyFile: " + notAKey + " holds no unencrypted PEM private key (PKCS#1 or PKCS#8)\n"
                        + "dkim.domains[1].keyFile: " + ec + ": a EC key cannot sign DKIM (RSA or Ed25519 only)\n"
                        + "dkim.domains[2].keyFile: " + dir.resolve("missing.pem") + " does not exist or is not a file");
    }

    @Test
    void aSmarthostRateLimitTakesPositiveValuesAndAtLeastOne() throws InvalidConfigException {
        String smarthost = "outbound:\n  mode: smarthost\n  smarthost:\n    host: smtp.provider.test\n";
        RelayConfig config = RelayConfigLoader.parse(smarthost
                + "    rateLimit:\n      messagesPerSecond: 14\n      recipientsPerDay: 10000\n");
        assertThat(config.outbound().smarthost().rateLimit()).isEqualTo(new RelayConfig.RateLimit(14, 10000));
        assertThat(RelayConfigLoader.parse(smarthost).outbound().smarthost().rateLimit()).isNull();
        assertThat(problem(smarthost + "    rateLimit: {}"))
                .isEqualTo("outbound.smarthost.rateLimit: set messagesPerSecond, recipientsPerDay or both");
        assertThat(problem(smarthost + "    rateLimit:\n      messagesPerSecond: 0"))
                .isEqualTo("outbound.smarthost.rateLimit.messagesPerSecond: must be greater than 0, was 0");
        assertThat(problem(smarthost + "    rateLimit:\n      recipientsPerDay: -5"))
                .isEqualTo("outbound.smarthost.rateLimit.recipientsPerDay: must be greater than 0, was -5");
        assertThat(problem(smarthost + "    rateLimit:\n      messagesPerMinute: 5"))
                .contains("outbound.smarthost.rateLimit.messagesPerMinute");
    }

    @Test
    void unknownFieldIsRefusedWithItsPath() {
        assertThat(problem(OUTBOUND + "limits:\n  maxMesageSize: 10")).startsWith("limits.maxMesageSize: unknown field; known fields here: ");
        assertThat(problem(OUTBOUND + "relayEverything: true")).startsWith("relayEverything: unknown field");
    }

    @Test
    void badDurationNamesTheField() {
        assertThat(problem(OUTBOUND + "limits:\n  authLockout: 15 minutes"))
                .isEqualTo("limits.authLockout: \"15 minutes\" is not a valid duration (expected e.g. 30s, 5m, 1h, 5d)");
        assertThat(problem(OUTBOUND + "spool:\n  retrySchedule: [1m, 5x]")).startsWith("spool.retrySchedule[1]: \"5x\"");
    }

    @Test
    void negativeOrZeroLimitsAreRefused() {
        assertThat(problem(OUTBOUND + "limits:\n  maxRecipients: -1\n  maxConnections: 0"))
                .contains("limits.maxRecipients: must be greater than 0, was -1")
                .contains("limits.maxConnections: must be greater than 0, was 0");
        assertThat(problem(OUTBOUND + "limits:\n  maxRecipients: lots")).isEqualTo("limits.maxRecipients: \"lots\" is not a valid whole number");
    }

    @Test
    void authenticationNeedsAReadableBcryptUsersFile() throws IOException {
        assertThat(problem(OUTBOUND + "authentication:\n  allowWithoutTls: false"))
                .isEqualTo("authentication.usersFile: is required when authentication is configured");
        assertThat(problem(OUTBOUND + "authentication:\n  usersFile: " + dir.resolve("missing")))
                .isEqualTo("authentication.usersFile: " + dir.resolve("missing") + " does not exist or is not a file");
        Path md5 = Files.writeString(dir.resolve("users"), "alice:$apr1$abc$0123456789012345678901\n");
        assertThat(problem(OUTBOUND + "authentication:\n  usersFile: " + md5))
                .contains("authentication.usersFile: ").contains("line 1: the hash of \"alice\" is not bcrypt");
    }

    @Test
    void handOffNeedsItsThreeFilesAndTakesItsDefaults() throws Exception {
        assertThat(problem(OUTBOUND + "handOff:\n  deliverFor: 10s")).isEqualTo(String.join("\n",
                "handOff.usersFile: is required when handOff is configured",
                "handOff.usernameFile: is required when handOff is configured",
                "handOff.passwordFile: is required when handOff is configured"));
        Path users = Files.writeString(dir.resolve("peer-users"), RelayFixture.userLine("mailrelay-peer", "pw"));
        Path username = Files.writeString(dir.resolve("peer-username"), "mailrelay-peer\n");
        Path password = Files.writeString(dir.resolve("peer-password"), "pw\n");
        String files = "handOff:\n  usersFile: " + users + "\n  usernameFile: " + username + "\n  passwordFile: "
                + password + "\n";
        RelayConfig.HandOff handOff = RelayConfigLoader.parse(OUTBOUND + files).handOff();
        assertThat(handOff.deliverFor()).isEqualTo(Duration.ofSeconds(30));
        assertThat(handOff.allowWithoutTls()).isFalse();
        assertThat(RelayConfigLoader.parse(OUTBOUND).handOff()).isNull();
        Path md5 = Files.writeString(dir.resolve("peer-md5"), "mailrelay-peer:$apr1$abc$0123456789012345678901\n");
        assertThat(problem(OUTBOUND + files.replace(users.toString(), md5.toString())))
                .contains("handOff.usersFile: ").contains("is not bcrypt");
        assertThat(problem(OUTBOUND + files.replace(password.toString(), dir.resolve("none").toString())))
                .isEqualTo("handOff.passwordFile: " + dir.resolve("none") + " does not exist or is not a file");
    }

    @Test
    void upstreamCheckDefaultsToEvery5MinutesWithA14DayCertificateWarning() throws Exception {
        UpstreamCheck defaults = RelayConfigLoader.parse(OUTBOUND).upstreamCheck();
        assertThat(defaults.enabled()).isTrue();
        assertThat(defaults.interval()).isEqualTo(Duration.ofMinutes(5));
        assertThat(defaults.certificateExpiryWarning()).isEqualTo(Duration.ofDays(14));
        UpstreamCheck set = RelayConfigLoader.parse(OUTBOUND
                + "upstreamCheck:\n  enabled: false\n  interval: 30s\n  certificateExpiryWarning: 30d").upstreamCheck();
        assertThat(set).isEqualTo(new UpstreamCheck(false, Duration.ofSeconds(30), Duration.ofDays(30)));
        assertThat(problem(OUTBOUND + "upstreamCheck:\n  interval: 0s"))
                .isEqualTo("upstreamCheck.interval: must be longer than 0, was PT0S");
        assertThat(problem(OUTBOUND + "upstreamCheck:\n  every: 5m")).startsWith("upstreamCheck.every: unknown field");
    }

    @Test
    void usersFileReloadIntervalDefaultsTo30sAndMustBePositive() throws Exception {
        Path users = Files.writeString(dir.resolve("users-ok"), RelayFixture.userLine("alice", "pw"));
        assertThat(RelayConfigLoader.parse(OUTBOUND + "authentication:\n  usersFile: " + users)
                .authentication().reloadInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(problem(OUTBOUND + "authentication:\n  usersFile: " + users + "\n  reloadInterval: 0s"))
                .isEqualTo("authentication.reloadInterval: must be longer than 0, was PT0S");
    }

    @Test
    void tlsKeyMustMatchTheCertificate() {
        RelayFixture.selfSignedCertificate(dir, "a.crt", "a.key", "a.test");
        RelayFixture.selfSignedCertificate(dir, "b.crt", "b.key", "b.test");
        assertThat(problem(OUTBOUND + "tls:\n  certificateFile: " + dir.resolve("a.crt") + "\n  keyFile: " + dir.resolve("b.key")))
                .startsWith("tls: the key in " + dir.resolve("b.key") + " does not match the certificate");
        assertThat(problem(OUTBOUND + "tls:\n  certificateFile: " + dir.resolve("a.key") + "\n  keyFile: " + dir.resolve("a.key")))
                .startsWith("tls: " + dir.resolve("a.key") + " holds no PEM certificate");
        assertThat(problem(OUTBOUND + "tls:\n  certificateFile: " + dir.resolve("a.crt")))
                .isEqualTo("tls.keyFile: is required when tls is configured");
    }

    @Test
    void pkcs1AndPkcs8KeysAreBothAccepted() throws Exception {
        RelayFixture.selfSignedCertificate(dir, "c.crt", "c.key", "c.test");
        io.mailrelay.testing.Exec.run("openssl", "rsa", "-in", dir.resolve("c.key").toString(), "-traditional",
                "-out", dir.resolve("c-pkcs1.key").toString()).assertSuccess();
        assertThat(Files.readString(dir.resolve("c-pkcs1.key"))).contains("BEGIN RSA PRIVATE KEY");
        assertThat(Files.readString(dir.resolve("c.key"))).contains("BEGIN PRIVATE KEY");
        for (String key : new String[] { "c.key", "c-pkcs1.key" }) {
            RelayConfig config = RelayConfigLoader.parse(OUTBOUND + "tls:\n  certificateFile: " + dir.resolve("c.crt")
                    + "\n  keyFile: " + dir.resolve(key));
            assertThat(config.tls().keyFile()).isEqualTo(dir.resolve(key));
        }
    }

    @Test
    void outboundAndPortsAndEnumsAreChecked() {
        assertThat(problem("server:\n  port: 2525")).isEqualTo("outbound: is required (mode: smarthost or mx)");
        assertThat(problem("outbound:\n  mode: direct")).isEqualTo("outbound.mode: \"direct\" is not one of [smarthost, mx]");
        assertThat(problem("outbound:\n  mode: smarthost")).isEqualTo("outbound.smarthost: is required when outbound.mode is smarthost");
        assertThat(problem(OUTBOUND + "server:\n  port: 70000")).isEqualTo("server.port: 70000 is not a port (1-65535)");
        assertThat(problem(OUTBOUND + "server:\n  listenAddress: relay.example.com"))
                .isEqualTo("server.listenAddress: \"relay.example.com\" is not an IP address");
        assertThat(problem(OUTBOUND + "senderRestrictions:\n  allowedSenderDomains: []"))
                .isEqualTo("senderRestrictions.allowedSenderDomains: must list at least one domain");
    }

    @Test
    void routesTakeTheSmarthostDefaultsAndImplicitTlsDefaultsToPort465() throws InvalidConfigException {
        RelayConfig config = RelayConfigLoader.parse("""
                outbound:
                  mode: mx
                  recipientRoutes:
                    - {domain: partner.example, smarthost: {host: mx.partner.example}}
                  senderRoutes:
                    - {domain: shop.example, smarthost: {host: smtps.provider.example, tls: implicit}}
                """);
        RelayConfig.Smarthost partner = config.outbound().recipientRoutes().get(0).smarthost();
        assertThat(partner.port()).isEqualTo(587);
        assertThat(partner.tls()).isEqualTo(io.mailrelay.config.SmarthostTls.REQUIRED);
        assertThat(partner.verifyCertificate()).isTrue();
        RelayConfig.Smarthost shop = config.outbound().senderRoutes().get(0).smarthost();
        assertThat(shop.port()).isEqualTo(465);
        assertThat(shop.tls()).isEqualTo(io.mailrelay.config.SmarthostTls.IMPLICIT);
    }

    @Test
    void routeProblemsNameTheField() {
        assertThat(problem("""
                localDomains:
                  - {domain: example.com, deliverTo: "mail.example.com:25"}
                outbound:
                  mode: mx
                  recipientRoutes:
                    - {domain: Example.COM., smarthost: {host: a.example}}
                    - {domain: partner.example}
                  senderRoutes:
                    - {domain: shop.example, smarthost: {host: a.example, port: 0, usernameFile: /u}}
                    - {domain: SHOP.example, smarthost: {host: b.example}}
                    - {domain: "not a domain", smarthost: {host: c.example}}
                """).lines()).containsExactly(
                "outbound.recipientRoutes[0].domain: \"Example.COM.\" is a local domain: its mail goes to its deliverTo",
                "outbound.recipientRoutes[1].smarthost: is required",
                "outbound.senderRoutes[0].smarthost.port: 0 is not a port (1-65535)",
                "outbound.senderRoutes[0].smarthost.passwordFile: usernameFile and passwordFile go together",
                "outbound.senderRoutes[1].domain: \"SHOP.example\" is listed twice",
                "outbound.senderRoutes[2].domain: \"not a domain\" is not a valid domain",
                // and the files a route names are checked like the smarthost's
                "outbound.senderRoutes[0].smarthost.usernameFile: /u does not exist or is not a file");
    }

    @Test
    void aClientCertificateNeedsItsKeyAndTls() {
        assertThat(problem("""
                outbound:
                  mode: smarthost
                  smarthost: {host: smtp.example.net, tls: none, clientCertificateFile: /c.crt}
                """).lines()).containsExactly(
                "outbound.smarthost.clientKeyFile: clientCertificateFile and clientKeyFile go together",
                "outbound.smarthost.clientCertificateFile: needs TLS (tls is none)");
    }

    @Test
    void missingConfigFileNamesTheFile() {
        assertThatThrownBy(() -> RelayConfigLoader.load(dir.resolve("nope.yaml")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("--config: cannot read " + dir.resolve("nope.yaml"));
    }
}
