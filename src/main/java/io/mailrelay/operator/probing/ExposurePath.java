package io.mailrelay.operator.probing;

/** How a client reaches a relay's Service: each path can treat client addresses differently (SNAT). */
public enum ExposurePath {
    /** The Service's ClusterIP(s): what pods use. */
    ClusterIP,
    /** A NodePort on a node's InternalIP: with externalTrafficPolicy Cluster, kube-proxy SNATs clients to a node address. */
    NodePort,
    /**
     * A {@code status.loadBalancer.ingress} address, probed from inside the cluster: kube-proxy short-circuits
     * it to the endpoints, so this path does not cross the real load balancer (probe that from outside).
     */
    LoadBalancer,
    /** A {@code spec.externalIPs} entry. */
    ExternalIP
}
