package io.mailrelay.relay.admin;

import java.util.List;

import io.mailrelay.relay.delivery.UpstreamStatus;

/**
 * {@code GET /admin/upstreams}: the last check of every upstream, the smarthost first (docs/relay.md, "Upstream
 * check"); what the operator's status.upstreams and condition UpstreamReady are made from.
 *
 * @param checkEnabled false when {@code upstreamCheck.enabled} is false: the upstreams are listed, never checked
 */
public record UpstreamReport(boolean checkEnabled, List<UpstreamStatus> upstreams) {
}
