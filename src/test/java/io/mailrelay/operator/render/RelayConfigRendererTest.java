package io.mailrelay.operator.render;

import io.mailrelay.api.SecretKeys;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.fabric8.kubernetes.api.model.Quantity;
import io.mailrelay.api.Authentication;
import io.mailrelay.api.DkimSigning;
import io.mailrelay.api.Limits;
import io.mailrelay.api.LocalDomain;
import io.mailrelay.api.MailRelaySpec;
import io.mailrelay.api.Persistence;
import io.mailrelay.api.RateLimit;
import io.mailrelay.api.ServiceSpec;
import io.mailrelay.api.SecretRefs;
import io.mailrelay.api.Smarthost;
import io.mailrelay.api.Tls;
import io.mailrelay.config.ByteSize;
import io.mailrelay.config.OutboundMode;
import io.mailrelay.config.RecipientCheck;
import io.mailrelay.config.SmarthostTls;
import io.mailrelay.operator.Specs;
import io.mailrelay.relay.config.RelayConfigLoader;
import io.mailrelay.relay.policy.LocalDomainRule;

@Tag("unit")
class RelayConfigRendererTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @TempDir
    Path mounts;

    /**
     * The relay's parser on what the operator wrote, with the admin token and the hand-off Secret mounted where the
     * pod has them (what the operator puts in them: SupportFactory).
     */
    private io.mailrelay.config.RelayConfig parseAsTheRelay(String yaml) throws Exception {
        Path token = Files.writeString(mounts.resolve("token"), "t0ken\n");
        Path peer = Files.createDirectories(mounts.resolve("peer"));
        SupportFactory.PeerCredentials credentials = SupportFactory.peerCredentials(null);
        Files.writeString(peer.resolve(SecretKeys.USERS), credentials.usersLine());
        Files.writeString(peer.resolve(SecretKeys.USERNAME), credentials.username());
        Files.writeString(peer.resolve(SecretKeys.PASSWORD), credentials.password());
        io.mailrelay.config.RelayConfig relay = RelayConfigLoader.parse(
                yaml.replace(RelayPod.ADMIN_DIR + "/" + RelayPod.ADMIN_TOKEN_KEY, token.toString())
                        .replace(RelayPod.PEER_DIR + "/", peer + "/"));
        assertThat(relay.admin().tokenFile()).isEqualTo(token);
        assertThat(relay.handOff().usersFile()).isEqualTo(peer.resolve(SecretKeys.USERS));
        return relay;
    }

    @Test
    void minimalSpecRendersOnlyWhatIsSet() {
        String yaml = RelayConfigRenderer.render(Specs.minimal());

        assertThat(yaml).isEqualTo("""
                server:
                  port: 2525
                  proxyProtocol: false
                allowedNetworks:
                - 10.20.0.0/16
                outbound:
                  mode: mx
                spool:
                  directory: /var/spool/mailrelay
                admin:
                  tokenFile: /etc/mailrelay/admin/token
                handOff:
                  usersFile: /etc/mailrelay/peer/users
                  usernameFile: /etc/mailrelay/peer/username
                  passwordFile: /etc/mailrelay/peer/password
                  allowWithoutTls: true
                """);
    }

    @Test
    void minFreeSpaceIsTheSpecsInBytesOrATenthOfASmallSpoolVolume() {
        MailRelaySpec spec = Specs.minimal();
        assertThat(RelayConfigRenderer.minFreeSpace(spec.persistence)).isNull(); // the relay's default, 100Mi
        spec.persistence = new Persistence();
        spec.persistence.minFreeSpace = new Quantity("1.5Gi");
        assertThat(RelayConfigRenderer.render(spec)).contains("""
                spool:
                  directory: /var/spool/mailrelay
                  minFreeSpace: 1610612736
                """);
        spec.persistence.minFreeSpace = null;
        spec.persistence.type = Persistence.Type.EmptyDir; // an emptyDir's sizeLimit counts like a claim's size
        spec.persistence.size = new Quantity("256Mi");
        assertThat(RelayConfigRenderer.minFreeSpace(spec.persistence)).isEqualTo(new ByteSize((256L << 20) / 10));
        spec.persistence.size = new Quantity("10Gi");
        assertThat(RelayConfigRenderer.minFreeSpace(spec.persistence)).isNull();
        spec.persistence.minFreeSpace = new Quantity("0");
        assertThat(RelayConfigRenderer.minFreeSpace(spec.persistence)).isEqualTo(new ByteSize(0));
    }

    @Test
    void everySectionPointsAtTheMountedFiles() throws Exception {
        MailRelaySpec spec = Specs.minimal();
        spec.hostname = "relay.example.com";
        spec.localDomains = List.of(new LocalDomain("example.com", "[2001:db8::1]:25"));
        spec.tls = new Tls();
        spec.tls.secretName = "relay-tls";
        spec.authentication = new Authentication();
        spec.authentication.usersSecret = "users";
        spec.authentication.allowWithoutTls = false;
        spec.outbound.mode = OutboundMode.SMARTHOST;
        spec.outbound.smarthost = new Smarthost();
        spec.outbound.smarthost.host = "smtp.provider.example";
        spec.outbound.smarthost.credentialsSecret = "creds";
        spec.limits = new Limits();
        spec.limits.maxMessageSize = 1048576L;
        spec.limits.authLockout = "15m";
        spec.service = new ServiceSpec();
        spec.service.proxyProtocol = true;
        spec.service.trustedProxies = List.of("192.0.2.0/28");

        JsonNode config = YAML.readTree(RelayConfigRenderer.render(spec));

        assertThat(config.at("/server/hostname").asText()).isEqualTo("relay.example.com");
        assertThat(config.at("/server/proxyProtocol").asBoolean()).isTrue();
        assertThat(config.at("/localDomains/0/domain").asText()).isEqualTo("example.com");
        assertThat(config.at("/localDomains/0/deliverTo").asText()).isEqualTo("[2001:db8::1]:25");
        assertThat(config.at("/tls/certificateFile").asText()).isEqualTo("/etc/mailrelay/tls/tls.crt");
        assertThat(config.at("/tls/keyFile").asText()).isEqualTo("/etc/mailrelay/tls/tls.key");
        assertThat(config.at("/authentication/usersFile").asText()).isEqualTo("/etc/mailrelay/auth/users");
        assertThat(config.at("/authentication/allowWithoutTls").asBoolean()).isFalse();
        assertThat(config.at("/outbound/mode").asText()).isEqualTo("smarthost");
        // defaults the schema would have filled in, applied here too for objects built in code
        assertThat(config.at("/outbound/smarthost/port").asInt()).isEqualTo(587);
        assertThat(config.at("/outbound/smarthost/tls").asText()).isEqualTo("required");
        assertThat(config.at("/outbound/smarthost/verifyCertificate").asBoolean()).isTrue();
        assertThat(config.at("/outbound/smarthost/usernameFile").asText()).isEqualTo("/etc/mailrelay/smarthost/username");
        assertThat(config.at("/outbound/smarthost/passwordFile").asText()).isEqualTo("/etc/mailrelay/smarthost/password");
        assertThat(config.at("/limits/maxMessageSize").asLong()).isEqualTo(1048576L);
        assertThat(config.at("/limits/authLockout").asText()).isEqualTo("15m");
        assertThat(config.at("/limits").has("maxRecipients")).isFalse();
    }

    /** The contract: what the operator renders for PROXY protocol and the hostile-client limits, the relay loads. */
    @Test
    void proxyProtocolAndClientLimitsRenderIntoARelayConfigTheRelayAccepts() throws Exception {
        MailRelaySpec spec = Specs.minimal();
        spec.service = new ServiceSpec();
        spec.service.type = ServiceSpec.Type.LoadBalancer;
        spec.service.proxyProtocol = true;
        spec.service.trustedProxies = List.of("192.0.2.0/28", "2001:db8:5::/64");
        spec.limits = new Limits();
        spec.limits.maxErrors = 30;
        spec.limits.maxHops = 40;
        spec.limits.maxMessagesInFlight = 60;
        spec.limits.maxLineLength = 131072;
        spec.limits.exemptAllowedNetworks = false;

        io.mailrelay.config.RelayConfig relay = parseAsTheRelay(RelayConfigRenderer.render(spec));

        assertThat(relay.server().proxyProtocol()).isTrue();
        assertThat(relay.server().trustedProxies()).extracting(Object::toString)
                .containsExactly("192.0.2.0/28", "2001:db8:5::/64");
        assertThat(relay.limits().maxErrors()).isEqualTo(30);
        assertThat(relay.limits().maxHops()).isEqualTo(40);
        assertThat(relay.limits().maxMessagesInFlight()).isEqualTo(60);
        assertThat(relay.limits().maxLineLength()).isEqualTo(131072);
        assertThat(relay.limits().exemptAllowedNetworks()).isFalse();

        spec.service.proxyProtocol = false; // the list means nothing without PROXY protocol: not rendered
        assertThat(YAML.readTree(RelayConfigRenderer.render(spec)).at("/server").has("trustedProxies")).isFalse();
    }

    @Test
    void recipientChecksAreRenderedAndTheRelayReadsThemBack() throws Exception {
        MailRelaySpec spec = Specs.minimal();
        LocalDomain callout = new LocalDomain("example.com", "mail.example.com:25");
        callout.recipientCheck = RecipientCheck.CALLOUT;
        LocalDomain list = new LocalDomain("lists.example.com", "lists.example.com:25");
        list.recipientCheck = RecipientCheck.LIST;
        list.recipients = List.of("*-announce@lists.example.com", "Info@Lists.Example.com");
        LocalDomain none = new LocalDomain("legacy.example.com", "legacy.example.com:25");
        none.recipientCheck = RecipientCheck.NONE;
        LocalDomain unset = new LocalDomain("other.example.com", "other.example.com:25");
        spec.localDomains = List.of(callout, list, none, unset);

        String yaml = RelayConfigRenderer.render(spec);
        JsonNode config = YAML.readTree(yaml);
        assertThat(config.at("/localDomains/0/recipientCheck").asText()).isEqualTo("callout");
        assertThat(config.at("/localDomains/1/recipientCheck").asText()).isEqualTo("list");
        assertThat(config.at("/localDomains/1/recipients/1").asText()).isEqualTo("Info@Lists.Example.com");
        assertThat(config.at("/localDomains/2/recipientCheck").asText()).isEqualTo("none");
        assertThat(config.at("/localDomains/3/recipientCheck").isMissingNode()).isTrue();

        // the contract: the relay parses what the operator writes, with the documented default
        var relay = parseAsTheRelay(yaml.replace("/var/spool/mailrelay",
                System.getProperty("java.io.tmpdir") + "/render-test-spool"));
        assertThat(relay.localDomains()).extracting(local -> local.recipientCheck()).containsExactly(
                RecipientCheck.CALLOUT, RecipientCheck.LIST, RecipientCheck.NONE, RecipientCheck.CALLOUT);
        assertThat(LocalDomainRule.of(relay.localDomains().get(1)).recipients()).extracting(Object::toString)
                .containsExactly("*-announce@lists.example.com", "Info@Lists.Example.com");
    }

    @Test
    void smarthostWithoutCredentialsNamesNoFiles() throws Exception {
        MailRelaySpec spec = Specs.minimal();
        spec.outbound.mode = OutboundMode.SMARTHOST;
        spec.outbound.smarthost = new Smarthost();
        spec.outbound.smarthost.host = "smtp.provider.example";
        spec.outbound.smarthost.port = 25;
        spec.outbound.smarthost.tls = SmarthostTls.OPPORTUNISTIC;

        JsonNode smarthost = YAML.readTree(RelayConfigRenderer.render(spec)).at("/outbound/smarthost");

        assertThat(smarthost.get("port").asInt()).isEqualTo(25);
        assertThat(smarthost.get("tls").asText()).isEqualTo("opportunistic");
        assertThat(smarthost.has("usernameFile")).isFalse();
        assertThat(smarthost.has("passwordFile")).isFalse();
    }

    @Test
    void aSmarthostRateLimitAndDkimSignAllWithAreRenderedAsTheRelayReadsThem() throws Exception {
        MailRelaySpec spec = Specs.minimal();
        spec.outbound.mode = OutboundMode.SMARTHOST;
        spec.outbound.smarthost = new Smarthost();
        spec.outbound.smarthost.host = "email-smtp.eu-west-1.amazonaws.com";
        spec.outbound.smarthost.rateLimit = new RateLimit();
        spec.outbound.smarthost.rateLimit.messagesPerSecond = 14;
        spec.outbound.smarthost.rateLimit.recipientsPerDay = 50000;
        DkimSigning signing = new DkimSigning();
        signing.domain = "example.com";
        signing.selector = "s1";
        spec.dkim = List.of(signing);
        spec.dkimSignAllWith = "Example.com";

        JsonNode yaml = YAML.readTree(RelayConfigRenderer.render(spec));

        assertThat(yaml.at("/outbound/smarthost/rateLimit/messagesPerSecond").asInt()).isEqualTo(14);
        assertThat(yaml.at("/outbound/smarthost/rateLimit/recipientsPerDay").asInt()).isEqualTo(50000);
        assertThat(yaml.at("/dkim/signAllWith").asText()).isEqualTo("Example.com");
        assertThat(RelayConfigRenderer.problems(spec)).isEmpty();

        spec.dkimSignAllWith = "other.example";
        assertThat(RelayConfigRenderer.problems(spec))
                .containsExactly("spec.dkimSignAllWith: \"other.example\" is not one of dkim.domains");
        spec.dkimSignAllWith = null;
        spec.outbound.smarthost.rateLimit.messagesPerSecond = 0;
        assertThat(RelayConfigRenderer.problems(spec)).containsExactly(
                "spec.outbound.smarthost.rateLimit.messagesPerSecond: must be greater than 0, was 0");
    }

    @Test
    void routesAreRenderedWithTheirOwnCredentialsMountsAndImplicitTlsDefaultsTo465() throws Exception {
        MailRelaySpec spec = Specs.minimal();
        spec.outbound.mode = OutboundMode.SMARTHOST;
        spec.outbound.smarthost = new Smarthost();
        spec.outbound.smarthost.host = "smtp.provider.example";
        Smarthost shop = new Smarthost();
        shop.host = "smtp.provider.example";
        shop.credentialsSecret = "shop-credentials";
        Smarthost news = new Smarthost();
        news.host = "smtps.other.example";
        news.tls = SmarthostTls.IMPLICIT;
        news.credentialsSecret = "news-credentials";
        news.clientCertificateSecret = "news-client";
        Smarthost partner = new Smarthost();
        partner.host = "mx.partner.example";
        partner.port = 25;
        partner.tls = SmarthostTls.OPPORTUNISTIC;
        spec.outbound.senderRoutes = List.of(new io.mailrelay.api.Route("shop.example", shop),
                new io.mailrelay.api.Route("news.example", news));
        spec.outbound.recipientRoutes = List.of(new io.mailrelay.api.Route("partner.example", partner));

        JsonNode outbound = YAML.readTree(RelayConfigRenderer.render(spec)).at("/outbound");

        assertThat(outbound.at("/smarthost/port").asInt()).isEqualTo(587);
        assertThat(outbound.at("/senderRoutes/0/domain").asText()).isEqualTo("shop.example");
        assertThat(outbound.at("/senderRoutes/0/smarthost/usernameFile").asText())
                .isEqualTo("/etc/mailrelay/routes/sender-0/username");
        assertThat(outbound.at("/senderRoutes/1/smarthost/tls").asText()).isEqualTo("implicit");
        assertThat(outbound.at("/senderRoutes/1/smarthost/port").asInt()).isEqualTo(465);
        assertThat(outbound.at("/senderRoutes/1/smarthost/passwordFile").asText())
                .isEqualTo("/etc/mailrelay/routes/sender-1/password");
        assertThat(outbound.at("/senderRoutes/1/smarthost/clientCertificateFile").asText())
                .isEqualTo("/etc/mailrelay/routes/sender-1-client/tls.crt");
        assertThat(outbound.at("/senderRoutes/1/smarthost/clientKeyFile").asText())
                .isEqualTo("/etc/mailrelay/routes/sender-1-client/tls.key");
        assertThat(outbound.at("/senderRoutes/0/smarthost").has("clientCertificateFile")).isFalse();
        assertThat(SecretRefs.clientCertificates(spec)).extracting(SecretRefs.RouteSecret::field)
                .containsExactly("outbound.senderRoutes[1].smarthost.clientCertificateSecret");
        assertThat(outbound.at("/recipientRoutes/0/smarthost/port").asInt()).isEqualTo(25);
        assertThat(outbound.at("/recipientRoutes/0/smarthost").has("usernameFile")).isFalse();
        assertThat(SecretRefs.names(spec)).contains("shop-credentials", "news-credentials", "news-client");
        assertThat(SecretRefs.routeCredentials(spec)).extracting(SecretRefs.RouteSecret::field).containsExactly(
                "outbound.senderRoutes[0].smarthost.credentialsSecret",
                "outbound.senderRoutes[1].smarthost.credentialsSecret");
    }

    @Test
    void aRecipientRouteForALocalDomainIsAProblemNamingItsSpecField() {
        MailRelaySpec spec = Specs.minimal();
        spec.localDomains = List.of(new io.mailrelay.api.LocalDomain("example.com", "mail.example.com:25"));
        Smarthost other = new Smarthost();
        other.host = "smtp.other.example";
        spec.outbound.recipientRoutes = List.of(new io.mailrelay.api.Route("Example.COM", other));

        assertThat(RelayConfigRenderer.problems(spec)).singleElement().asString()
                .startsWith("spec.outbound.recipientRoutes[0].domain: \"Example.COM\" is a local domain");
    }

    @Test
    void configHashFollowsTheRelayYamlAlone() {
        String yaml = RelayConfigRenderer.render(Specs.minimal());
        String hash = ConfigHash.of(yaml);

        assertThat(ConfigHash.of(RelayConfigRenderer.render(Specs.minimal()))).isEqualTo(hash);
        assertThat(ConfigHash.of(yaml + "#")).isNotEqualTo(hash);
    }
}
