package io.mailrelay.operator;

import static io.mailrelay.operator.KubeFixture.condition;
import static io.mailrelay.operator.KubeFixture.conditionIs;
import static io.mailrelay.operator.KubeFixture.observed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.mailrelay.api.LocalDomain;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.MailRelaySpec;
import io.mailrelay.api.Persistence;
import io.mailrelay.api.SenderRestrictions;
import io.mailrelay.config.InvalidConfigException;
import io.mailrelay.operator.render.PodMounts;
import io.mailrelay.operator.render.RandomSpecs;
import io.mailrelay.operator.render.RelayConfigRenderer;
import io.mailrelay.api.Conditions;
import io.mailrelay.relay.config.RelayConfigLoader;
import io.mailrelay.testing.Exec;
import io.mailrelay.testing.RealKubeApiServer;

/**
 * The CRD and the operator's pre-checks refuse what the relay's loader refuses: a table of values the relay refuses,
 * each refused at {@code kubectl apply}; random specs at and past the schema's bounds, none accepted by both the API
 * server and the pre-check that the relay would then refuse; values and Secrets only the operator can check reported
 * in ConfigValid with nothing applied.
 */
@Tag("kube")
class RelayContractKubeTest {

    @RegisterExtension
    static final OperatorUnderTest operator = new OperatorUnderTest();
    static final RealKubeApiServer api = operator.api;
    static final KubeFixture kube = operator.kube;
    static final String NS = "contract";

    @TempDir
    static Path dir;

    @BeforeAll
    static void namespace() {
        kube.namespace(NS, Map.of());
    }

    /**
     * what, the spec's fields (also a relay.yaml: the contract's field names are the spec's), the field kubectl and the
     * relay name, kubectl's message.
     */
    static Stream<Arguments> valuesTheRelayRefuses() {
        String mx = "outbound: {mode: mx}\n";
        return Stream.of(
                Arguments.of("deliverTo port 0", mx + "localDomains: [{domain: example.com, deliverTo: \"mail.example.com:0\"}]",
                        "spec.localDomains[0].deliverTo", "should match"),
                Arguments.of("deliverTo port 65536", mx + "localDomains: [{domain: example.com, deliverTo: \"[2001:db8::1]:65536\"}]",
                        "spec.localDomains[0].deliverTo", "should match"),
                Arguments.of("deliverTo port 99999", mx + "localDomains: [{domain: example.com, deliverTo: \"mail.example.com:99999\"}]",
                        "spec.localDomains[0].deliverTo", "should match"),
                Arguments.of("a 0s idle timeout", mx + "limits: {idleTimeout: 0s}",
                        "spec.limits.idleTimeout", "should match"),
                Arguments.of("a 0m lockout", mx + "limits: {authLockout: 0m}",
                        "spec.limits.authLockout", "should match"),
                Arguments.of("a 10-digit command timeout", mx + "limits: {commandTimeout: 1234567890s}",
                        "spec.limits.commandTimeout", "should match"),
                Arguments.of("a local domain listed twice", mx + "localDomains: [{domain: example.com, deliverTo: \"a.example.com:25\"}, {domain: EXAMPLE.com, deliverTo: \"b.example.com:25\"}]",
                        "spec.localDomains", "must not list a domain twice"),
                Arguments.of("sender restrictions without a domain", mx + "senderRestrictions: {allowedSenderDomains: []}",
                        "spec.senderRestrictions.allowedSenderDomains", "should have at least 1 items"),
                Arguments.of("a line length under RFC 5321's", mx + "limits: {maxLineLength: 999}",
                        "spec.limits.maxLineLength", "greater than or equal to 1000"),
                Arguments.of("a smarthost on port 0", "outbound: {mode: smarthost, smarthost: {host: smtp.example.com, port: 0}}",
                        "spec.outbound.smarthost.port", "greater than or equal to 1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesTheRelayRefuses")
    void kubectlApplyRefusesWhatTheRelayRefuses(String what, String spec, String field, String message) throws Exception {
        assertThatThrownBy(() -> RelayConfigLoader.parse(spec)).as("the relay refuses %s", what)
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining(field.substring("spec.".length()));

        Path manifest = Files.writeString(dir.resolve("bad-" + Integer.toHexString(what.hashCode()) + ".yaml"),
                "apiVersion: mailrelay.io/v1alpha1\nkind: MailRelay\nmetadata: {name: bad, namespace: " + NS
                        + "}\nspec:\n" + spec.indent(2));
        Exec.Result apply = api.kubectl("apply", "-f", manifest.toString());

        assertThat(apply.exitCode()).as("kubectl apply of %s", what).isNotZero();
        assertThat(apply.stderr()).as(what).contains(field).contains(message);
    }

    /**
     * Specs within the schema, each then changed at a boundary or past it: whatever passes both the API server and the
     * operator's pre-check, the relay's loader runs.
     */
    @Test
    void nothingThatPassesTheApiServerAndThePreCheckIsRefusedByTheRelay() throws Exception {
        RandomSpecs specs = new RandomSpecs(31337L);
        Random random = new Random(31337L);
        List<Consumer<MailRelaySpec>> mutations = mutations(random);
        var mounts = new PodMounts(Files.createDirectories(dir.resolve("mounts")));
        int refusedByApi = 0;
        int refusedByPreCheck = 0;
        int loaded = 0;
        List<String> escaped = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            MailRelaySpec spec = specs.next();
            boolean mutated = i % 4 != 0; // a quarter as generated: the schema's own values must all pass
            if (mutated) {
                mutations.get(random.nextInt(mutations.size())).accept(spec);
            }
            MailRelay relay = Specs.relay("fuzz-" + i, spec);
            relay.getMetadata().setNamespace(NS);
            relay.getMetadata().setUid(null);
            relay.getMetadata().setGeneration(null);
            try {
                api.client().resource(relay).dryRun().create();
            } catch (KubernetesClientException e) {
                assertThat(mutated).as("spec %d, unchanged, refused: %s", i, e.getMessage()).isTrue();
                refusedByApi++;
                continue;
            }
            List<String> problems = RelayConfigRenderer.problems(spec);
            if (!problems.isEmpty()) {
                assertThat(problems).as("spec %d", i).allMatch(p -> p.startsWith("spec."));
                refusedByPreCheck++;
                continue;
            }
            try {
                RelayConfigLoader.parse(RelayConfigRenderer.render(spec), mounts.resolver());
                loaded++;
            } catch (InvalidConfigException e) {
                escaped.add(Serialization.asYaml(spec) + "→ " + e.getMessage());
            }
        }
        System.out.printf("contract: 200 specs: %d refused by the API server, %d by the operator's pre-check, "
                + "%d loaded by the relay, %d refused only by the relay%n", refusedByApi, refusedByPreCheck, loaded,
                escaped.size());
        assertThat(escaped).as("accepted by the API server and the pre-check, refused by the relay").isEmpty();
        assertThat(refusedByApi).isGreaterThan(20);
        assertThat(refusedByPreCheck).isGreaterThan(0);
        assertThat(loaded).isGreaterThan(50);
    }

    private static List<Consumer<MailRelaySpec>> mutations(Random random) {
        List<String> ports = List.of("0", "1", "65535", "65536", "99999", "025");
        List<String> durations = List.of("0s", "00m", "1s", "999999999h", "1234567890s", "1d", "-1s");
        return List.of(
                spec -> spec.localDomains = List.of(new LocalDomain("example.com",
                        "mail.example.com:" + ports.get(random.nextInt(ports.size())))),
                spec -> {
                    spec.limits = spec.limits == null ? new io.mailrelay.api.Limits() : spec.limits;
                    spec.limits.idleTimeout = durations.get(random.nextInt(durations.size()));
                },
                spec -> spec.localDomains = List.of(new LocalDomain("example.com", "a.example.com:25"),
                        new LocalDomain(random.nextBoolean() ? "Example.COM" : "example.org", "b.example.com:25")),
                spec -> {
                    spec.senderRestrictions = new SenderRestrictions();
                    spec.senderRestrictions.allowedSenderDomains = random.nextBoolean() ? List.of() : List.of("example.com");
                },
                spec -> {
                    spec.persistence = new Persistence();
                    spec.persistence.minFreeSpace = new Quantity(List.of("-1Mi", "0", "1e30", "0.5", "100Mi").get(random.nextInt(5)));
                },
                spec -> {
                    spec.limits = spec.limits == null ? new io.mailrelay.api.Limits() : spec.limits;
                    spec.limits.maxLineLength = List.of(999, 1000, 1048576, 1048577).get(random.nextInt(4));
                });
    }

    @Test
    void valuesOnlyTheOperatorCanCheckAreReportedInConfigValidAndNothingIsApplied() {
        MailRelay relay = kube.example("minimal.yaml", NS);
        relay.getMetadata().setName("negative-min-free");
        relay.getSpec().persistence = new Persistence();
        relay.getSpec().persistence.minFreeSpace = new Quantity("-1Mi");
        relay = kube.create(relay);

        MailRelay reported = kube.awaitRelay(NS, "negative-min-free",
                observed(relay).and(conditionIs(Conditions.CONFIG_VALID, "False")));

        assertThat(condition(reported, Conditions.CONFIG_VALID).orElseThrow()).satisfies(c -> {
            assertThat(c.getReason()).isEqualTo("InvalidValue");
            assertThat(c.getMessage()).contains("spec.persistence.minFreeSpace").contains("must not be negative");
        });
        assertThat(kube.client().configMaps().inNamespace(NS).withName("negative-min-free-config").get()).isNull();
        System.out.println(api.kubectl("get", "mr", "negative-min-free", "-n", NS).assertSuccess().stdout());
        System.out.println(api.kubectl("describe", "mr", "negative-min-free", "-n", NS).assertSuccess().stdout());
    }

    @Test
    void usersSecretsTheRelayWouldRefuseAreReportedNamingTheLine() {
        String good = OpenBSDBCrypt.generate("2y", "secret".toCharArray(), salt(), 4);
        Map<String, String> secrets = Map.of(
                "old-prefix", "alice:" + good.replace("$2y$", "$2$") + "\n",
                "twice", "alice:" + good + "\nbob:" + good + "\nalice:" + good + "\n");
        Map<String, String> expected = Map.of(
                "old-prefix", "line 1: the hash of \"alice\" is not bcrypt",
                "twice", "line 3: user \"alice\" is listed twice");
        for (var secret : secrets.entrySet()) {
            String name = "users-" + secret.getKey();
            kube.secret(NS, name, "Opaque", Map.of("users", secret.getValue()));
            MailRelay relay = kube.example("tls-auth.yaml", NS);
            relay.getMetadata().setName(name);
            relay.getSpec().tls = null;
            relay.getSpec().authentication.allowWithoutTls = true;
            relay.getSpec().authentication.usersSecret = name;
            relay = kube.create(relay);

            MailRelay reported = kube.awaitRelay(NS, name, observed(relay).and(conditionIs(Conditions.CONFIG_VALID, "False")));

            assertThat(condition(reported, Conditions.CONFIG_VALID).orElseThrow()).as(name).satisfies(c -> {
                assertThat(c.getReason()).isEqualTo("SecretInvalid");
                assertThat(c.getMessage()).contains("Secret " + name).contains(expected.get(secret.getKey()));
            });
        }
    }

    private static byte[] salt() {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        return salt;
    }
}
