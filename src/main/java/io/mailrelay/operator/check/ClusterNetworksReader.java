package io.mailrelay.operator.check;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.networking.v1.ServiceCIDR;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Reads {@link ClusterNetworks} at most once per {@code maxAge} and shares the answer: reconciliations and
 * probes of many relays ask for it, and nodes change rarely. Reading needs {@code list} on nodes and
 * servicecidrs and {@code get} on the {@code kubernetes} Service; what cannot be read stays unknown (logged once).
 */
public final class ClusterNetworksReader {

    public static final Duration DEFAULT_MAX_AGE = Duration.ofMinutes(1);

    private static final Logger LOG = Logger.getLogger(ClusterNetworksReader.class);

    private final Clock clock;
    private final Duration maxAge;
    private ClusterNetworks cached;
    private Instant readAt;
    private boolean warned;

    public ClusterNetworksReader() {
        this(Clock.systemUTC(), DEFAULT_MAX_AGE);
    }

    public ClusterNetworksReader(Clock clock, Duration maxAge) {
        this.clock = clock;
        this.maxAge = maxAge;
    }

    public synchronized ClusterNetworks read(KubernetesClient client) {
        Instant now = clock.instant();
        if (cached != null && Duration.between(readAt, now).compareTo(maxAge) < 0) {
            return cached;
        }
        List<Node> nodes = List.of();
        List<ServiceCIDR> serviceCidrs = List.of();
        Service kubernetes = null;
        try {
            nodes = client.nodes().list().getItems();
            kubernetes = client.services().inNamespace("default").withName("kubernetes").get();
            serviceCidrs = client.resources(ServiceCIDR.class).list().getItems();
        } catch (KubernetesClientException unreadable) {
            // an older cluster without the ServiceCIDR API, or missing rights: keep what was read
            if (!warned) {
                LOG.warnf("cluster networks only partly readable (%s): the NetworkRisk check against nodes and the"
                        + " Service network is incomplete", unreadable.getMessage());
                warned = true;
            }
        }
        cached = ClusterNetworks.of(nodes, serviceCidrs, kubernetes);
        readAt = now;
        return cached;
    }
}
