package io.mailrelay.operator.queue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import io.mailrelay.relay.admin.AdminRoutes;
import io.mailrelay.relay.admin.QueueReport;

/** Reads one relay pod's {@code GET /admin/queue?summary=true} with the relay's admin token; never a pod exec. */
public final class RelayAdminClient {

    private final HttpClient http;
    private final Duration timeout;

    public RelayAdminClient(Duration timeout) {
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** @param address host:port of the pod's management port */
    public QueueReport summary(String address, String token) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + address + "/admin/queue?summary=true"))
                .timeout(timeout).header("Authorization", "Bearer " + token).GET().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IOException(address + " answered " + response.statusCode() + ": " + response.body());
            }
            return AdminRoutes.JSON.readValue(response.body(), QueueReport.class);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted reading " + address, e);
        }
    }
}
