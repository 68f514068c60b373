package io.mailrelay.operator.check;

/** Something in a spec that the API server accepts but that probably makes the relay more open than meant. */
public record Risk(String reason, String message) {

    public static final String RISKY_ALLOW_LIST = "RiskyAllowList";
    public static final String CLIENT_ADDRESS_HIDDEN = "ClientAddressHidden";
    public static final String RISKY_TRUSTED_PROXIES = "RiskyTrustedProxies";
    /** allowedNetworks covers a node address, a node's pod network or the Service network of this cluster. */
    public static final String ALLOW_LIST_COVERS_CLUSTER = "AllowListCoversCluster";
    /** relayFor's empty pod selector: every pod of its namespaces may relay. */
    public static final String RELAY_FOR_EVERY_POD = "RelayForEveryPod";
}
