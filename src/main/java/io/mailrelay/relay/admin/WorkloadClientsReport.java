package io.mailrelay.relay.admin;

import java.time.Instant;
import java.util.List;

/**
 * The body of {@code PUT /admin/workload-clients} (without {@code updatedAt}) and of its answer and
 * {@code GET}: the addresses of the pods relayFor selects, which may relay like allowedNetworks.
 *
 * @param revision the pusher's name for this set; "" before the first push
 * @param updatedAt when this relay took the set; null before the first push
 */
public record WorkloadClientsReport(String revision, List<String> addresses, Instant updatedAt) {
}
