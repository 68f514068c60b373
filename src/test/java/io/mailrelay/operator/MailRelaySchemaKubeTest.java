package io.mailrelay.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.mailrelay.testing.RealKubeApiServer;

/** The API server itself refuses bad MailRelays, with a message naming the field; every example passes. */
@Tag("kube")
class MailRelaySchemaKubeTest {

    @RegisterExtension
    static final RealKubeApiServer api = new RealKubeApiServer();
    static final String NS = "schema";
    static KubeFixture kube;

    @BeforeAll
    static void crd() {
        kube = new KubeFixture(api.client());
        kube.installCrdOnly();
        kube.namespace(NS, Map.of());
    }

    @AfterAll
    static void stop() {
        kube.stop();
    }

    static Stream<Arguments> invalidSpecs() {
        return Stream.of(
                Arguments.of("bad CIDR", """
                        allowedNetworks: ["10.20.0.0/16", "10.0.0.300/8"]
                        outbound: {mode: mx}
                        """, "spec.allowedNetworks", "allowedNetworks must contain only CIDRs"),
                Arguments.of("CIDR without prefix", """
                        allowedNetworks: ["10.20.0.1"]
                        outbound: {mode: mx}
                        """, "spec.allowedNetworks", "must contain only CIDRs"),
                Arguments.of("bad domain", """
                        localDomains: [{domain: "exa mple.com", deliverTo: "mail.example.com:25"}]
                        outbound: {mode: mx}
                        """, "spec.localDomains[0].domain", "should match"),
                Arguments.of("bad deliverTo", """
                        localDomains: [{domain: example.com, deliverTo: "mail.example.com"}]
                        outbound: {mode: mx}
                        """, "spec.localDomains[0].deliverTo", "should match"),
                Arguments.of("recipient list without recipients", """
                        localDomains: [{domain: example.com, deliverTo: "mail.example.com:25", recipientCheck: list}]
                        outbound: {mode: mx}
                        """, "spec.localDomains[0]", "recipients is required and must not be empty with recipientCheck list"),
                Arguments.of("recipients without recipientCheck list", """
                        localDomains: [{domain: example.com, deliverTo: "mail.example.com:25", recipients: ["*@example.com"]}]
                        outbound: {mode: mx}
                        """, "spec.localDomains[0]", "recipients is only used with recipientCheck list"),
                Arguments.of("a recipient pattern of another domain", """
                        localDomains: [{domain: example.com, deliverTo: "mail.example.com:25", recipientCheck: list,
                                        recipients: ["*@example.com", "bob@other.example"]}]
                        outbound: {mode: mx}
                        """, "spec.localDomains[0]", "every recipients pattern must be local-part@ this domain"),
                Arguments.of("unknown recipientCheck", """
                        localDomains: [{domain: example.com, deliverTo: "mail.example.com:25", recipientCheck: verify}]
                        outbound: {mode: mx}
                        """, "spec.localDomains[0].recipientCheck", "Unsupported value"),
                Arguments.of("smarthost mode without smarthost", """
                        allowedNetworks: ["10.20.0.0/16"]
                        outbound: {mode: smarthost}
                        """, "spec.outbound.smarthost", "outbound.smarthost is required when outbound.mode is smarthost"),
                Arguments.of("unknown outbound mode", """
                        outbound: {mode: pigeon}
                        """, "spec.outbound.mode", "Unsupported value"),
                Arguments.of("no outbound", """
                        allowedNetworks: ["10.20.0.0/16"]
                        """, "spec.outbound", "Required value"),
                Arguments.of("PROXY protocol on a ClusterIP Service", """
                        outbound: {mode: mx}
                        service: {proxyProtocol: true}
                        """, "spec.service.proxyProtocol", "needs service.type LoadBalancer or NodePort"),
                Arguments.of("PROXY protocol without trusted proxies", """
                        outbound: {mode: mx}
                        service: {type: LoadBalancer, proxyProtocol: true}
                        """, "spec.service.trustedProxies", "service.proxyProtocol needs service.trustedProxies"),
                Arguments.of("PROXY protocol with an empty list of trusted proxies", """
                        outbound: {mode: mx}
                        service: {type: LoadBalancer, proxyProtocol: true, trustedProxies: []}
                        """, "spec.service.trustedProxies", "service.proxyProtocol needs service.trustedProxies"),
                Arguments.of("trusted proxy that is no CIDR", """
                        outbound: {mode: mx}
                        service: {type: LoadBalancer, proxyProtocol: true, trustedProxies: ["lb.example.com"]}
                        """, "spec.service.trustedProxies", "trustedProxies must contain only CIDRs"),
                Arguments.of("maxErrors of 0", """
                        outbound: {mode: mx}
                        limits: {maxErrors: 0}
                        """, "spec.limits.maxErrors", "greater than or equal to 1"),
                Arguments.of("the deprecated enabled: true with an emptyDir", """
                        outbound: {mode: mx}
                        persistence: {enabled: true, type: EmptyDir}
                        """, "spec.persistence.enabled", "persistence.enabled: true contradicts persistence.type: EmptyDir"),
                Arguments.of("unknown spool volume type", """
                        outbound: {mode: mx}
                        persistence: {type: HostPath}
                        """, "spec.persistence.type", "Unsupported value"),
                Arguments.of("probe more often than every 10 seconds", """
                        outbound: {mode: mx}
                        probe: {interval: 5s}
                        """, "spec.probe.interval", "probe.interval must be at least 10s"),
                Arguments.of("AUTH in clear text without saying so", """
                        outbound: {mode: mx}
                        authentication: {usersSecret: users}
                        """, "spec.authentication", "authentication needs tls"),
                Arguments.of("grace period too short for the preStop pause, a drain and the exit margin", """
                        outbound: {mode: mx}
                        terminationGracePeriodSeconds: 19
                        """, "spec.terminationGracePeriodSeconds", "greater than or equal to 20"),
                Arguments.of("grace period over an hour", """
                        outbound: {mode: mx}
                        terminationGracePeriodSeconds: 3601
                        """, "spec.terminationGracePeriodSeconds", "less than or equal to 3600"),
                Arguments.of("a pod label the operator selects by", """
                        outbound: {mode: mx}
                        podLabels: {app.kubernetes.io/instance: other}
                        """, "spec.podLabels", "podLabels must not set app.kubernetes.io/ labels"),
                Arguments.of("an empty rate limit", """
                        outbound: {mode: smarthost, smarthost: {host: smtp.provider.test, rateLimit: {}}}
                        """, "spec.outbound.smarthost.rateLimit", "rateLimit needs messagesPerSecond, recipientsPerDay or both"),
                Arguments.of("zero messages per second", """
                        outbound: {mode: smarthost, smarthost: {host: smtp.provider.test, rateLimit: {messagesPerSecond: 0}}}
                        """, "spec.outbound.smarthost.rateLimit.messagesPerSecond", "greater than or equal to 1"),
                Arguments.of("negative recipients per day", """
                        outbound: {mode: smarthost, smarthost: {host: smtp.provider.test, rateLimit: {recipientsPerDay: -1}}}
                        """, "spec.outbound.smarthost.rateLimit.recipientsPerDay", "greater than or equal to 1"),
                Arguments.of("dkimSignAllWith not a dkim domain", """
                        outbound: {mode: mx}
                        dkim: [{domain: example.com, selector: s1}]
                        dkimSignAllWith: other.example
                        """, "spec.dkimSignAllWith", "dkimSignAllWith must be one of the dkim domains"),
                Arguments.of("a sender route listed twice", """
                        outbound:
                          mode: mx
                          senderRoutes:
                            - {domain: shop.example, smarthost: {host: a.example}}
                            - {domain: Shop.Example, smarthost: {host: b.example}}
                        """, "spec.outbound.senderRoutes", "senderRoutes must not list a domain twice"),
                Arguments.of("a recipient route listed twice", """
                        outbound:
                          mode: mx
                          recipientRoutes:
                            - {domain: partner.example, smarthost: {host: a.example}}
                            - {domain: PARTNER.example, smarthost: {host: b.example}}
                        """, "spec.outbound.recipientRoutes", "recipientRoutes must not list a domain twice"),
                Arguments.of("a recipient route for a local domain", """
                        localDomains: [{domain: example.com, deliverTo: "mail.example.com:25"}]
                        outbound:
                          mode: mx
                          recipientRoutes: [{domain: Example.com, smarthost: {host: a.example}}]
                        """, "spec.outbound.recipientRoutes", "must not route a local domain"),
                Arguments.of("a route without a smarthost", """
                        outbound: {mode: mx, senderRoutes: [{domain: shop.example}]}
                        """, "spec.outbound.senderRoutes[0].smarthost", "Required value"),
                Arguments.of("an unknown smarthost TLS mode", """
                        outbound: {mode: smarthost, smarthost: {host: smtp.example.net, tls: wrapped}}
                        """, "spec.outbound.smarthost.tls", "Unsupported value"),
                Arguments.of("a client certificate without TLS", """
                        outbound: {mode: smarthost, smarthost: {host: smtp.example.net, tls: none, clientCertificateSecret: c}}
                        """, "spec.outbound.smarthost.clientCertificateSecret", "clientCertificateSecret needs TLS"),
                Arguments.of("negative replicas", """
                        replicas: -1
                        outbound: {mode: mx}
                        """, "spec.replicas", "greater than or equal to 0"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidSpecs")
    void apiServerRefusesWithTheFieldNamed(String what, String spec, String field, String message) {
        String name = "bad-" + Integer.toHexString(what.hashCode());
        String yaml = "apiVersion: mailrelay.io/v1alpha1\nkind: MailRelay\nmetadata: {name: " + name
                + ", namespace: " + NS + "}\nspec:\n" + spec.indent(2);

        assertThatThrownBy(() -> api.client().resource(yaml).create())
                .isInstanceOf(KubernetesClientException.class)
                .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(422))
                .hasMessageContaining(field)
                .hasMessageContaining(message);
    }

    @Test
    void everyExampleIsAccepted() throws IOException {
        List<Path> examples;
        try (var files = Files.list(Path.of("deploy", "examples"))) {
            examples = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(examples).hasSizeGreaterThanOrEqualTo(5);
        for (Path example : examples) {
            var relay = kube.example(example.getFileName().toString(), NS);
            var created = api.client().resource(relay).dryRun().create();
            assertThat(created.getSpec().outbound).as(example.toString()).isNotNull();
        }
    }

    /**
     * What a v0.1 object reads as: neither type nor size is defaulted by the API server (it would apply a
     * default on every read too, and an absent type must stay distinguishable from EmptyDir asked for).
     */
    @Test
    void persistenceIsStoredAsWrittenWithoutDefaults() {
        String yaml = "apiVersion: mailrelay.io/v1alpha1\nkind: MailRelay\nmetadata: {name: legacy, namespace: " + NS
                + "}\nspec:\n  outbound: {mode: mx}\n  persistence: {minFreeSpace: 50Mi}\n";
        var created = api.client().resources(io.mailrelay.api.MailRelay.class)
                .resource(io.fabric8.kubernetes.client.utils.Serialization.unmarshal(yaml, io.mailrelay.api.MailRelay.class))
                .dryRun().create();
        assertThat(created.getSpec().persistence.type).isNull();
        assertThat(created.getSpec().persistence.enabled).isNull();
        assertThat(created.getSpec().persistence.size).isNull();
        for (String spec : List.of("persistence: {type: EmptyDir}", "persistence: {enabled: false, type: EmptyDir}",
                "persistence: {enabled: true}", "persistence: {enabled: false}")) {
            String ok = "apiVersion: mailrelay.io/v1alpha1\nkind: MailRelay\nmetadata: {name: ok, namespace: " + NS
                    + "}\nspec:\n  outbound: {mode: mx}\n  " + spec + "\n";
            assertThat(api.client().resource(ok).dryRun().create()).as(spec).isNotNull();
        }
    }

    @Test
    void kubectlExplainTeachesTheSpec() {
        var result = api.kubectl("explain", "mailrelay.spec").assertSuccess();
        assertThat(result.stdout())
                .contains("allowedNetworks")
                .contains("CIDRs allowed to relay to any recipient")
                .contains("outbound").contains("-required-");
        assertThat(api.kubectl("explain", "mailrelay.spec.service.externalTrafficPolicy").assertSuccess().stdout())
                .contains("SNAT");
    }
}
