package io.mailrelay.operator.queue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import io.mailrelay.relay.admin.AdminRoutes;
import io.mailrelay.relay.admin.DrainReport;
import io.mailrelay.relay.admin.QueueReport;
import io.mailrelay.relay.admin.UpstreamReport;
import io.mailrelay.relay.admin.WorkloadClientsReport;

/**
 * One relay pod's admin endpoint with the relay's admin token, never a pod exec: its queue summary
 * ({@code GET /admin/queue?summary=true}), its upstream check ({@code GET /admin/upstreams}) and its drain
 * ({@code GET|POST|DELETE /admin/drain}).
 */
public final class RelayAdminClient {

    private final HttpClient http;
    private final Duration timeout;

    public RelayAdminClient(Duration timeout) {
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** @param address host:port of the pod's management port */
    public QueueReport summary(String address, String token) throws IOException {
        return call(address, token, "GET", "/admin/queue?summary=true", null, 200, QueueReport.class);
    }

    /** {@code GET /admin/upstreams}: the pod's last check of each of its upstreams. */
    public UpstreamReport upstreams(String address, String token) throws IOException {
        return call(address, token, "GET", "/admin/upstreams", null, 200, UpstreamReport.class);
    }

    /** {@code GET /admin/drain}: how far the pod's drain has come. */
    public DrainReport drain(String address, String token) throws IOException {
        return call(address, token, "GET", "/admin/drain", null, 200, DrainReport.class);
    }

    /** {@code POST /admin/drain}: the pod stops accepting and hands what it cannot deliver to {@code peer}. */
    public DrainReport startDrain(String address, String token, String peer) throws IOException {
        String body = AdminRoutes.JSON.writeValueAsString(new AdminRoutes.DrainRequest(peer));
        return call(address, token, "POST", "/admin/drain", body, 202, DrainReport.class);
    }

    /** {@code DELETE /admin/drain}: the pod stays after all and takes mail again. */
    public DrainReport cancelDrain(String address, String token) throws IOException {
        return call(address, token, "DELETE", "/admin/drain", null, 200, DrainReport.class);
    }

    /** {@code PUT /admin/workload-clients}: the pod's set of workload clients becomes {@code addresses}. */
    public WorkloadClientsReport replaceWorkloadClients(String address, String token, String revision,
            List<String> addresses) throws IOException {
        String body = AdminRoutes.JSON.writeValueAsString(new WorkloadClientsReport(revision, addresses, null));
        return call(address, token, "PUT", "/admin/workload-clients", body, 200, WorkloadClientsReport.class);
    }

    private <T> T call(String address, String token, String method, String path, String body, int expected,
            Class<T> type) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + address + path)).timeout(timeout)
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != expected) {
                throw new IOException(address + " answered " + response.statusCode() + ": " + response.body());
            }
            return AdminRoutes.JSON.readValue(response.body(), type);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted calling " + address, e);
        }
    }
}
