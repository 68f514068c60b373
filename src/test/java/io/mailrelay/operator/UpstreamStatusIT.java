package io.mailrelay.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.UpstreamStatus;
import io.mailrelay.operator.render.PodTemplateFactory;
import io.mailrelay.api.Conditions;
import io.mailrelay.relay.RelayFixture;
import io.mailrelay.relay.delivery.TestPki;
import io.mailrelay.testing.AppProcess;
import io.mailrelay.testing.FreePort;
import io.mailrelay.testing.LocalKubelet;
import io.mailrelay.testing.RealKubeApiServer;

/**
 * The upstream check seen from kubectl: the packaged operator against a real API server, {@link LocalKubelet} running
 * the relay as a real process whose smarthost keeps the rendered STARTTLS (verified against a test CA) and AUTH with
 * the mounted credentials Secret, checked every 2 s. The smarthost is a real SMTP server (our relay, with a
 * certificate for 127.0.0.1 and a bcrypt users file). UpstreamReady goes False(Connect) while the smarthost is down,
 * False(Auth, 535) once it is up and refuses the password of the credentials Secret, True once the Secret is fixed
 * (the pod is not rolled: the relay reads the mounted files at every check), with the certificate's notAfter in
 * status.upstreams; a certificate that expires in 7 days gives one CertificateExpiresSoon Warning. The
 * smarthost receives no message from all those checks.
 */
@Tag("kube")
@Tag("smtp")
class UpstreamStatusIT {

    private static final String NAMESPACE = "mail";
    private static final String WRONG_PASSWORD = "not-the-providers-password";

    @RegisterExtension
    static final RealKubeApiServer api = new RealKubeApiServer();

    @Test
    void upstreamReadyGoesFromConnectToAuthToTrueWithTheCertificatesNotAfterAndNoMessageSent() throws Exception {
        KubeFixture kube = KubeFixture.forPackagedOperator(api.client(), NAMESPACE);
        TestPki pki = TestPki.create();
        TestPki.Issued certificate = pki.issue("smarthost", 90, false);
        int smarthostPort = FreePort.pick(); // closed until the smarthost starts
        kube.secret(NAMESPACE, "provider", "Opaque", Map.of("username", RelayFixture.USER,
                "password", WRONG_PASSWORD));
        RelayFixture smarthost = null;
        try (LocalKubelet kubelet = new LocalKubelet(api.client(), NAMESPACE, "127.0.0.1:" + smarthostPort)
                .smarthostTlsAndAuth(pki.caCertificate()).upstreamCheckInterval("2s").start();
                AppProcess operator = PackagedOperator.start(api, "mailrelay.queue.interval=2s")) {
            StatusWatch watch = new StatusWatch(api.client(), operator, NAMESPACE, "office");
            kube.create(Specs.fromYaml("office", NAMESPACE, """
                    allowedNetworks: [127.0.0.2/32]
                    outbound:
                      mode: smarthost
                      smarthost: {host: smtp.provider.test, port: 587, tls: required, verifyCertificate: true,
                                  credentialsSecret: provider}
                    probe: {enabled: false}
                    """));
            String upstream = "127.0.0.1:" + smarthostPort;

            MailRelay down = watch.await("UpstreamReady False at Connect", r -> reason(r).equals("ConnectFailed"));
            assertThat(condition(down).getStatus()).isEqualTo("False");
            assertThat(condition(down).getMessage()).startsWith("smarthost " + upstream + ": Connect failed: ")
                    .containsIgnoringCase("connection refused").contains("(pod ");
            assertThat(down.getStatus().upstreams).singleElement().satisfies(u -> {
                assertThat(u.upstream).isEqualTo(upstream);
                assertThat(u.state).isEqualTo(UpstreamStatus.FAILING);
                assertThat(u.stage).isEqualTo("Connect");
                assertThat(u.certificateNotAfter).isNull();
                assertThat(u.lastCheckTime).isNotNull();
            });

            // the provider's server is up, but does not know the relay's password (yet)
            smarthost = RelayFixture.builder().port(smarthostPort)
                    .tls(certificate.certificate(), certificate.key(), "1s").start();
            MailRelay refused = watch.await("UpstreamReady False at Auth", r -> reason(r).equals("AuthFailed"));
            assertThat(condition(refused).getStatus()).isEqualTo("False");
            assertThat(condition(refused).getMessage()).startsWith("smarthost " + upstream + ": Auth failed: 535 5.7.8");
            assertThat(refused.getStatus().upstreams).singleElement().satisfies(u -> {
                assertThat(u.stage).isEqualTo("Auth");
                assertThat(u.message).startsWith("535 5.7.8");
                assertThat(u.tls).isTrue(); // AUTH went over the verified STARTTLS
            });
            double authFailures = authFailures(smarthost);
            assertThat(authFailures).isPositive();

            // the administrator fixes the Secret: the mounted file changes, the pod stays, the next check uses it
            String configHash = configHash();
            kube.secret(NAMESPACE, "provider", "Opaque", Map.of("username", RelayFixture.USER,
                    "password", RelayFixture.PASSWORD));
            MailRelay ready = watch.await("UpstreamReady True", r -> "True".equals(condition(r).getStatus()));
            assertThat(reason(ready)).isEqualTo("Reachable");
            String notAfter = TestPki.notAfter(certificate.certificate()).truncatedTo(ChronoUnit.SECONDS).toString();
            assertThat(ready.getStatus().upstreams).singleElement().satisfies(u -> {
                assertThat(u.state).isEqualTo(UpstreamStatus.OK);
                assertThat(u.stage).isNull();
                assertThat(u.message).startsWith("235");
                assertThat(u.certificateNotAfter).isEqualTo(notAfter);
                assertThat(u.certificateExpiresSoon).isFalse();
                assertThat(u.pod).isNotBlank(); // out of cluster: the address the kubelet stand-in announced
            });
            assertThat(condition(ready).getMessage()).contains("certificate valid until " + notAfter);
            Awaitility.await().atMost(Duration.ofSeconds(60))
                    .until(() -> watch.events("UpstreamReady", "Normal").size() == 1);
            assertThat(watch.events("UpstreamConnectFailed", "Warning")).hasSize(1);
            assertThat(watch.events("UpstreamAuthFailed", "Warning")).hasSize(1);
            assertThat(configHash()).isEqualTo(configHash); // a Secret change never rolls the pods

            // a certificate that expires in 7 days: still ready, one Warning however often it is checked
            TestPki.Issued expiring = pki.issue("expiring", 7, false);
            Files.copy(expiring.certificate(), certificate.certificate(), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(expiring.key(), certificate.key(), StandardCopyOption.REPLACE_EXISTING);
            smarthost.server.reloadTlsIfChanged();
            MailRelay soon = watch.await("the certificate flagged", r -> r.getStatus().upstreams != null
                    && r.getStatus().upstreams.size() == 1
                    && Boolean.TRUE.equals(r.getStatus().upstreams.get(0).certificateExpiresSoon));
            assertThat(condition(soon).getStatus()).isEqualTo("True");
            assertThat(soon.getStatus().upstreams.get(0).certificateNotAfter)
                    .isEqualTo(TestPki.notAfter(expiring.certificate()).truncatedTo(ChronoUnit.SECONDS).toString());
            String checkedAt = soon.getStatus().upstreams.get(0).lastCheckTime;
            Awaitility.await().atMost(Duration.ofSeconds(60))
                    .until(() -> watch.events("CertificateExpiresSoon", "Warning").size() == 1);
            watch.await("two more checks", r -> r.getStatus().upstreams.get(0).lastCheckTime
                    .compareTo(Instant.parse(checkedAt).plusSeconds(4).toString()) >= 0);
            assertThat(watch.events("CertificateExpiresSoon", "Warning")).hasSize(1);
            assertThat(watch.events("CertificateExpiresSoon", "Warning").get(0).getMessage())
                    .contains("smarthost " + upstream);

            // every check authenticated (or tried to) and quit: not one message reached the smarthost
            assertThat(smarthost.spool.messages()).isEmpty();
            System.out.printf("upstream checks: %d AUTH refused, %d messages received by the smarthost%n",
                    (long) authFailures(smarthost), smarthost.spool.messages().size());
            String table = api.kubectl("get", "mr", "-n", NAMESPACE, "-o", "wide").assertSuccess().stdout();
            System.out.println(table);
            assertThat(table).contains("QUEUE").contains("OLDEST").contains("UPSTREAM");
            assertThat(table.lines().filter(line -> line.startsWith("office")).findFirst().orElseThrow())
                    .contains("Reachable");
            String described = api.kubectl("describe", "mr", "office", "-n", NAMESPACE).assertSuccess().stdout();
            System.out.println(described);
            assertThat(described).contains("UpstreamReady").contains("Certificate Not After:")
                    .contains("UpstreamAuthFailed").contains("CertificateExpiresSoon");
        } finally {
            if (smarthost != null) {
                smarthost.close();
            }
        }
    }

    private static String configHash() {
        return api.client().apps().statefulSets().inNamespace(NAMESPACE).withName("office").get().getSpec()
                .getTemplate().getMetadata().getAnnotations().get(PodTemplateFactory.CONFIG_HASH_ANNOTATION);
    }

    private static double authFailures(RelayFixture smarthost) {
        return smarthost.registry.get("mailrelay.relay.auth.failures").counter().count();
    }

    private static Condition condition(MailRelay relay) {
        return Conditions.find(relay.getStatus().conditions, Conditions.UPSTREAM_READY)
                .orElseGet(() -> new ConditionBuilder().withStatus("absent").withReason("").build());
    }

    private static String reason(MailRelay relay) {
        return String.valueOf(condition(relay).getReason());
    }
}
