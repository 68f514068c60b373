package io.mailrelay.operator.render;

import io.mailrelay.operator.naming.RelayLabels;
import static java.util.Objects.requireNonNullElse;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.ServiceSpec;

/** The SMTP Service. Metrics are not exposed through it (scrape the pods), so a LoadBalancer never publishes them. */
public final class ServiceFactory {

    private ServiceFactory() {
    }

    public static Service service(MailRelay relay) {
        ServiceSpec spec = requireNonNullElse(relay.getSpec().service, new ServiceSpec());
        ServiceSpec.Type type = ServiceSpec.type(spec);
        Service service = new ServiceBuilder()
                .withMetadata(Owned.meta(relay, relay.getMetadata().getName()))
                .withNewSpec()
                    .withType(type.name())
                    .withSelector(RelayLabels.selector(relay))
                    .addNewPort().withName(ServiceSpec.SMTP_PORT_NAME).withProtocol("TCP").withPort(ServiceSpec.port(spec))
                        .withTargetPort(new IntOrString(ServiceSpec.SMTP_PORT_NAME)).endPort()
                .endSpec()
                .build();
        if (spec.annotations != null && !spec.annotations.isEmpty()) {
            service.getMetadata().setAnnotations(spec.annotations);
        }
        if (type != ServiceSpec.Type.ClusterIP) {
            service.getSpec().setExternalTrafficPolicy(ServiceSpec.externalTrafficPolicy(spec).name());
        }
        if (type == ServiceSpec.Type.LoadBalancer && spec.loadBalancerSourceRanges != null) {
            service.getSpec().setLoadBalancerSourceRanges(spec.loadBalancerSourceRanges);
        }
        return service;
    }
}
