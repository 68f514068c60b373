package io.mailrelay.operator.render;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.mailrelay.api.MailRelay;

/** The small objects around the workload: relay.yaml, the admin token, the pods' identity, the disruption budget. */
public final class SupportFactory {

    private static final SecureRandom RANDOM = new SecureRandom();

    private SupportFactory() {
    }

    public static ConfigMap configMap(MailRelay relay, String relayYaml) {
        return new ConfigMapBuilder()
                .withMetadata(Owned.meta(relay, DependentNames.configMap(relay)))
                .withData(Map.of(RelayPod.CONFIG_KEY, relayYaml))
                .build();
    }

    /** The relay never talks to the API server: its own identity, with no token mounted. */
    public static ServiceAccount serviceAccount(MailRelay relay) {
        return new ServiceAccountBuilder()
                .withMetadata(Owned.meta(relay, DependentNames.serviceAccount(relay)))
                .withAutomountServiceAccountToken(false)
                .build();
    }

    /**
     * The admin endpoint's token (docs/relay.md, "Admin endpoint"): made once, then kept, so a reconciliation
     * never rotates it under a running CLI or the operator's own status reader.
     */
    public static Secret adminSecret(MailRelay relay, String token) {
        return new SecretBuilder()
                .withMetadata(Owned.meta(relay, DependentNames.adminSecret(relay)))
                .withType("Opaque")
                .withData(Map.of(RelayPod.ADMIN_TOKEN_KEY,
                        Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8))))
                .build();
    }

    /** The token an existing admin Secret holds, else a new random one (256 bits). */
    public static String adminToken(Secret existing) {
        if (existing != null && existing.getData() != null && existing.getData().get(RelayPod.ADMIN_TOKEN_KEY) != null) {
            String token = new String(Base64.getDecoder().decode(existing.getData().get(RelayPod.ADMIN_TOKEN_KEY)),
                    StandardCharsets.UTF_8).strip();
            if (!token.isEmpty()) {
                return token;
            }
        }
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    /** Only with more than one replica: a budget over a single pod would block every node drain. */
    public static boolean needsDisruptionBudget(MailRelay relay) {
        return WorkloadFactory.replicas(relay) > 1;
    }

    public static PodDisruptionBudget podDisruptionBudget(MailRelay relay) {
        return new PodDisruptionBudgetBuilder()
                .withMetadata(Owned.meta(relay, relay.getMetadata().getName()))
                .withNewSpec()
                    .withMaxUnavailable(new IntOrString(1))
                    .withNewSelector().withMatchLabels(RelayLabels.selector(relay)).endSelector()
                .endSpec()
                .build();
    }
}
