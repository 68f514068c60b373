package io.mailrelay.api;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.proxyProtocol) || !self.proxyProtocol || self.type != 'ClusterIP'",
        message = "service.proxyProtocol needs service.type LoadBalancer or NodePort (a load balancer that sends the PROXY header)",
        fieldPath = ".proxyProtocol")
@ValidationRule(value = "!has(self.proxyProtocol) || !self.proxyProtocol || (has(self.trustedProxies) && size(self.trustedProxies) > 0)",
        message = "service.proxyProtocol needs service.trustedProxies (the load balancer's own addresses): "
                + "from any other peer a PROXY header could claim an allow-listed address",
        fieldPath = ".trustedProxies")
@ValidationRule(value = "!has(self.loadBalancerSourceRanges) || self.type == 'LoadBalancer'",
        message = "service.loadBalancerSourceRanges needs service.type LoadBalancer", fieldPath = ".loadBalancerSourceRanges")
@ValidationRule(value = "!has(self.externalTrafficPolicy) || self.type != 'ClusterIP'",
        message = "service.externalTrafficPolicy needs service.type LoadBalancer or NodePort", fieldPath = ".externalTrafficPolicy")
public class ServiceSpec {

    public static final int DEFAULT_PORT = 25;
    /** The name of the SMTP port of the Service and of the relay pods. */
    public static final String SMTP_PORT_NAME = "smtp";

    public enum Type {
        ClusterIP, NodePort, LoadBalancer
    }

    public enum TrafficPolicy {
        Local, Cluster
    }

    @JsonPropertyDescription("ClusterIP (default), NodePort or LoadBalancer.")
    @Default("ClusterIP")
    public Type type;

    @JsonPropertyDescription("Service port for SMTP. Default 25 (the pods listen on 2525).")
    @Default("25")
    @Min(1)
    @Max(65535)
    public Integer port;

    @JsonPropertyDescription("Annotations of the Service (e.g. for a cloud load balancer).")
    public Map<String, String> annotations;

    @JsonPropertyDescription("For NodePort/LoadBalancer. Default Local: Cluster would SNAT clients to node addresses, "
            + "so every client would look internal to the relay.")
    public TrafficPolicy externalTrafficPolicy;

    @JsonPropertyDescription("For LoadBalancer: CIDRs the cloud load balancer admits.")
    @Size(max = 256)
    @ValidationRule(value = "self.all(c, isCIDR(c))", message = "loadBalancerSourceRanges must contain only CIDRs")
    public List<@Size(max = 43) String> loadBalancerSourceRanges;

    @JsonPropertyDescription("The load balancer sends a PROXY protocol v1/v2 header with the real client address. "
            + "Default false. Needs trustedProxies.")
    @Default("false")
    public Boolean proxyProtocol;

    @JsonPropertyDescription("With proxyProtocol: CIDRs of the load balancer's own addresses (its subnets), the only "
            + "peers whose PROXY header is believed and, in the NetworkPolicy, the only sources of SMTP. Never the "
            + "node network: every client a node SNATs would then be a trusted proxy.")
    @Size(max = 64)
    @ValidationRule(value = "self.all(c, isCIDR(c))", message = "trustedProxies must contain only CIDRs")
    public List<@Size(max = 43) String> trustedProxies;

    /** The Service's SMTP port (the pods listen on 2525 whatever it is). */
    public static int port(ServiceSpec service) {
        return service == null || service.port == null ? DEFAULT_PORT : service.port;
    }

    public static Type type(ServiceSpec service) {
        return service == null || service.type == null ? Type.ClusterIP : service.type;
    }

    /** Local unless asked otherwise: Cluster SNATs clients to node addresses and every client would look internal. */
    public static TrafficPolicy externalTrafficPolicy(ServiceSpec service) {
        return service == null || service.externalTrafficPolicy == null ? TrafficPolicy.Local
                : service.externalTrafficPolicy;
    }
}
