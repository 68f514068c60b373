package io.mailrelay.operator.check;

import io.mailrelay.api.SecretRefs;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.mailrelay.api.Authentication;
import io.mailrelay.api.MailRelaySpec;
import io.mailrelay.api.Smarthost;
import io.mailrelay.api.Tls;
import io.mailrelay.config.OutboundMode;
import io.mailrelay.operator.Specs;

@Tag("unit")
class ReferencedSecretsTest {

    private static final String HASH = "$2y$05$" + "a".repeat(53);
    private final Map<String, Secret> secrets = new HashMap<>();

    @Test
    void noReferencesNothingToCheck() {
        ReferencedSecrets result = ReferencedSecrets.check(Specs.minimal(), secrets::get);

        assertThat(result.valid()).isTrue();
    }

    @Test
    void everyMissingSecretIsNamedWithItsField() {
        ReferencedSecrets result = ReferencedSecrets.check(fullSpec(), secrets::get);

        assertThat(result.valid()).isFalse();
        assertThat(result.problems()).extracting(ConfigProblem::message).containsExactly(
                "tls.secretName: Secret tls not found",
                "authentication.usersSecret: Secret users not found",
                "outbound.smarthost.credentialsSecret: Secret creds not found");
        assertThat(result.problems()).extracting(ConfigProblem::reason).containsOnly("SecretMissing");
    }

    @Test
    void wrongTypeMissingKeysAndNonBcryptUsersAreInvalid() {
        put("tls", "Opaque", Map.of("tls.crt", "c", "tls.key", "k"));
        put("users", "Opaque", Map.of("users", "alice:" + HASH + "\nbob:plaintext\n"));
        put("creds", "Opaque", Map.of("username", "relay"));

        ReferencedSecrets result = ReferencedSecrets.check(fullSpec(), secrets::get);

        assertThat(result.problems()).extracting(ConfigProblem::message).containsExactly(
                "tls.secretName: Secret tls has type Opaque, expected kubernetes.io/tls",
                "authentication.usersSecret: Secret users key 'users' line 2: the hash of \"bob\" is not bcrypt ($2a$, $2b$ or $2y$, as written by htpasswd -B)",
                "outbound.smarthost.credentialsSecret: Secret creds has no key 'password'");
        assertThat(result.problems()).extracting(ConfigProblem::reason).containsOnly("SecretInvalid");
    }

    @Test
    void completeSecretsAreValid() {
        put("tls", "kubernetes.io/tls", Map.of("tls.crt", "c", "tls.key", "k"));
        put("users", "Opaque", Map.of("users", "# admins\nalice:" + HASH + "\n\n"));
        put("creds", "Opaque", Map.of("username", "relay", "password", "pw"));

        ReferencedSecrets result = ReferencedSecrets.check(fullSpec(), secrets::get);

        assertThat(result.problems()).isEmpty();
        assertThat(result.valid()).isTrue();
    }

    @Test
    void namedDkimSecretsMustHoldAnRsaOrEd25519Key() {
        MailRelaySpec spec = Specs.minimal();
        spec.dkim = new java.util.ArrayList<>();
        for (String name : new String[] { "missing", "nokey", "junk", "good", null }) {
            io.mailrelay.api.DkimSigning signing = new io.mailrelay.api.DkimSigning();
            signing.domain = "example.com";
            signing.selector = name == null ? "generated" : name;
            signing.secretName = name;
            spec.dkim.add(signing);
        }
        put("nokey", "Opaque", Map.of("key.pem", "x"));
        put("junk", "Opaque", Map.of("private.pem", "not a key"));
        put("good", "Opaque", Map.of("private.pem", io.mailrelay.config.DkimKey.generate(
                io.mailrelay.config.DkimKey.Algorithm.ED25519).privateKeyPem()));

        ReferencedSecrets result = ReferencedSecrets.check(spec, secrets::get);

        assertThat(result.problems()).extracting(ConfigProblem::message).containsExactly(
                "dkim[0].secretName: Secret missing not found",
                "dkim[1].secretName: Secret nokey has no key 'private.pem'",
                "dkim[2].secretName: Secret junk key 'private.pem' holds no unencrypted PEM private key (PKCS#1 or PKCS#8)");
        assertThat(io.mailrelay.api.SecretRefs.names(spec)).containsExactly("missing", "nokey", "junk", "good");
    }

    @Test
    void eachRoutesCredentialsSecretIsCheckedAndNamedWithItsField() {
        MailRelaySpec spec = Specs.minimal();
        io.mailrelay.api.Smarthost shop = new io.mailrelay.api.Smarthost();
        shop.host = "smtp.provider.example";
        shop.credentialsSecret = "shop-credentials";
        io.mailrelay.api.Smarthost plain = new io.mailrelay.api.Smarthost();
        plain.host = "mx.partner.example";
        io.mailrelay.api.Smarthost news = new io.mailrelay.api.Smarthost();
        news.host = "smtps.provider.example";
        news.credentialsSecret = "news-credentials";
        spec.outbound.recipientRoutes = java.util.List.of(new io.mailrelay.api.Route("partner.example", plain));
        spec.outbound.senderRoutes = java.util.List.of(new io.mailrelay.api.Route("shop.example", shop),
                new io.mailrelay.api.Route("news.example", news));
        news.clientCertificateSecret = "news-client";
        put("shop-credentials", "Opaque", Map.of("username", "shop"));
        put("news-client", "Opaque", Map.of("tls.crt", "c", "tls.key", "k"));

        ReferencedSecrets result = ReferencedSecrets.check(spec, secrets::get);

        assertThat(result.problems()).extracting(ConfigProblem::message).containsExactly(
                "outbound.senderRoutes[0].smarthost.credentialsSecret: Secret shop-credentials has no key 'password'",
                "outbound.senderRoutes[1].smarthost.credentialsSecret: Secret news-credentials not found",
                "outbound.senderRoutes[1].smarthost.clientCertificateSecret: Secret news-client has type Opaque, "
                        + "expected kubernetes.io/tls");
        put("shop-credentials", "Opaque", Map.of("username", "shop", "password", "pw"));
        put("news-credentials", "Opaque", Map.of("username", "news", "password", "pw"));
        put("news-client", "kubernetes.io/tls", Map.of("tls.crt", "c", "tls.key", "k"));
        assertThat(ReferencedSecrets.check(spec, secrets::get).valid()).isTrue();
    }

    private void put(String name, String type, Map<String, String> data) {
        Map<String, String> encoded = new HashMap<>();
        data.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        secrets.put(name, new SecretBuilder().withNewMetadata().withName(name).endMetadata().withType(type)
                .withData(encoded).build());
    }

    private static MailRelaySpec fullSpec() {
        MailRelaySpec spec = Specs.minimal();
        spec.tls = new Tls();
        spec.tls.secretName = "tls";
        spec.authentication = new Authentication();
        spec.authentication.usersSecret = "users";
        spec.outbound.mode = OutboundMode.SMARTHOST;
        spec.outbound.smarthost = new Smarthost();
        spec.outbound.smarthost.host = "smtp.provider.example";
        spec.outbound.smarthost.credentialsSecret = "creds";
        return spec;
    }
}
