package io.mailrelay.operator.render;

import static java.util.Objects.requireNonNullElse;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.ServiceSpec;

/** The SMTP Service. Metrics are not exposed through it (scrape the pods), so a LoadBalancer never publishes them. */
public final class ServiceFactory {

    public static final int DEFAULT_PORT = 25;

    private ServiceFactory() {
    }

    public static Service service(MailRelay relay) {
        ServiceSpec spec = requireNonNullElse(relay.getSpec().service, new ServiceSpec());
        ServiceSpec.Type type = requireNonNullElse(spec.type, ServiceSpec.Type.ClusterIP);
        Service service = new ServiceBuilder()
                .withMetadata(Owned.meta(relay, relay.getMetadata().getName()))
                .withNewSpec()
                    .withType(type.name())
                    .withSelector(RelayLabels.selector(relay))
                    .addNewPort().withName(RelayPod.SMTP_PORT_NAME).withProtocol("TCP").withPort(port(relay))
                        .withTargetPort(new IntOrString(RelayPod.SMTP_PORT_NAME)).endPort()
                .endSpec()
                .build();
        if (spec.annotations != null && !spec.annotations.isEmpty()) {
            service.getMetadata().setAnnotations(spec.annotations);
        }
        if (type != ServiceSpec.Type.ClusterIP) {
            service.getSpec().setExternalTrafficPolicy(externalTrafficPolicy(spec).name());
        }
        if (type == ServiceSpec.Type.LoadBalancer && spec.loadBalancerSourceRanges != null) {
            service.getSpec().setLoadBalancerSourceRanges(spec.loadBalancerSourceRanges);
        }
        return service;
    }

    /** Local unless asked otherwise: Cluster SNATs clients to node addresses and every client would look internal. */
    public static ServiceSpec.TrafficPolicy externalTrafficPolicy(ServiceSpec spec) {
        return requireNonNullElse(spec.externalTrafficPolicy, ServiceSpec.TrafficPolicy.Local);
    }

    public static int port(MailRelay relay) {
        ServiceSpec spec = relay.getSpec().service;
        return spec == null ? DEFAULT_PORT : requireNonNullElse(spec.port, DEFAULT_PORT);
    }
}
