package io.mailrelay.operator.queue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mailrelay.api.MailRelay;
import io.mailrelay.operator.naming.DependentNames;
import io.mailrelay.operator.naming.RelayLabels;
import io.mailrelay.operator.render.RelayPod;

/**
 * Where each relay pod listens, as the operator reaches it: the pod IP with the SMTP and management ports (in a
 * cluster), or, out of cluster with address overrides on, the {@link #ADDRESSES_ANNOTATION} a stand-in kubelet
 * writes. And the admin token the pods' endpoint wants.
 */
public final class RelayPods {

    /**
     * Out-of-cluster runs only: {@code {"<pod>": {"smtp": "host:port", "admin": "host:port", "workload": "StatefulSet"}}}
     * of every running pod.
     */
    public static final String ADDRESSES_ANNOTATION = "mailrelay.io/pod-addresses";

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param smtp host:port of the SMTP port; admin: of the management port; ready: its Ready condition
     * @param workload the kind of workload it belongs to: StatefulSet or Deployment
     */
    public record Address(String smtp, String admin, boolean ready, String workload) {
    }

    private RelayPods() {
    }

    /** Pod name → its addresses: every pod of the relay that has an IP (ready or not: a draining pod is not). */
    public static Map<String, Address> addresses(KubernetesClient client, MailRelay relay, boolean addressOverride) {
        Map<String, Address> addresses = new LinkedHashMap<>();
        Map<String, String> annotations = relay.getMetadata().getAnnotations();
        String override = annotations == null ? null : annotations.get(ADDRESSES_ANNOTATION);
        if (addressOverride && override != null && !override.isBlank()) {
            try {
                JSON.readValue(override, new TypeReference<Map<String, Map<String, String>>>() { })
                        .forEach((pod, ports) -> addresses.put(pod, new Address(ports.get("smtp"), ports.get("admin"), true,
                                ports.getOrDefault("workload", "StatefulSet"))));
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(ADDRESSES_ANNOTATION + " is not valid JSON: " + e.getOriginalMessage());
            }
            return addresses;
        }
        for (Pod pod : client.pods().inNamespace(relay.getMetadata().getNamespace())
                .withLabels(RelayLabels.selector(relay)).list().getItems()) {
            String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
            if (ip != null && pod.getMetadata().getDeletionTimestamp() == null) {
                String host = ip.contains(":") ? "[" + ip + "]" : ip;
                addresses.put(pod.getMetadata().getName(),
                        new Address(host + ":" + RelayPod.SMTP_PORT, host + ":" + RelayPod.HTTP_PORT, ready(pod),
                                workload(pod)));
            }
        }
        return addresses;
    }

    /** A Deployment's pods are owned by its ReplicaSet. */
    private static String workload(Pod pod) {
        return pod.getMetadata().getOwnerReferences().stream().map(owner -> owner.getKind())
                .map(kind -> "ReplicaSet".equals(kind) ? "Deployment" : kind).findFirst().orElse("none");
    }

    private static boolean ready(Pod pod) {
        return pod.getStatus().getConditions() != null && pod.getStatus().getConditions()
                .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /** The token of the relay's {@code <name>-admin} Secret, null when it has none. */
    public static String adminToken(KubernetesClient client, MailRelay relay) {
        Secret secret = client.secrets().inNamespace(relay.getMetadata().getNamespace())
                .withName(DependentNames.adminSecret(relay)).get();
        if (secret == null || secret.getData() == null || secret.getData().get(RelayPod.ADMIN_TOKEN_KEY) == null) {
            return null;
        }
        return new String(Base64.getDecoder().decode(secret.getData().get(RelayPod.ADMIN_TOKEN_KEY)),
                StandardCharsets.UTF_8).strip();
    }
}
