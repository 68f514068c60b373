package io.mailrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * relay.yaml {@code senderLogins} (what relayFor.credentials renders): a user of that file relays only with the
 * senders its login map gives it, 553 5.7.1 for every other (Postfix reject_sender_login_mismatch); the users of
 * {@code authentication} are not bound. Both files follow their Secret mount, polled every second.
 */
@Tag("smtp")
class RelaySenderLoginsSmtpTest {

    private static final String SHOP = "mailrelay.shop";
    private static final String BILLING = "mailrelay.billing";
    private static final String OUTSIDE = "127.0.0.41";

    private static Map<String, byte[]> files(String users, String loginMaps) {
        Map<String, byte[]> keys = new LinkedHashMap<>();
        keys.put("users", users.getBytes(StandardCharsets.UTF_8));
        keys.put("sender-logins", loginMaps.getBytes(StandardCharsets.UTF_8));
        return keys;
    }

    private static RelayFixture relay(SecretMount credentials) {
        RelayFixture.Builder builder = RelayFixture.builder();
        return builder.extraYaml("""
                senderLogins:
                  usersFile: %s
                  loginMapsFile: %s
                  reloadInterval: 1s
                limits:
                  maxAuthFailures: 1000
                  maxErrors: 1000
                """.formatted(credentials.file("users"), credentials.file("sender-logins"))).start();
    }

    private static SecretMount mount(String name, Map<String, byte[]> files) {
        try {
            return new SecretMount(java.nio.file.Files.createTempDirectory(name)).update(files);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A fresh TLS session from an outside address, logged in; the replies of MAIL and RCPT for one message. */
    private static List<String> send(RelayFixture relay, String user, String password, String sender) {
        List<String> replies = new ArrayList<>();
        try (RawSmtp smtp = relay.connectOverTls(OUTSIDE)) {
            replies.add(smtp.command("AUTH PLAIN " + RelayFixture.plain(user, password)));
            String mail = smtp.command("MAIL FROM:<" + sender + ">");
            replies.add(mail);
            if (mail.startsWith("250")) {
                replies.add(smtp.command("RCPT TO:<someone@elsewhere.example>"));
                replies.add(smtp.command("DATA"));
                replies.add(smtp.command("Subject: t\r\n\r\nfrom " + sender + "\r\n."));
            }
        }
        return replies;
    }

    @Test
    void aBoundUserRelaysOnlyWithItsOwnSenderDomains() {
        SecretMount credentials = mount("credentials", files(
                RelayFixture.userLine(SHOP, "shop-Pa55") + RelayFixture.userLine(BILLING, "billing-Pa55"),
                "@shop.example mailrelay.shop\n@billing.example mailrelay.billing\nceo@corp.example mailrelay.billing\n"));
        try (RelayFixture relay = relay(credentials)) {
            int acknowledged = 0;
            for (String sender : List.of("orders@shop.example", "Orders@SHOP.Example")) {
                List<String> replies = send(relay, SHOP, "shop-Pa55", sender);
                assertThat(replies.get(0)).startsWith("235");
                assertThat(replies).as(sender).last().asString().startsWith("250");
                acknowledged++;
            }
            assertThat(send(relay, BILLING, "billing-Pa55", "ceo@corp.example")).last().asString().startsWith("250");
            acknowledged++;
            int refused = 0;
            for (String sender : List.of("invoices@billing.example", "ceo@corp.example", "other@corp.example",
                    "orders@sub.shop.example", "", "orders%elsewhere.example@shop.example", "shop.example!orders@corp.example")) {
                List<String> replies = send(relay, SHOP, "shop-Pa55", sender);
                assertThat(replies.get(0)).startsWith("235");
                assertThat(replies.get(1)).as("sender <%s>", sender)
                        .isEqualTo("553 5.7.1 Sender address rejected: not owned by the authenticated user");
                refused++;
            }
            // a source route never gets that far (James: 501 5.1.7), and is refused all the same
            assertThat(send(relay, SHOP, "shop-Pa55", "@relay.test:orders@shop.example").get(1)).startsWith("501 5.1.7");
            assertThat(relay.spool.messages()).hasSize(acknowledged);
            assertThat(relay.spool.messages()).extracting(m -> m.envelope().mailFrom())
                    .containsExactly("orders@shop.example", "Orders@shop.example", "ceo@corp.example"); // James lowercases the domain
            System.out.printf("senderLogins: acknowledged=%d arrived=%d refused=%d%n", acknowledged,
                    relay.spool.messages().size(), refused);

            // authentication's own users are not bound
            assertThat(send(relay, RelayFixture.USER, RelayFixture.PASSWORD, "anyone@anywhere.example")).last()
                    .asString().startsWith("250");
            // nor is a client by address
            try (RawSmtp smtp = relay.connect(RelayFixture.ALLOWED_CLIENT)) {
                smtp.command("EHLO client.test");
                assertThat(smtp.command("MAIL FROM:<invoices@billing.example>")).startsWith("250");
            }
        }
    }

    @Test
    void aRevokedUserLosesItsSessionToAndARotatedPasswordReplacesTheOld() {
        SecretMount credentials = mount("credentials", files(
                RelayFixture.userLine(SHOP, "shop-Pa55") + RelayFixture.userLine(BILLING, "billing-Pa55"),
                "@shop.example mailrelay.shop\n@billing.example mailrelay.billing\n"));
        try (RelayFixture relay = relay(credentials); RawSmtp open = relay.connectOverTls(OUTSIDE)) {
            assertThat(open.command("AUTH PLAIN " + RelayFixture.plain(SHOP, "shop-Pa55"))).startsWith("235");
            assertThat(open.command("MAIL FROM:<orders@shop.example>")).startsWith("250");
            assertThat(open.command("RSET")).startsWith("250");

            // shop revoked (its line and its map entry gone), billing rotated
            credentials.update(files(RelayFixture.userLine(BILLING, "billing-new-Pa55"),
                    "@billing.example mailrelay.billing\n"));
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> send(relay, BILLING, "billing-new-Pa55", "x@billing.example").get(0).startsWith("235"));
            assertThat(send(relay, BILLING, "billing-Pa55", "x@billing.example").get(0)).startsWith("535 5.7.8");
            assertThat(send(relay, SHOP, "shop-Pa55", "orders@shop.example").get(0)).startsWith("535 5.7.8");
            // the session logged in before stays bound and is refused every sender now
            assertThat(open.command("MAIL FROM:<orders@shop.example>"))
                    .isEqualTo("553 5.7.1 Sender address rejected: not owned by the authenticated user");

            // nobody left: an empty users file is valid
            credentials.update(files("# no namespace holds a credential\n", ""));
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> send(relay, BILLING, "billing-new-Pa55", "x@billing.example").get(0).startsWith("535"));
            assertThat(send(relay, RelayFixture.USER, RelayFixture.PASSWORD, "a@b.example").get(0)).startsWith("235");
            // arrived: billing's after its rotation (one per poll that got in), alice's; none of the revoked user's
            assertThat(relay.spool.messages()).extracting(m -> m.envelope().authenticatedUser())
                    .doesNotContain(SHOP).containsOnlyOnce(RelayFixture.USER).contains(BILLING);
        }
    }
}
