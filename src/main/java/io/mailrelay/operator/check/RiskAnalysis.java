package io.mailrelay.operator.check;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.mailrelay.api.MailRelaySpec;
import io.mailrelay.api.ServiceSpec;
import io.mailrelay.config.Cidr;
import io.mailrelay.operator.identity.LabelSelectors;

/**
 * Static risk analysis of a spec: allow-lists or trusted proxies wider than any real client network or
 * load balancer, SNAT that hides clients.
 */
public final class RiskAnalysis {

    /**
     * Ranges that usually contain the pod, service or node networks: allow-listing a whole one lets every
     * pod (and every SNATed client) relay. Anything covering one of them is as risky.
     */
    private static final Map<String, String> WIDE_RANGES = new LinkedHashMap<>();

    static {
        WIDE_RANGES.put("0.0.0.0/0", "every IPv4 address");
        WIDE_RANGES.put("::/0", "every IPv6 address");
        WIDE_RANGES.put("10.0.0.0/8", "the whole private range 10.0.0.0/8");
        WIDE_RANGES.put("172.16.0.0/12", "the whole private range 172.16.0.0/12");
        WIDE_RANGES.put("192.168.0.0/16", "the whole private range 192.168.0.0/16");
        WIDE_RANGES.put("100.64.0.0/10", "the whole shared range 100.64.0.0/10");
        WIDE_RANGES.put("fc00::/7", "the whole unique-local range fc00::/7");
    }

    private static final List<Cidr> RFC_1918 = List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("172.16.0.0/12"),
            Cidr.parse("192.168.0.0/16"));

    private RiskAnalysis() {
    }

    /** Without knowing the cluster's networks. */
    public static List<Risk> analyse(MailRelaySpec spec) {
        return analyse(spec, ClusterNetworks.UNKNOWN);
    }

    public static List<Risk> analyse(MailRelaySpec spec, ClusterNetworks cluster) {
        List<Risk> risks = new ArrayList<>();
        if (spec.allowedNetworks != null) {
            for (String network : spec.allowedNetworks) {
                wideRangeCoveredBy(network).ifPresent(what -> risks.add(new Risk(Risk.RISKY_ALLOW_LIST,
                        "allowedNetworks entry " + network + " includes " + what
                                + ", which usually holds the pod or node network: every pod could relay")));
            }
            List<Cidr> allowed = parsed(spec.allowedNetworks);
            if (risks.isEmpty()) {
                together(allowed).ifPresent(what -> risks.add(new Risk(Risk.RISKY_ALLOW_LIST,
                        "allowedNetworks together include " + what + ": every pod and every SNATed client could relay")));
            }
            risks.addAll(ClusterCoverage.risks(allowed, cluster));
        }
        ServiceSpec service = spec.service;
        if (service != null && Boolean.TRUE.equals(service.proxyProtocol) && service.trustedProxies != null) {
            for (String network : service.trustedProxies) {
                wideRangeCoveredBy(network).ifPresent(what -> risks.add(new Risk(Risk.RISKY_TRUSTED_PROXIES,
                        "service.trustedProxies entry " + network + " includes " + what + ", which usually holds the "
                                + "node network: every client a node SNATs could claim any address in a PROXY header")));
            }
        }
        if (service != null && service.type != null && service.type != ServiceSpec.Type.ClusterIP
                && ServiceSpec.externalTrafficPolicy(service) == ServiceSpec.TrafficPolicy.Cluster
                && !Boolean.TRUE.equals(service.proxyProtocol)) {
            risks.add(new Risk(Risk.CLIENT_ADDRESS_HIDDEN, "service.externalTrafficPolicy Cluster on a "
                    + service.type + " Service SNATs clients to node addresses: the relay sees node IPs, "
                    + "not clients (use Local, or proxyProtocol)"));
        }
        if (spec.relayFor != null && spec.relayFor.podSelector != null
                && LabelSelectors.selectsEverything(spec.relayFor.podSelector)
                && (spec.relayFor.serviceAccounts == null || spec.relayFor.serviceAccounts.isEmpty())) {
            risks.add(new Risk(Risk.RELAY_FOR_EVERY_POD, "relayFor.podSelector {} selects every pod of "
                    + (spec.relayFor.namespaces == null || spec.relayFor.namespaces.isEmpty() ? "this namespace"
                            : "namespaces " + String.join(", ", spec.relayFor.namespaces))
                    + ": any of them, a compromised one too, may relay (select the pods that send mail by label, "
                    + "or by serviceAccounts)"));
        }
        return risks;
    }

    /** A wide range (or all of RFC 1918) that no entry covers alone but the entries cover together. */
    private static Optional<String> together(List<Cidr> allowed) {
        if (allowed.size() < 2) {
            return Optional.empty();
        }
        if (RFC_1918.stream().allMatch(range -> ClusterCoverage.coveredByUnion(allowed, range))) {
            return Optional.of("all of RFC 1918 (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)");
        }
        return WIDE_RANGES.entrySet().stream()
                .filter(wide -> ClusterCoverage.coveredByUnion(allowed, Cidr.parse(wide.getKey())))
                .map(Map.Entry::getValue).findFirst();
    }

    private static List<Cidr> parsed(List<String> networks) {
        List<Cidr> parsed = new ArrayList<>();
        for (String network : networks) {
            try {
                parsed.add(Cidr.parse(network));
            } catch (IllegalArgumentException invalid) {
                // the API server's isCIDR() rule already refuses these
            }
        }
        return parsed;
    }

    private static Optional<String> wideRangeCoveredBy(String network) {
        Cidr allowed;
        try {
            allowed = Cidr.parse(network);
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // the API server's isCIDR() rule already refuses these
        }
        return WIDE_RANGES.entrySet().stream()
                .filter(wide -> allowed.covers(Cidr.parse(wide.getKey())))
                .map(Map.Entry::getValue)
                .findFirst();
    }
}
