package io.mailrelay.operator.render;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.mailrelay.api.Authentication;
import io.mailrelay.api.Limits;
import io.mailrelay.api.LocalDomain;
import io.mailrelay.api.MailRelaySpec;
import io.mailrelay.api.Outbound;
import io.mailrelay.api.ServiceSpec;
import io.mailrelay.api.Smarthost;
import io.mailrelay.api.Tls;
import io.mailrelay.operator.Specs;
import io.mailrelay.relay.policy.RecipientCheck;

@Tag("unit")
class RelayConfigRendererTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

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
                """);
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
        spec.outbound.mode = Outbound.Mode.smarthost;
        spec.outbound.smarthost = new Smarthost();
        spec.outbound.smarthost.host = "smtp.provider.example";
        spec.outbound.smarthost.credentialsSecret = "creds";
        spec.limits = new Limits();
        spec.limits.maxMessageSize = 1048576L;
        spec.limits.authLockout = "15m";
        spec.service = new ServiceSpec();
        spec.service.proxyProtocol = true;

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

    @Test
    void recipientChecksAreRenderedAndTheRelayReadsThemBack() throws Exception {
        MailRelaySpec spec = Specs.minimal();
        LocalDomain callout = new LocalDomain("example.com", "mail.example.com:25");
        callout.recipientCheck = LocalDomain.RecipientCheck.callout;
        LocalDomain list = new LocalDomain("lists.example.com", "lists.example.com:25");
        list.recipientCheck = LocalDomain.RecipientCheck.list;
        list.recipients = List.of("*-announce@lists.example.com", "Info@Lists.Example.com");
        LocalDomain none = new LocalDomain("legacy.example.com", "legacy.example.com:25");
        none.recipientCheck = LocalDomain.RecipientCheck.none;
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
        var relay = io.mailrelay.relay.config.RelayConfigLoader.parse(yaml.replace("/var/spool/mailrelay",
                System.getProperty("java.io.tmpdir") + "/render-test-spool"));
        assertThat(relay.localDomains()).extracting(local -> local.recipientCheck()).containsExactly(
                RecipientCheck.CALLOUT, RecipientCheck.LIST, RecipientCheck.NONE, RecipientCheck.CALLOUT);
        assertThat(relay.localDomains().get(1).rule().recipients()).extracting(Object::toString)
                .containsExactly("*-announce@lists.example.com", "Info@Lists.Example.com");
    }

    @Test
    void smarthostWithoutCredentialsNamesNoFiles() throws Exception {
        MailRelaySpec spec = Specs.minimal();
        spec.outbound.mode = Outbound.Mode.smarthost;
        spec.outbound.smarthost = new Smarthost();
        spec.outbound.smarthost.host = "smtp.provider.example";
        spec.outbound.smarthost.port = 25;
        spec.outbound.smarthost.tls = Smarthost.TlsMode.opportunistic;

        JsonNode smarthost = YAML.readTree(RelayConfigRenderer.render(spec)).at("/outbound/smarthost");

        assertThat(smarthost.get("port").asInt()).isEqualTo(25);
        assertThat(smarthost.get("tls").asText()).isEqualTo("opportunistic");
        assertThat(smarthost.has("usernameFile")).isFalse();
        assertThat(smarthost.has("passwordFile")).isFalse();
    }

    @Test
    void configHashChangesWithConfigAndSecretsAndNothingElse() {
        String yaml = RelayConfigRenderer.render(Specs.minimal());
        String hash = ConfigHash.of(yaml, java.util.Map.of("users/users", "alice:x"));

        assertThat(ConfigHash.of(yaml, java.util.Map.of("users/users", "alice:x"))).isEqualTo(hash);
        assertThat(ConfigHash.of(yaml, java.util.Map.of("users/users", "alice:y"))).isNotEqualTo(hash);
        assertThat(ConfigHash.of(yaml + "#", java.util.Map.of("users/users", "alice:x"))).isNotEqualTo(hash);
        // length prefixes: moving bytes from one value to the next is a different input
        assertThat(ConfigHash.of("ab", java.util.Map.of())).isNotEqualTo(ConfigHash.of("a", java.util.Map.of("b", "")));
    }
}
