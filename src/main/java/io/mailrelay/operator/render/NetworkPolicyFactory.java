package io.mailrelay.operator.render;

import io.mailrelay.operator.naming.RelayLabels;
import io.mailrelay.api.ServiceSpec;
import java.util.ArrayList;
import java.util.List;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.MailRelaySpec;

/**
 * Who may open a connection to the relay pods. SMTP: the allow-listed networks, the selected namespaces
 * and pods, and the operator's namespace (the probe); everyone when the relay must accept mail from
 * anyone (local domains, or authenticated clients who may connect from anywhere). Behind a PROXY-protocol
 * load balancer every client arrives from the balancer: then only the trusted proxies and the operator's
 * namespace, whatever else the spec says. Without PROXY protocol the relay's own pods reach each other's SMTP port
 * (the hand-off of a scale-down or a persistence switch; behind a PROXY-protocol balancer a pod drops every other
 * peer). Management port (metrics, health, the admin endpoint): the operator's
 * namespace (it reads the queue into status) and the monitoring namespaces. Egress is not
 * restricted: delivery goes to arbitrary MX hosts or a smarthost.
 */
public final class NetworkPolicyFactory {

    static final String NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

    private NetworkPolicyFactory() {
    }

    public static NetworkPolicy networkPolicy(MailRelay relay, String operatorNamespace) {
        List<NetworkPolicyIngressRule> ingress = new ArrayList<>();
        List<NetworkPolicyPeer> smtpClients = smtpClients(relay.getSpec(), operatorNamespace);
        if (!openToEveryone(relay.getSpec()) && !isProxied(relay.getSpec())) {
            // the relay's own pods: a pod that is scaled away, or replaced by a persistence switch, hands its queue
            // to a sibling over SMTP
            smtpClients.add(new NetworkPolicyPeerBuilder().withNewPodSelector()
                    .withMatchLabels(RelayLabels.selector(relay)).endPodSelector().build());
        }
        if (!smtpClients.isEmpty()) {
            ingress.add(rule(ServiceSpec.SMTP_PORT_NAME, smtpClients));
        }
        List<NetworkPolicyPeer> management = new ArrayList<>();
        addOperator(management, operatorNamespace); // its queue reader; the admin endpoint also wants the token
        var monitoring = relay.getSpec().monitoring;
        if (monitoring != null && monitoring.namespaceSelector != null) {
            management.add(new NetworkPolicyPeerBuilder().withNamespaceSelector(monitoring.namespaceSelector).build());
        }
        if (!management.isEmpty()) {
            ingress.add(rule(RelayPod.HTTP_PORT_NAME, management));
        }
        return new NetworkPolicyBuilder()
                .withMetadata(Owned.meta(relay, relay.getMetadata().getName()))
                .withNewSpec()
                    .withNewPodSelector().withMatchLabels(RelayLabels.selector(relay)).endPodSelector()
                    .withPolicyTypes("Ingress")
                    .withIngress(ingress)
                .endSpec()
                .build();
    }

    /** Mail for local domains comes from the whole Internet, and authenticated users from wherever they are. */
    public static boolean openToEveryone(MailRelaySpec spec) {
        return (spec.localDomains != null && !spec.localDomains.isEmpty()) || spec.authentication != null;
    }

    private static boolean isProxied(MailRelaySpec spec) {
        return spec.service != null && Boolean.TRUE.equals(spec.service.proxyProtocol);
    }

    private static List<NetworkPolicyPeer> smtpClients(MailRelaySpec spec, String operatorNamespace) {
        List<NetworkPolicyPeer> peers = new ArrayList<>();
        if (isProxied(spec)) {
            if (spec.service.trustedProxies != null) {
                spec.service.trustedProxies.forEach(cidr -> peers.add(ipBlock(cidr)));
            }
            addOperator(peers, operatorNamespace);
            return peers;
        }
        if (openToEveryone(spec)) {
            peers.add(ipBlock("0.0.0.0/0"));
            peers.add(ipBlock("::/0"));
            return peers;
        }
        if (spec.allowedNetworks != null) {
            spec.allowedNetworks.forEach(cidr -> peers.add(ipBlock(cidr)));
        }
        if (spec.allowedNamespaceSelector != null || spec.allowedPodSelector != null) {
            peers.add(new NetworkPolicyPeerBuilder()
                    .withNamespaceSelector(spec.allowedNamespaceSelector)
                    .withPodSelector(spec.allowedPodSelector)
                    .build());
        }
        if (spec.relayFor != null) {
            // relayFor implies admission; the ServiceAccount filter is the relay's (a policy cannot express it)
            List<String> namespaces = spec.relayFor.namespaces == null || spec.relayFor.namespaces.isEmpty() ? null
                    : spec.relayFor.namespaces;
            peers.add(new NetworkPolicyPeerBuilder()
                    .withNamespaceSelector(namespaces == null ? null : new LabelSelectorBuilder()
                            .addNewMatchExpression().withKey(NAMESPACE_NAME_LABEL).withOperator("In")
                            .withValues(namespaces).endMatchExpression().build())
                    // with per-namespace credentials every pod of those namespaces may connect: the credential decides
                    .withPodSelector(spec.relayFor.credentials != null ? new LabelSelector() : spec.relayFor.podSelector)
                    .build());
        }
        addOperator(peers, operatorNamespace);
        return peers;
    }

    /** The probe runs in the operator's namespace. */
    private static void addOperator(List<NetworkPolicyPeer> peers, String operatorNamespace) {
        if (operatorNamespace != null) {
            peers.add(new NetworkPolicyPeerBuilder().withNamespaceSelector(namespaceNamed(operatorNamespace)).build());
        }
    }

    private static LabelSelector namespaceNamed(String namespace) {
        return new LabelSelectorBuilder().addToMatchLabels(NAMESPACE_NAME_LABEL, namespace).build();
    }

    private static NetworkPolicyPeer ipBlock(String cidr) {
        return new NetworkPolicyPeerBuilder().withNewIpBlock().withCidr(cidr).endIpBlock().build();
    }

    private static NetworkPolicyIngressRule rule(String port, List<NetworkPolicyPeer> from) {
        return new NetworkPolicyIngressRuleBuilder()
                .addNewPort().withProtocol("TCP").withPort(new IntOrString(port)).endPort()
                .withFrom(from)
                .build();
    }
}
