package io.mailrelay.operator.render;

import java.util.Map;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.mailrelay.api.MailRelay;

/** The small objects around the workload: relay.yaml, the pods' identity, the disruption budget. */
public final class SupportFactory {

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
