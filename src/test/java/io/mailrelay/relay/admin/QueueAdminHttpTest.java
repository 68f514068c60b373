package io.mailrelay.relay.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import com.google.common.net.InetAddresses;

import io.mailrelay.config.HostPort;
import io.mailrelay.config.OutboundMode;
import io.mailrelay.operator.queue.RelayAdminClient;
import io.mailrelay.relay.policy.WorkloadClients;
import io.mailrelay.relay.delivery.DeliveryService;
import io.mailrelay.relay.delivery.DeliverySettings;
import io.mailrelay.relay.delivery.RetryPolicy;
import io.mailrelay.relay.delivery.SmarthostSettings;
import io.mailrelay.relay.delivery.SmtpTimeouts;
import io.mailrelay.relay.delivery.UpstreamChecker;
import io.mailrelay.relay.delivery.UpstreamStatus;
import io.mailrelay.relay.spool.Envelope;
import io.mailrelay.relay.spool.FileMessageSpool;
import io.mailrelay.relay.spool.SpoolWriter;
import io.mailrelay.testing.FreePort;
import io.mailrelay.testing.SinkMessage;
import io.mailrelay.testing.SmtpSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;

/**
 * The admin endpoint over real HTTP (a Vert.x server on loopback with the routes relay mode adds), on a real spool
 * with the real delivery service and Postfix smtp-sink as the next hops. example.test's server is down at first;
 * down.test's is down for good; the smarthost is the senders' domain, where bounces arrive.
 */
@Tag("smtp")
class QueueAdminHttpTest {
    private static final int MESSAGES = 50;
    private static final String TOKEN = "s3cret-admin-token";
    /** only the admin flushes: the retry schedule alone would wait an hour */
    private static final RetryPolicy HOURLY = new RetryPolicy(List.of(Duration.ofHours(1)), Duration.ofDays(5));

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final WorkloadClients workloadClients = new WorkloadClients();
    private Vertx vertx;
    private SmtpSink senders;
    private int examplePort;
    private int downPort;

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx();
        senders = new SmtpSink().start();
        examplePort = FreePort.pick();
        downPort = FreePort.pick();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
        senders.close();
        vertx.close().toCompletionStage().toCompletableFuture().get();
    }

    @Test
    void fiftyDeferredMessagesHoldFlushReleaseDeleteAndBounce() throws Exception {
        FileMessageSpool spool = new FileMessageSpool(dir.resolve("spool"));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) {
            ids.add(spool(spool, "alice@sender.test", "queued-" + i, "bob@example.test"));
        }
        DeliveryService delivery = start(spool);
        int port = serve(spool, delivery, tokenFile(TOKEN));

        // every message tried once against the closed port, then waiting an hour for its retry
        await().atMost(Duration.ofSeconds(120)).until(() -> get(port, "/admin/queue?summary=true")
                .path("deferredRecipients").asInt() == MESSAGES);
        JsonNode queue = get(port, "/admin/queue");
        assertThat(queue.path("depth").asInt()).isEqualTo(MESSAGES);
        assertThat(queue.path("held").asInt()).isZero();
        assertThat(queue.path("lastHour").path("deferred").asLong()).isEqualTo(MESSAGES);
        assertThat(queue.path("lastHour").path("delivered").asLong()).isZero();
        assertThat(queue.path("lastError").path("reply").asText()).startsWith("4");
        // the destination of a local route is its target (domains routed to one target share it)
        assertThat(queue.path("lastError").path("nextHop").asText()).isEqualTo("local route -> 127.0.0.1:" + examplePort);
        assertThat(Instant.parse(queue.path("lastError").path("at").asText())).isBefore(Instant.now().plusSeconds(1));
        assertThat(queue.path("messages")).hasSize(MESSAGES);
        JsonNode first = queue.path("messages").get(0);
        assertThat(first.path("id").asText()).isEqualTo(ids.get(0));
        assertThat(first.path("sender").asText()).isEqualTo("alice@sender.test");
        assertThat(first.path("recipients")).extracting(JsonNode::asText).containsExactly("bob@example.test");
        assertThat(first.path("size").asLong()).isEqualTo(spool.get(ids.get(0)).orElseThrow().bodySize());
        assertThat(first.path("attempts").asInt()).isEqualTo(1);
        assertThat(first.path("lastReply").asText()).startsWith("4");
        assertThat(first.path("held").asBoolean()).isFalse();
        assertThat(get(port, "/admin/queue?summary=true").has("messages")).isFalse();

        String held = ids.get(7);
        assertThat(post(port, "/admin/queue/" + held + "/hold").statusCode()).isEqualTo(200);
        try (SmtpSink example = new SmtpSink().onPort(examplePort).start()) {
            assertThat(post(port, "/admin/queue/flush").statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(120)).until(() -> example.testIds().size() == MESSAGES - 1);
            await().atMost(Duration.ofSeconds(120)).until(() -> spool.depth() == 1);
            assertThat(example.testIds()).doesNotContain("queued-7").contains("queued-0", "queued-49");
            JsonNode afterFlush = get(port, "/admin/queue");
            assertThat(afterFlush.path("depth").asInt()).isEqualTo(1);
            assertThat(afterFlush.path("held").asInt()).isEqualTo(1);
            assertThat(afterFlush.path("lastHour").path("delivered").asLong()).isEqualTo(MESSAGES - 1);
            assertThat(afterFlush.path("messages").get(0).path("id").asText()).isEqualTo(held);
            assertThat(afterFlush.path("messages").get(0).path("held").asBoolean()).isTrue();
            // flushing the held message itself does not deliver it either
            assertThat(post(port, "/admin/queue/" + held + "/flush").statusCode()).isEqualTo(200);
            System.out.printf("admin flush: %d spooled, %d delivered, %d held%n", MESSAGES, example.testIds().size(),
                    spool.depth());

            // the hold survives a restart (a new spool and delivery service on the same directory)
            delivery.close();
            FileMessageSpool reopened = new FileMessageSpool(dir.resolve("spool"));
            assertThat(reopened.isHeld(held)).isTrue();
            DeliveryService restarted = start(reopened);
            int port2 = serve(reopened, restarted, tokenFile(TOKEN));
            assertThat(get(port2, "/admin/queue").path("held").asInt()).isEqualTo(1);
            assertThat(example.testIds()).hasSize(MESSAGES - 1);

            assertThat(post(port2, "/admin/queue/" + held + "/release").statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(120)).until(() -> example.testIds().size() == MESSAGES);
            await().atMost(Duration.ofSeconds(120)).until(() -> reopened.depth() == 0);
            assertThat(example.testIds()).contains("queued-7");
            assertThat(holdFiles()).isZero();
            System.out.printf("admin release: %d spooled, %d arrived at the next hop%n", MESSAGES,
                    example.testIds().size());

            // delete and bounce: messages for down.test, whose server never answers
            String deleted = spool(reopened, "carol@sender.test", "to-delete", "dan@down.test");
            String bounced = spool(reopened, "erin@sender.test", "to-bounce", "frank@down.test", "bob@example.test");
            await().atMost(Duration.ofSeconds(120)).until(() -> get(port2, "/admin/queue?summary=true")
                    .path("deferredRecipients").asInt() == 2);
            assertThat(post(port2, "/admin/queue/" + deleted + "/delete").statusCode()).isEqualTo(200);
            assertThat(reopened.get(deleted)).isEmpty();
            assertThat(Files.exists(dir.resolve("spool/queue/" + deleted + ".msg"))).isFalse();

            assertThat(post(port2, "/admin/queue/" + bounced + "/bounce").statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(120)).until(() -> senders.messages().size() == 1);
            SinkMessage dsn = senders.messages().get(0);
            assertThat(dsn.mailFrom()).isEmpty();
            assertThat(dsn.recipients()).containsExactly("erin@sender.test");
            assertThat(dsn.text()).contains("Final-Recipient: rfc822; frank@down.test")
                    .contains("Status: 5.0.0").contains(QueueAdmin.BOUNCE_REPLY).contains("X-Test-Id: to-bounce")
                    .doesNotContain("Final-Recipient: rfc822; bob@example.test");
            await().atMost(Duration.ofSeconds(120)).until(() -> reopened.depth() == 0);
            assertThat(senders.messages()).hasSize(1); // nothing for the deleted message
            // bob, whose server is up, had it at once: only frank is reported
            assertThat(example.testIds()).hasSize(MESSAGES + 1).contains("to-bounce").doesNotContain("to-delete");
            JsonNode end = get(port2, "/admin/queue");
            assertThat(end.path("depth").asInt()).isZero();
            assertThat(end.path("lastHour").path("bounced").asLong()).isEqualTo(1);
            assertThat(end.path("lastError").path("reply").asText()).isEqualTo(QueueAdmin.BOUNCE_REPLY);

            // every action counted, by action and result
            assertThat(actions("hold", "done")).isEqualTo(1);
            assertThat(actions("flush", "done")).isEqualTo(2);
            assertThat(actions("release", "done")).isEqualTo(1);
            assertThat(actions("delete", "done")).isEqualTo(1);
            assertThat(actions("bounce", "done")).isEqualTo(1);
        }
    }

    @Test
    void unknownIdsAndActionsAre404WithAJsonError() throws Exception {
        FileMessageSpool spool = new FileMessageSpool(dir.resolve("spool"));
        int port = serve(spool, start(spool), tokenFile(TOKEN));
        for (String action : List.of("flush", "delete", "hold", "release", "bounce")) {
            HttpResponse<String> response = post(port, "/admin/queue/0000000000deadbeef00001/" + action);
            assertThat(response.statusCode()).as(action).isEqualTo(404);
            assertThat(json(response).path("error").asText()).contains("no such message")
                    .contains("0000000000deadbeef00001");
        }
        assertThat(actions("delete", "not_found")).isEqualTo(1);
        String id = spool(spool, "alice@sender.test", "present", "dan@down.test");
        HttpResponse<String> unknownAction = post(port, "/admin/queue/" + id + "/purge");
        assertThat(unknownAction.statusCode()).isEqualTo(404);
        assertThat(json(unknownAction).path("error").asText()).contains("no such action: purge");
        assertThat(request(port, "GET", "/admin/other", "Bearer " + TOKEN).statusCode()).isEqualTo(404);
        assertThat(spool.get(id)).isPresent();
    }

    @Test
    void aMissingOrWrongTokenIs401AndTheTokenFileIsReadAgainWhenItChanges() throws Exception {
        FileMessageSpool spool = new FileMessageSpool(dir.resolve("spool"));
        String id = spool(spool, "alice@sender.test", "kept", "dan@down.test");
        Path tokenFile = tokenFile(TOKEN);
        int port = serve(spool, start(spool), tokenFile);

        assertThat(request(port, "GET", "/admin/queue", null).statusCode()).isEqualTo(401);
        assertThat(request(port, "GET", "/admin/queue", "Bearer wrong").statusCode()).isEqualTo(401);
        assertThat(request(port, "GET", "/admin/queue", "Bearer " + TOKEN + "x").statusCode()).isEqualTo(401);
        assertThat(request(port, "GET", "/admin/queue", "Basic " + TOKEN).statusCode()).isEqualTo(401);
        HttpResponse<String> refused = request(port, "POST", "/admin/queue/" + id + "/delete", "Bearer wrong");
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(json(refused).path("error").asText()).contains("token");
        assertThat(spool.get(id)).as("a refused delete deletes nothing").isPresent();
        assertThat(request(port, "GET", "/admin/queue", "Bearer " + TOKEN).statusCode()).isEqualTo(200);

        Files.writeString(tokenFile, "rotated-token\n"); // the Secret changed
        await().atMost(Duration.ofSeconds(120)).until(() ->
                request(port, "GET", "/admin/queue", "Bearer rotated-token").statusCode() == 200);
        assertThat(request(port, "GET", "/admin/queue", "Bearer " + TOKEN).statusCode()).isEqualTo(401);
    }

    @Test
    void upstreamsListsEveryUpstreamsLastCheckBehindTheTokenAndTheOperatorsClientReadsIt() throws Exception {
        FileMessageSpool spool = new FileMessageSpool(dir.resolve("spool"));
        UpstreamChecker checker = new UpstreamChecker(settings(), Duration.ofHours(1), Duration.ofDays(14), registry,
                java.time.Clock.systemUTC());
        int port = serve(spool, start(spool), tokenFile(TOKEN), () -> UpstreamReport.of(true, checker.latest()));
        assertThat(request(port, "GET", "/admin/upstreams", null).statusCode()).isEqualTo(401);
        assertThat(request(port, "GET", "/admin/upstreams", "Bearer wrong").statusCode()).isEqualTo(401);

        JsonNode unchecked = get(port, "/admin/upstreams");
        assertThat(unchecked.path("checkEnabled").asBoolean()).isTrue();
        assertThat(unchecked.path("upstreams")).hasSize(3);
        assertThat(unchecked.path("upstreams").get(0).has("checkedAt")).isFalse();

        checker.checkAll();
        JsonNode checked = get(port, "/admin/upstreams");
        assertThat(checked.path("upstreams").get(0).path("name").asText())
                .isEqualTo("smarthost 127.0.0.1:" + senders.port());
        assertThat(checked.path("upstreams").get(0).path("ok").asBoolean()).isTrue();
        assertThat(List.of(checked.path("upstreams").get(1).path("name").asText(),
                checked.path("upstreams").get(2).path("name").asText())).containsExactlyInAnyOrder(
                        "local route -> 127.0.0.1:" + examplePort, "local route -> 127.0.0.1:" + downPort);
        assertThat(checked.path("upstreams").get(1).path("stage").asText()).isEqualTo("Connect");
        assertThat(checked.path("upstreams").get(2).path("stage").asText()).isEqualTo("Connect");
        assertThat(senders.messages()).isEmpty();

        // what the operator reads, with its own client
        UpstreamReport read = new RelayAdminClient(Duration.ofSeconds(10)).upstreams("127.0.0.1:" + port, TOKEN);
        assertThat(read).isEqualTo(UpstreamReport.of(true, checker.latest()));
        assertThat(read.upstreams().get(1).stage()).isEqualTo(UpstreamStatus.Stage.CONNECT.label());
    }

    @Test
    void withoutATokenFileEveryAdminRequestIs403() throws Exception {
        FileMessageSpool spool = new FileMessageSpool(dir.resolve("spool"));
        String id = spool(spool, "alice@sender.test", "kept", "dan@down.test");
        int port = serve(spool, start(spool), null);
        assertThat(request(port, "GET", "/admin/queue", "Bearer " + TOKEN).statusCode()).isEqualTo(403);
        assertThat(request(port, "GET", "/admin/queue", null).statusCode()).isEqualTo(403);
        HttpResponse<String> delete = request(port, "POST", "/admin/queue/" + id + "/delete", "Bearer anything");
        assertThat(delete.statusCode()).isEqualTo(403);
        assertThat(json(delete).path("error").asText()).contains("admin.tokenFile");
        assertThat(spool.get(id)).isPresent();
    }

    @Test
    void workloadClientsAreReplacedWholeOnlyWithTheTokenAndOnlyByIpLiterals() throws Exception {
        FileMessageSpool spool = new FileMessageSpool(dir.resolve("spool"));
        int port = serve(spool, start(spool), tokenFile(TOKEN));
        assertThat(get(port, "/admin/workload-clients").path("revision").asText()).isEmpty();

        HttpResponse<String> put = put(port, "Bearer " + TOKEN,
                "{\"revision\": \"r1\", \"addresses\": [\"10.1.0.7\", \"2001:db8::7\"]}");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        JsonNode now = get(port, "/admin/workload-clients");
        assertThat(now.path("revision").asText()).isEqualTo("r1");
        assertThat(now.path("addresses").toString()).isEqualTo("[\"10.1.0.7\",\"2001:db8::7\"]");
        assertThat(workloadClients.contains(InetAddresses.forString("10.1.0.7"))).isTrue();

        for (String bad : List.of("[\"localhost\"]", "[\"10.0.0.300\"]", "[\"10.0.0.0/8\"]", "\"10.1.0.8\"")) {
            HttpResponse<String> refused = put(port, "Bearer " + TOKEN, "{\"revision\": \"bad\", \"addresses\": " + bad + "}");
            assertThat(refused.statusCode()).as(bad).isEqualTo(400);
        }
        assertThat(put(port, "Bearer wrong", "{\"revision\": \"x\", \"addresses\": []}").statusCode()).isEqualTo(401);
        assertThat(put(port, null, "{\"revision\": \"x\", \"addresses\": []}").statusCode()).isEqualTo(401);
        assertThat(workloadClients.snapshot().revision()).as("nothing refused changed the set").isEqualTo("r1");
        assertThat(workloadClients.contains(InetAddresses.forString("10.1.0.7"))).isTrue();

        assertThat(put(port, "Bearer " + TOKEN, "{\"revision\": \"r2\", \"addresses\": []}").statusCode()).isEqualTo(200);
        assertThat(workloadClients.contains(InetAddresses.forString("10.1.0.7"))).isFalse();
    }

    private HttpResponse<String> put(int port, String authorization, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/admin/workload-clients"))
                .timeout(Duration.ofSeconds(60)).PUT(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private DeliverySettings settings() {
        Map<String, HostPort> routes = new LinkedHashMap<>();
        routes.put("example.test", new HostPort("127.0.0.1", examplePort));
        routes.put("down.test", new HostPort("127.0.0.1", downPort));
        return new DeliverySettings("relay.test", routes, OutboundMode.SMARTHOST,
                SmarthostSettings.plain(new HostPort("127.0.0.1", senders.port())), null, HOURLY,
                new DeliverySettings.Limits(2, 2, 5, 2), SmtpTimeouts.uniform(Duration.ofSeconds(10)));
    }

    private DeliveryService start(FileMessageSpool spool) {
        DeliveryService service = new DeliveryService(spool, settings(), registry);
        service.start();
        closing.add(service);
        return service;
    }

    private int serve(FileMessageSpool spool, DeliveryService delivery, Path tokenFile) throws Exception {
        return serve(spool, delivery, tokenFile, () -> new UpstreamReport(false, List.of()));
    }

    private int serve(FileMessageSpool spool, DeliveryService delivery, Path tokenFile,
            Supplier<UpstreamReport> upstreams) throws Exception {
        AdminToken token = AdminToken.of(tokenFile, Duration.ofMillis(100));
        closing.add(token);
        Router router = Router.router(vertx);
        AdminRoutes.register(router, token, new QueueAdmin(spool, delivery, registry), null, workloadClients,
                upstreams);
        HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get();
        return server.actualPort();
    }

    private Path tokenFile(String token) throws IOException {
        return Files.writeString(dir.resolve("admin-token"), token + "\n");
    }

    private static String spool(FileMessageSpool spool, String from, String testId, String... recipients)
            throws IOException {
        String text = "From: " + from + "\r\nSubject: " + testId + "\r\nX-Test-Id: " + testId + "\r\n\r\nbody of "
                + testId + "\r\n";
        try (SpoolWriter writer = spool.create(new Envelope(from, List.of(recipients), "127.0.0.5", "client.test",
                null, Instant.now()))) {
            writer.body().write(text.getBytes(StandardCharsets.US_ASCII));
            return writer.commit();
        }
    }

    private JsonNode get(int port, String path) throws Exception {
        HttpResponse<String> response = request(port, "GET", path, "Bearer " + TOKEN);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        return json(response);
    }

    private HttpResponse<String> post(int port, String path) throws Exception {
        return request(port, "POST", path, "Bearer " + TOKEN);
    }

    private HttpResponse<String> request(int port, String method, String path, String authorization)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(60)).method(method, HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return AdminRoutes.JSON.readTree(response.body());
    }

    private double actions(String action, String result) {
        var counter = registry.find("mailrelay.admin.actions").tag("action", action).tag("result", result).counter();
        return counter == null ? 0 : counter.count();
    }

    private long holdFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve("spool/queue"))) {
            return files.filter(f -> f.toString().endsWith(".hold")).count();
        }
    }
}
