package io.mailrelay.api;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.model.annotation.SpecReplicas;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.authentication) || has(self.tls) || self.authentication.allowWithoutTls",
        message = "authentication needs tls (AUTH is only offered after STARTTLS) unless authentication.allowWithoutTls is true",
        fieldPath = ".authentication")
@ValidationRule(value = "!has(self.dkimSignAllWith) || (has(self.dkim) && self.dkim.exists(d, "
        + "d.domain.lowerAscii() == self.dkimSignAllWith.lowerAscii()))",
        message = "dkimSignAllWith must be one of the dkim domains", fieldPath = ".dkimSignAllWith")
@ValidationRule(value = "!has(self.localDomains) || !has(self.outbound.recipientRoutes) || self.outbound.recipientRoutes"
        + ".all(r, !self.localDomains.exists(l, l.domain.lowerAscii() == r.domain.lowerAscii()))",
        message = "outbound.recipientRoutes must not route a local domain: its mail goes to its deliverTo",
        fieldPath = ".outbound.recipientRoutes")
@JsonClassDescription("The relay wanted: who may relay through it, where mail goes, how it is exposed and run. Reference: docs/operator.md.")
public class MailRelaySpec {

    @JsonPropertyDescription("Number of relay pods. More than one gets a PodDisruptionBudget and topology spread. "
            + "kubectl scale mr and a HorizontalPodAutoscaler set it through the scale subresource.")
    @SpecReplicas
    @Default("1")
    @Min(0)
    @Max(50)
    public Integer replicas;

    @JsonPropertyDescription("Relay container image. Default: the operator's own image and version (mailrelay.relay-image).")
    @Size(max = 512)
    public String image;

    @JsonPropertyDescription("Host name of the relay in its SMTP banner and EHLO (e.g. relay.example.com). Default: the pod's host name.")
    @Pattern(Patterns.HOST)
    @Size(max = 253)
    public String hostname;

    @JsonPropertyDescription("IPv4/IPv6 CIDRs allowed to relay to any recipient without authentication (e.g. 10.20.0.0/16). "
            + "Whole private ranges and 0.0.0.0/0 are accepted but flagged by the NetworkRisk condition.")
    @Size(max = 256)
    @ValidationRule(value = "self.all(c, isCIDR(c))",
            message = "allowedNetworks must contain only CIDRs such as 10.20.0.0/16 or 2001:db8::/32")
    public List<@Size(max = 43) String> allowedNetworks;

    @JsonPropertyDescription("In-cluster clients: namespaces whose pods may connect to the SMTP port (NetworkPolicy). "
            + "Their addresses still need to be in allowedNetworks, or they must authenticate, to relay.")
    public LabelSelector allowedNamespaceSelector;

    @JsonPropertyDescription("In-cluster clients: pods (in the selected namespaces, or this namespace) that may connect to the SMTP port.")
    public LabelSelector allowedPodSelector;

    @JsonPropertyDescription("Pods that may relay by workload identity: the operator follows the selected pods and "
            + "gives the relay pods their current IPs within seconds (no restart); those IPs relay like allowedNetworks. "
            + "Running or Pending pods with an IP only: never terminating, finished or hostNetwork pods. The "
            + "NetworkPolicy admits them too.")
    public RelayFor relayFor;

    @JsonPropertyDescription("Domains this relay accepts mail for from anyone, each delivered to its own host:port. "
            + "Configuring any opens the SMTP port to every address.")
    @Size(max = 64)
    @ValidationRule(value = "self.all(a, self.filter(b, b.domain.lowerAscii() == a.domain.lowerAscii()).size() == 1)",
            message = "localDomains must not list a domain twice (domains compare case-insensitively)")
    public List<LocalDomain> localDomains;

    @JsonPropertyDescription("SMTP AUTH (PLAIN/LOGIN) with users from a Secret; authenticated clients may relay from anywhere.")
    public Authentication authentication;

    @JsonPropertyDescription("STARTTLS with a certificate from a Secret of type kubernetes.io/tls. Omit for no TLS.")
    public Tls tls;

    @JsonPropertyDescription("How mail leaving the relay is delivered: through a smarthost or directly by MX lookup.")
    @Required
    public Outbound outbound;

    @JsonPropertyDescription("Optional restrictions on envelope senders; they only ever narrow what the relay accepts.")
    public SenderRestrictions senderRestrictions;

    @JsonPropertyDescription("DKIM signing keys, per domain and selector: mail whose From: is in a domain is signed "
            + "with each of its keys (RSA and Ed25519 side by side). status.dkim shows the DNS records to publish.")
    @Size(max = 32)
    @ValidationRule(value = "self.all(a, self.filter(b, b.domain.lowerAscii() == a.domain.lowerAscii() "
            + "&& b.selector == a.selector).size() == 1)",
            message = "dkim must not list a domain and selector twice")
    @ValidationRule(value = "self.all(a, has(a.secretName) || self.filter(b, !has(b.secretName) "
            + "&& b.selector == a.selector).size() == 1)",
            message = "dkim: generated keys are named <name>-dkim-<selector>: give each its own selector, or a secretName")
    public List<DkimSigning> dkim;

    @JsonPropertyDescription("Sign all mail with the keys of this dkim domain, whatever its From: (relay.yaml "
            + "dkim.signAllWith), e.g. a relay that sends for many customer domains under its own. Absent: only mail "
            + "whose From: is in a dkim domain is signed, with that domain's keys.")
    @Size(max = 253)
    @Pattern(Patterns.DOMAIN)
    public String dkimSignAllWith;

    @JsonPropertyDescription("Size, rate and connection limits. Unset limits take the relay's defaults.")
    public Limits limits;

    @JsonPropertyDescription("The Service in front of the relay pods.")
    public ServiceSpec service;

    @JsonPropertyDescription("Spool storage. Default: a StatefulSet with a 1Gi PersistentVolumeClaim per pod. "
            + "persistence.type EmptyDir: a Deployment whose queue is lost with its pod.")
    public Persistence persistence;

    @JsonPropertyDescription("Seconds a stopping relay pod has (its terminationGracePeriodSeconds): a 10 s preStop pause "
            + "while the endpoints drop it, then the relay drains for the rest minus a 5 s margin: new connections and MAIL "
            + "get 421, open transactions finish, idle sessions get 421, and the queue is delivered; what is left stays spooled.")
    @Default("60")
    @Min(20)
    @Max(3600)
    public Integer terminationGracePeriodSeconds;

    @JsonPropertyDescription("Secrets (in this namespace) for pulling the relay image. Default: none for an image named "
            + "in spec.image; for the operator's default image, the operator's mailrelay.relay-image-pull-secrets.")
    @Size(max = 16)
    public List<LocalObjectReference> imagePullSecrets;

    @JsonPropertyDescription("PriorityClass of the relay pods, e.g. one that keeps them scheduled before batch work when nodes are full.")
    @Size(max = 253)
    public String priorityClassName;

    @JsonPropertyDescription("Extra labels of the relay pods (e.g. for a cost center or a mesh). Keys under app.kubernetes.io/ "
            + "are the operator's own and are refused.")
    @ValidationRule(value = "self.all(k, !k.startsWith('app.kubernetes.io/'))",
            message = "podLabels must not set app.kubernetes.io/ labels: the operator selects its pods by them")
    @Size(max = 32)
    public Map<String, @Size(max = 63) String> podLabels;

    @JsonPropertyDescription("Extra annotations of the relay pods (e.g. for a mesh or a backup tool). The operator's own "
            + "(mailrelay.io/config-hash) wins over one of the same key.")
    @Size(max = 32)
    public Map<String, String> podAnnotations;

    @JsonPropertyDescription("Compute resources of the relay container. Default: requests 100m CPU / 192Mi, limit 192Mi memory; 256Mi both for a relay that signs with an RSA key (dkim with algorithm rsa or a secretName), whose signatures need the C2 compiler. The JVM's heap, direct memory, metaspace and code cache are sized from limits.memory (JAVA_TOOL_OPTIONS); without a memory limit the JVM sizes its heap from the node's memory.")
    public ResourceRequirements resources;

    @JsonPropertyDescription("Node selector of the relay pods.")
    public Map<String, String> nodeSelector;

    @JsonPropertyDescription("Tolerations of the relay pods.")
    public List<Toleration> tolerations;

    @JsonPropertyDescription("Affinity of the relay pods. When unset and replicas > 1, pods are spread over nodes and zones.")
    public Affinity affinity;

    @JsonPropertyDescription("Periodic open-relay probe of this relay by the operator.")
    public ProbeSpec probe;

    @JsonPropertyDescription("Thresholds of condition QueueHealthy over status.queue.")
    public QueueSpec queue;

    @JsonPropertyDescription("Who may scrape the relay's metrics port (8080).")
    public Monitoring monitoring;
}
