package io.mailrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.mailrelay.testing.AppProcess;
import io.mailrelay.testing.FreePort;
import io.mailrelay.testing.SmtpSink;

/**
 * The packaged relay's admin endpoint on its management port, driven by the packaged {@code mailrelay queue} CLI
 * the way {@code kubectl exec deploy/<name> -- mailrelay queue ...} runs it: list (table and JSON), hold, flush,
 * release, and the errors (unknown id, no token file). Messages are counted on both sides.
 */
@Tag("smtp")
class RelayAdminIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MESSAGES = 5;

    @Test
    void theQueueCliListsHoldsFlushesAndReleasesOnTheRunningRelay() throws Exception {
        Path dir = Files.createTempDirectory("relay-admin");
        Path tokenFile = Files.writeString(dir.resolve("admin-token"), "cli-test-token\n");
        int upstreamPort = FreePort.pick(); // down
        PackagedRelay relay = PackagedRelay.start(dir, upstreamPort, "1h",
                "admin: {tokenFile: " + tokenFile + "}\n");
        try {
            List<String> acknowledged = new ArrayList<>();
            try (RawSmtp smtp = RawSmtp.connect(RelayFixture.ALLOWED_CLIENT, relay.smtpPort())) {
                smtp.reply();
                smtp.command("EHLO client.test");
                for (int i = 0; i < MESSAGES; i++) {
                    smtp.command("MAIL FROM:<sender@client.test>");
                    smtp.command("RCPT TO:<user@example.test>");
                    smtp.command("DATA");
                    if (smtp.command("Subject: admin\r\nX-Test-Id: admin-" + i + "\r\n\r\nbody\r\n.").startsWith("250")) {
                        acknowledged.add("admin-" + i);
                    }
                }
            }
            assertThat(acknowledged).hasSize(MESSAGES);
            Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> relay.queueFiles(".state") == MESSAGES);

            Cli list = cli(relay, "queue", "list", "-o", "json");
            assertThat(list.exit).as(list.output).isZero();
            JsonNode queue = JSON.readTree(list.output.substring(list.output.indexOf('{')));
            assertThat(queue.path("depth").asInt()).isEqualTo(MESSAGES);
            assertThat(queue.path("deferredRecipients").asInt()).isEqualTo(MESSAGES);
            assertThat(queue.path("messages")).hasSize(MESSAGES);
            String held = queue.path("messages").get(0).path("id").asText();

            Cli table = cli(relay, "queue", "list");
            assertThat(table.exit).as(table.output).isZero();
            assertThat(table.output).contains(MESSAGES + " message(s), 0 held").contains(held)
                    .contains("sender@client.test").contains("user@example.test").contains("451 4.4.1");

            assertThat(cli(relay, "queue", "hold", held).exit).isZero();
            try (SmtpSink upstream = new SmtpSink().onPort(upstreamPort).start()) {
                Cli flush = cli(relay, "queue", "flush");
                assertThat(flush.exit).as(flush.output).isZero();
                Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> upstream.testIds().size() == MESSAGES - 1);
                Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> relay.queueFiles(".msg") == 1);
                Cli afterFlush = cli(relay, "queue", "list");
                assertThat(afterFlush.output).contains("1 message(s), 1 held").contains(held);
                assertThat(relay.queueFiles(".hold")).isEqualTo(1);

                assertThat(cli(relay, "queue", "release", held).exit).isZero();
                Awaitility.await().atMost(Duration.ofSeconds(120))
                        .until(() -> upstream.testIds().containsAll(acknowledged));
                Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> relay.queueFiles(".msg") == 0);
                System.out.printf("queue CLI: %d acknowledged, %d arrived upstream (1 held until released)%n",
                        acknowledged.size(), upstream.testIds().size());
            }

            Cli unknown = cli(relay, "queue", "delete", "0000000000nosuchid00001");
            assertThat(unknown.exit).isEqualTo(1);
            assertThat(unknown.output).contains("relay answered 404: no such message in the queue");
            assertThat(relay.process().log()).contains("admin: action=hold id=" + held)
                    .contains("admin: action=release id=" + held).contains("admin: action=flush id=*");
            assertThat(metrics(relay)).contains("mailrelay_admin_actions_total{action=\"hold\",result=\"done\"} 1.0");
        } finally {
            relay.process().close();
        }
    }

    @Test
    void withoutATokenFileTheEndpointIs403AndHealthStillAnswers() throws Exception {
        PackagedRelay relay = PackagedRelay.start(Files.createTempDirectory("relay-admin"), FreePort.pick(), "1h", "");
        try {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> admin = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + relay.httpPort() + "/admin/queue"))
                    .header("Authorization", "Bearer anything").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(admin.statusCode()).isEqualTo(403);
            assertThat(admin.body()).contains("admin.tokenFile");
            Cli cli = cli(relay, "queue", "list");
            assertThat(cli.exit).isEqualTo(2);
            assertThat(cli.output).contains("no admin.tokenFile");
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + relay.httpPort() + "/q/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
        } finally {
            relay.process().close();
        }
    }

    private record Cli(int exit, String output) {
    }

    private static Cli cli(PackagedRelay relay, String... args) {
        List<String> command = new ArrayList<>(List.of(args));
        command.addAll(List.of("--config", relay.dir().resolve("relay.yaml").toString(),
                "--url", "http://127.0.0.1:" + relay.httpPort()));
        AppProcess process = AppProcess.builder("queue-cli").args(command.toArray(String[]::new)).start();
        int exit = process.awaitExit(Duration.ofSeconds(120));
        return new Cli(exit, process.log());
    }

    private static String metrics(PackagedRelay relay) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + relay.httpPort() + "/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}
