package io.mailrelay.operator.render;

import java.util.ArrayList;
import java.util.List;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.mailrelay.api.MailRelay;
import io.mailrelay.operator.OperatorSettings;

/**
 * Everything one MailRelay should have in the cluster, in apply order: configuration and identity
 * before the pods that use them.
 *
 * @param configHash fingerprint of the configuration and the Secrets read at start
 */
public record DesiredState(String configHash, List<HasMetadata> objects) {

    /** With new hand-off credentials; {@code relayYaml} is the rendered configuration (its ConfigMap). */
    public static DesiredState of(MailRelay relay, OperatorSettings settings, String relayYaml, String configHash,
            String adminToken) {
        return of(relay, settings, relayYaml, configHash, adminToken, SupportFactory.peerCredentials(null));
    }

    /**
     * @param adminToken the admin endpoint's token: the one its Secret already holds, or a new one
     * @param peer the hand-off credentials: the ones the peer Secret already holds, or new ones
     */
    public static DesiredState of(MailRelay relay, OperatorSettings settings, String relayYaml, String configHash,
            String adminToken, SupportFactory.PeerCredentials peer) {
        return of(relay, settings, relayYaml, configHash, adminToken, peer, List.of());
    }

    /** @param dkimSecrets the generated DKIM keys' Secrets ({@link DkimSecrets#generatedSecret}) */
    public static DesiredState of(MailRelay relay, OperatorSettings settings, String relayYaml, String configHash,
            String adminToken, SupportFactory.PeerCredentials peer, List<? extends HasMetadata> dkimSecrets) {
        String image = relay.getSpec().image != null ? relay.getSpec().image : settings.relayImage();
        List<HasMetadata> objects = new ArrayList<>();
        objects.add(SupportFactory.configMap(relay, relayYaml));
        objects.add(SupportFactory.adminSecret(relay, adminToken));
        objects.add(SupportFactory.peerSecret(relay, peer));
        objects.addAll(dkimSecrets);
        objects.add(SupportFactory.serviceAccount(relay));
        objects.add(ServiceFactory.service(relay));
        objects.add(NetworkPolicyFactory.networkPolicy(relay, settings.operatorNamespace()));
        if (SupportFactory.needsDisruptionBudget(relay)) {
            objects.add(SupportFactory.podDisruptionBudget(relay));
        }
        HasMetadata workload = WorkloadFactory.workload(relay, image, configHash);
        PodTemplateFactory.runAs(workload, settings.relayUid());
        if (relay.getSpec().image == null && relay.getSpec().imagePullSecrets == null) {
            PodTemplateFactory.defaultImagePullSecrets(workload, settings.relayImagePullSecrets());
        }
        objects.add(workload);
        return new DesiredState(configHash, List.copyOf(objects));
    }

    public <T extends HasMetadata> T get(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no " + type.getSimpleName() + " in the desired state"));
    }

    public HasMetadata workload() {
        return objects.get(objects.size() - 1);
    }
}
