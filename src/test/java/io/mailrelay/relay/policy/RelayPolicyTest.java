package io.mailrelay.relay.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.google.common.net.InetAddresses;

import io.mailrelay.config.Cidr;
import io.mailrelay.config.RecipientCheck;
import io.mailrelay.config.RecipientPattern;
import io.mailrelay.relay.policy.RelayDecision.Reason;

@Tag("unit")
class RelayPolicyTest {
    private static final InetAddress INSIDE = InetAddresses.forString("10.20.1.2");
    private static final InetAddress INSIDE_V6 = InetAddresses.forString("2001:db8::7");
    private static final InetAddress OUTSIDE = InetAddresses.forString("198.51.100.9");

    private final RelayPolicy policy = new RelayPolicy(
            List.of(Cidr.parse("10.20.0.0/16"), Cidr.parse("2001:db8::/32")),
            rules("example.com", "Mail.Example.ORG.", "[192.0.2.25]"), Optional.empty());

    private static List<LocalDomainRule> rules(String... domains) {
        return java.util.Arrays.stream(domains).map(LocalDomainRule::unchecked).toList();
    }

    private Reason decide(InetAddress client, boolean authenticated, String recipient) {
        return policy.decide(client, authenticated, "app@example.com", recipient).reason();
    }

    @Test
    void externalRecipientFromOutsideIsDenied() {
        assertThat(decide(OUTSIDE, false, "victim@external.test")).isEqualTo(Reason.RELAY_DENIED);
        assertThat(policy.decide(OUTSIDE, false, "x@y.test", "victim@external.test").accepted()).isFalse();
    }

    @Test
    void externalRecipientFromAllowedNetworksIsAccepted() {
        assertThat(decide(INSIDE, false, "customer@external.test")).isEqualTo(Reason.ALLOWED_NETWORK);
        assertThat(decide(INSIDE_V6, false, "customer@external.test")).isEqualTo(Reason.ALLOWED_NETWORK);
    }

    @Test
    void externalRecipientFromAuthenticatedSessionIsAccepted() {
        assertThat(decide(OUTSIDE, true, "customer@external.test")).isEqualTo(Reason.AUTHENTICATED);
    }

    @ParameterizedTest
    @ValueSource(strings = { "bob@example.com", "bob@EXAMPLE.com", "bob@example.com.", "bob@mail.example.org",
            "bob@[192.0.2.25]", "\"bob smith\"@example.com" })
    void localDomainIsAcceptedFromAnyone(String recipient) {
        assertThat(decide(OUTSIDE, false, recipient)).isEqualTo(Reason.LOCAL_DOMAIN);
    }

    @ParameterizedTest
    @ValueSource(strings = { "victim%external.test@example.com", "external.test!victim@example.com",
            "@example.com:victim@external.test", "@a.test,@example.com:victim@external.test",
            "\"victim@external.test\"@example.com", "\"victim%external.test\"@example.com",
            "\"external.test!victim\"@example.com", "victim@external.test@example.com", "victim@[192.0.2.1]",
            "victim@[IPv6:2001:db8::1]", "victim@example.com.external.test", "victim@sub.example.com",
            "victim@example.com%external.test", "victim@", "@example.com", "victim", "" })
    void routingTricksAndForeignDomainsAreNeverLocal(String recipient) {
        assertThat(policy.isLocal(recipient)).isFalse();
        assertThat(decide(OUTSIDE, false, recipient)).isEqualTo(Reason.RELAY_DENIED);
    }

    @Test
    void routingTricksFromAllowedNetworksAreRelayedNotTreatedAsLocal() {
        assertThat(decide(INSIDE, false, "victim%external.test@example.com")).isEqualTo(Reason.ALLOWED_NETWORK);
    }

    @Test
    void postmasterAndAbuseAreOnlyLocalAtLocalDomains() {
        assertThat(decide(OUTSIDE, false, "postmaster@external.test")).isEqualTo(Reason.RELAY_DENIED);
        assertThat(decide(OUTSIDE, false, "abuse@external.test")).isEqualTo(Reason.RELAY_DENIED);
        assertThat(decide(OUTSIDE, false, "postmaster@example.com")).isEqualTo(Reason.LOCAL_DOMAIN);
    }

    @Test
    void networkBoundariesAreExact() {
        assertThat(decide(InetAddresses.forString("10.20.255.255"), false, "x@ext.test")).isEqualTo(Reason.ALLOWED_NETWORK);
        assertThat(decide(InetAddresses.forString("10.21.0.0"), false, "x@ext.test")).isEqualTo(Reason.RELAY_DENIED);
        assertThat(decide(InetAddresses.forString("10.19.255.255"), false, "x@ext.test")).isEqualTo(Reason.RELAY_DENIED);
        assertThat(decide(InetAddresses.forString("2001:db9::1"), false, "x@ext.test")).isEqualTo(Reason.RELAY_DENIED);
    }

    @Test
    void senderRestrictionsOnlyRejectMore() {
        RelayPolicy restricted = new RelayPolicy(List.of(Cidr.parse("10.20.0.0/16")), rules("example.com"),
                Optional.of(List.of("example.com")));
        assertThat(restricted.decide(INSIDE, false, "app@Example.com", "x@ext.test").reason()).isEqualTo(Reason.ALLOWED_NETWORK);
        assertThat(restricted.decide(INSIDE, false, "app@other.test", "x@ext.test").reason()).isEqualTo(Reason.SENDER_NOT_ALLOWED);
        assertThat(restricted.decide(INSIDE, false, "", "x@ext.test").reason()).isEqualTo(Reason.SENDER_NOT_ALLOWED);
        assertThat(restricted.decide(INSIDE, false, "app%other.test@example.com", "x@ext.test").reason())
                .isEqualTo(Reason.SENDER_NOT_ALLOWED);
        assertThat(restricted.decide(OUTSIDE, true, "app@other.test", "x@ext.test").reason()).isEqualTo(Reason.SENDER_NOT_ALLOWED);
        // never opens anything: an allowed sender from outside is still denied
        assertThat(restricted.decide(OUTSIDE, false, "app@example.com", "x@ext.test").reason()).isEqualTo(Reason.RELAY_DENIED);
        // local domains stay reachable from anyone
        assertThat(restricted.decide(OUTSIDE, false, "someone@other.test", "bob@example.com").reason())
                .isEqualTo(Reason.LOCAL_DOMAIN);
    }

    @Test
    void cidrParsingIsStrictAndNeverResolvesNames() {
        assertThat(Cidr.parse("192.0.2.7").contains(InetAddresses.forString("192.0.2.7"))).isTrue();
        assertThat(Cidr.parse("192.0.2.7").contains(InetAddresses.forString("192.0.2.8"))).isFalse();
        assertThat(Cidr.parse("0.0.0.0/0").contains(InetAddresses.forString("2001:db8::1"))).isFalse();
        for (String bad : new String[] { "10.0.0.0/33", "10.0.0/8", "localhost", "example.com/24", "10.0.0.0/-1",
                "2001:db8::/129", "", "10.0.0.0/8/8" }) {
            assertThatThrownBy(() -> Cidr.parse(bad)).hasMessage("\"" + bad + "\" is not a valid CIDR");
        }
    }

    /** Coverage (the operator's risk analysis) is per address family, like membership. */
    @Test
    void cidrCoverageIsPerAddressFamily() {
        assertThat(Cidr.parse("0.0.0.0/0").covers(Cidr.parse("10.1.2.3/32"))).isTrue();
        assertThat(Cidr.parse("0.0.0.0/0").covers(Cidr.parse("::1/128"))).isFalse();
        assertThat(Cidr.parse("10.0.0.0/8").covers(Cidr.parse("10.0.0.0/7"))).isFalse();
        assertThat(Cidr.parse("10.1.0.0/16").covers(Cidr.parse("10.2.0.0/24"))).isFalse();
        assertThat(Cidr.parse("10.1.0.0/16").covers(Cidr.parse("10.1.0.0/16"))).isTrue();
        assertThat(Cidr.parse("2001:db8::/32").covers(Cidr.parse("2001:db8:1::/48"))).isTrue();
        assertThatThrownBy(() -> Cidr.parse("relay.example/8")).hasMessageContaining("relay.example/8");
    }

    private final RelayPolicy checked = new RelayPolicy(List.of(Cidr.parse("10.20.0.0/16")), List.of(
            new LocalDomainRule("Example.ORG", RecipientCheck.LIST, patterns("bob@example.org", "Sales-*@EXAMPLE.org",
                    "*-team@example.org", "x*y*z@example.org")),
            new LocalDomainRule("callout.test", RecipientCheck.CALLOUT, List.of()),
            LocalDomainRule.unchecked("open.test")), Optional.empty());

    private static List<RecipientPattern> patterns(String... texts) {
        return java.util.Arrays.stream(texts).map(text -> RecipientPattern.parse(text).orElseThrow()).toList();
    }

    @ParameterizedTest
    @ValueSource(strings = { "bob@example.org", "BOB@example.org", "bob@EXAMPLE.ORG", "sales-@example.org",
            "sales-emea@example.org", "SALES-x@example.org", "ops-team@example.org", "-team@example.org",
            "xyz@example.org", "x1y2z@example.org" })
    void listedRecipientsOfAListDomainAreAcceptedFromOutside(String recipient) {
        assertThat(checked.decide(OUTSIDE, false, "a@b.test", recipient).reason()).isEqualTo(Reason.LOCAL_DOMAIN);
    }

    @ParameterizedTest
    @ValueSource(strings = { "alice@example.org", "bobby@example.org", "xbob@example.org", "sales@example.org",
            "team@example.org", "ops-team-x@example.org", "xy@example.org", "\"bob\"@example.org" })
    void unlistedRecipientsOfAListDomainAreUnknownFromOutside(String recipient) {
        assertThat(checked.decide(OUTSIDE, false, "a@b.test", recipient).reason()).isEqualTo(Reason.UNKNOWN_RECIPIENT);
        assertThat(checked.decide(OUTSIDE, false, "a@b.test", recipient).accepted()).isFalse();
    }

    @Test
    void calloutDomainsNeedAVerificationFromOutside() {
        assertThat(checked.decide(OUTSIDE, false, "a@b.test", "anyone@callout.test").reason())
                .isEqualTo(Reason.VERIFY_RECIPIENT);
        assertThat(checked.decide(OUTSIDE, false, "a@b.test", "anyone@callout.test").accepted()).isFalse();
        assertThat(checked.decide(OUTSIDE, false, "a@b.test", "anyone@open.test").reason()).isEqualTo(Reason.LOCAL_DOMAIN);
    }

    @Test
    void trustedClientsSkipTheRecipientCheck() {
        for (String recipient : List.of("alice@example.org", "anyone@callout.test")) {
            assertThat(checked.decide(INSIDE, false, "a@b.test", recipient).reason()).isEqualTo(Reason.LOCAL_DOMAIN);
            assertThat(checked.decide(OUTSIDE, true, "a@b.test", recipient).reason()).isEqualTo(Reason.LOCAL_DOMAIN);
        }
        assertThat(checked.isTrusted(INSIDE, false)).isTrue();
        assertThat(checked.isTrusted(OUTSIDE, true)).isTrue();
        assertThat(checked.isTrusted(OUTSIDE, false)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "@example.org", "bob@", "bob", "b ob@example.org" })
    void malformedRecipientPatternsAreRefused(String text) {
        assertThat(RecipientPattern.parse(text)).isEmpty();
    }
}
