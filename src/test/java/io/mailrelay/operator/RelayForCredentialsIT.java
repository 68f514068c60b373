package io.mailrelay.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mailrelay.api.MailRelay;
import io.mailrelay.relay.RawSmtp;
import io.mailrelay.testing.AppProcess;
import io.mailrelay.testing.LocalKubelet;
import io.mailrelay.testing.RealKubeApiServer;
import io.mailrelay.testing.SmtpSink;

/**
 * relayFor.credentials end to end: the packaged operator against a real API server makes a Secret with SMTP
 * credentials in each selected namespace, and the relay (a real process run by {@link LocalKubelet}, which writes a
 * changed Secret into the running pod as a kubelet does) accepts each only with its own sender domains. Rotation by
 * annotation, deselection, a namespace's deletion and the MailRelay's deletion (its finalizer) each take effect at the
 * relay and in the namespaces' Secrets. The client connects from an address outside allowedNetworks and relayFor, so
 * only the login lets it relay. Every message acknowledged arrives at the upstream.
 */
@Tag("kube")
@Tag("smtp")
class RelayForCredentialsIT {
    private static final String MAIL = "mail";
    private static final String CLIENT = "127.0.0.51";
    private static final String SECRET = "office-smtp";
    private static final String REFUSED = "553 5.7.1 Sender address rejected: not owned by the authenticated user";

    @RegisterExtension
    static final RealKubeApiServer api = new RealKubeApiServer();

    @Test
    void eachNamespacesCredentialRelaysOnlyWithItsSenderDomainsAndIsRotatedAndRevoked() throws Exception {
        KubeFixture kube = KubeFixture.forPackagedOperator(api.client(), MAIL);
        for (String namespace : List.of("shop", "billing", "ops")) {
            kube.namespace(namespace, Map.of());
        }
        try (SmtpSink upstream = new SmtpSink().start();
                LocalKubelet kubelet = new LocalKubelet(api.client(), MAIL, "127.0.0.1:" + upstream.port()).start();
                AppProcess operator = PackagedOperator.start(api)) {
            KubernetesClient client = api.client();
            StatusWatch watch = new StatusWatch(client, operator, MAIL, "office");
            kube.create(Specs.fromYaml("office", MAIL, """
                    allowedNetworks: [127.0.0.2/32]
                    relayFor:
                      namespaces: [shop, billing, ops]
                      podSelector: {matchLabels: {role: mailer}}
                      credentials:
                        senderDomains: [shop.example]
                        namespaceSenderDomains:
                          - {namespace: billing, senderDomains: [billing.example]}
                          - {namespace: ops, senderDomains: [ops.example]}
                    outbound: {mode: mx}
                    probe: {enabled: false}
                    # the test polls logins that must fail until the relay reads its files: no lockout meanwhile
                    limits: {maxAuthFailures: 1000}
                    """));

            MailRelay issued = watch.await("three credentials issued", r -> r.getStatus().relayFor != null
                    && Integer.valueOf(3).equals(r.getStatus().relayFor.credentials));
            assertThat(issued.getStatus().relayFor.credentialNamespaces).containsExactly("billing", "ops", "shop");
            assertThat(issued.getMetadata().getFinalizers()).isNotEmpty();
            Map<String, String> shop = data(client, "shop");
            assertThat(shop).containsEntry("username", "mailrelay.shop").containsEntry("host", "office.mail.svc")
                    .containsEntry("port", "25").containsEntry("starttls", "false")
                    .containsEntry("senderDomains", "shop.example");
            Map<String, String> billing = data(client, "billing");
            Map<String, String> ops = data(client, "ops");
            Secret shopSecret = client.secrets().inNamespace("shop").withName(SECRET).get();
            assertThat(shopSecret.getMetadata().getLabels()).containsEntry("mailrelay.io/relay-name", "office")
                    .containsEntry("mailrelay.io/relay-namespace", MAIL);
            Awaitility.await().atMost(Duration.ofSeconds(180)).ignoreExceptions()
                    .until(() -> kubelet.smtpPort("office") > 0);
            int port = kubelet.smtpPort("office");
            System.out.println("finalizers: " + issued.getMetadata().getFinalizers());

            List<String> acknowledged = new ArrayList<>();
            int refused = 0;
            // the relay reads its users file every 30 s: wait until the first login works
            Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> login(port, shop).startsWith("235"));
            send(port, shop, "orders@shop.example", "shop-1", acknowledged);
            send(port, billing, "invoices@billing.example", "billing-1", acknowledged);
            send(port, ops, "alerts@ops.example", "ops-1", acknowledged);
            for (String[] mismatch : new String[][] { { "shop", "invoices@billing.example" },
                    { "billing", "orders@shop.example" }, { "ops", "someone@elsewhere.example" }, { "shop", "" } }) {
                Map<String, String> credential = data(client, mismatch[0]);
                assertThat(mail(port, credential, mismatch[1])).as("%s as <%s>", mismatch[0], mismatch[1])
                        .isEqualTo(REFUSED);
                refused++;
            }
            assertThat(rcptWithoutLogin(port)).startsWith("554 5.7.1"); // no login, no relaying

            // rotation: every namespace gets a new password; the old one fails, the new one works
            long rotated = System.nanoTime();
            client.resources(MailRelay.class).inNamespace(MAIL).withName("office")
                    .edit(r -> {
                        Map<String, String> annotations = new java.util.HashMap<>(
                                r.getMetadata().getAnnotations() == null ? Map.of() : r.getMetadata().getAnnotations());
                        annotations.put("mailrelay.io/rotate-credentials", "1");
                        r.getMetadata().setAnnotations(annotations);
                        return r;
                    });
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> !data(client, "shop").get("password").equals(shop.get("password")));
            Map<String, String> shopRotated = data(client, "shop");
            Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> login(port, shopRotated).startsWith("235"));
            long rotateMillis = (System.nanoTime() - rotated) / 1_000_000;
            assertThat(login(port, shop)).startsWith("535 5.7.8");
            send(port, shopRotated, "orders@shop.example", "shop-2", acknowledged);
            Map<String, String> billingRotated = data(client, "billing");
            assertThat(billingRotated.get("password")).isNotEqualTo(billing.get("password"));

            // deselecting billing revokes its credential: the Secret goes, the login fails
            long deselected = System.nanoTime();
            client.resources(MailRelay.class).inNamespace(MAIL).withName("office")
                    .edit(r -> {
                        r.getSpec().relayFor.namespaces = List.of("shop", "ops");
                        r.getSpec().relayFor.credentials.namespaceSenderDomains.removeIf(e -> e.namespace.equals("billing"));
                        return r;
                    });
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> client.secrets().inNamespace("billing").withName(SECRET).get() == null);
            Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> login(port, billingRotated).startsWith("535"));
            long deselectMillis = (System.nanoTime() - deselected) / 1_000_000;

            // deleting ops: the namespace controller (none runs here: the test does its part) deletes its Secrets, a
            // new one cannot be made in a terminating namespace, so its user leaves the relay
            Map<String, String> opsRotated = data(client, "ops");
            long namespaceDeleted = System.nanoTime();
            client.namespaces().withName("ops").delete();
            client.secrets().inNamespace("ops").delete();
            watch.await("ops revoked", r -> r.getStatus().relayFor != null
                    && Integer.valueOf(1).equals(r.getStatus().relayFor.credentials));
            Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> login(port, opsRotated).startsWith("535"));
            long namespaceMillis = (System.nanoTime() - namespaceDeleted) / 1_000_000;
            assertThat(client.secrets().inNamespace("ops").withName(SECRET).get()).isNull();
            System.out.println(api.kubectl("get", "mr", "office", "-n", MAIL, "-o", "jsonpath={.status.relayFor}")
                    .assertSuccess().stdout());
            assertThat(login(port, shopRotated)).startsWith("235");

            Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> upstream.testIds().containsAll(acknowledged));
            assertThat(upstream.testIds()).containsExactlyInAnyOrderElementsOf(acknowledged);

            // deleting the MailRelay: its finalizer removes the Secret the owner references cannot reach
            client.resources(MailRelay.class).inNamespace(MAIL).withName("office").delete();
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> client.secrets().inNamespace("shop").withName(SECRET).get() == null);
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> client.resources(MailRelay.class).inNamespace(MAIL).withName("office").get() == null);
            System.out.printf("credentials: acknowledged=%d arrived=%d refused=%d; rotate→new password works %d ms, "
                    + "deselect→login refused %d ms, namespace deleted→login refused %d ms%n", acknowledged.size(),
                    upstream.testIds().size(), refused, rotateMillis, deselectMillis, namespaceMillis);
        }
    }

    private static Map<String, String> data(KubernetesClient client, String namespace) {
        Secret secret = client.secrets().inNamespace(namespace).withName(SECRET).get();
        assertThat(secret).as("Secret %s/%s", namespace, SECRET).isNotNull();
        Map<String, String> data = new java.util.TreeMap<>();
        secret.getData().forEach((key, value) -> data.put(key,
                new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8)));
        return data;
    }

    private static String plain(Map<String, String> credential) {
        return Base64.getEncoder().encodeToString(("\0" + credential.get("username") + "\0" + credential.get("password"))
                .getBytes(StandardCharsets.UTF_8));
    }

    private static String login(int port, Map<String, String> credential) {
        try (RawSmtp smtp = RawSmtp.connect(CLIENT, port)) {
            smtp.reply();
            smtp.command("EHLO app.test");
            return smtp.command("AUTH PLAIN " + plain(credential));
        }
    }

    private static String mail(int port, Map<String, String> credential, String sender) {
        try (RawSmtp smtp = RawSmtp.connect(CLIENT, port)) {
            smtp.reply();
            smtp.command("EHLO app.test");
            assertThat(smtp.command("AUTH PLAIN " + plain(credential))).startsWith("235");
            return smtp.command("MAIL FROM:<" + sender + ">");
        }
    }

    private static String rcptWithoutLogin(int port) {
        try (RawSmtp smtp = RawSmtp.connect(CLIENT, port)) {
            smtp.reply();
            smtp.command("EHLO app.test");
            smtp.command("MAIL FROM:<orders@shop.example>");
            return smtp.command("RCPT TO:<customer@remote.test>");
        }
    }

    private static void send(int port, Map<String, String> credential, String sender, String testId,
            List<String> acknowledged) {
        try (RawSmtp smtp = RawSmtp.connect(CLIENT, port)) {
            smtp.reply();
            smtp.command("EHLO app.test");
            assertThat(smtp.command("AUTH PLAIN " + plain(credential))).startsWith("235");
            assertThat(smtp.command("MAIL FROM:<" + sender + ">")).as(sender).startsWith("250");
            assertThat(smtp.command("RCPT TO:<customer@remote.test>")).startsWith("250");
            smtp.command("DATA");
            if (smtp.command("Subject: credentials\r\nX-Test-Id: " + testId + "\r\n\r\nbody\r\n.").startsWith("250")) {
                acknowledged.add(testId);
            }
            smtp.command("QUIT");
        }
    }
}
