package io.mailrelay.operator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.mailrelay.operator.render.RelayUid;

/** {@link OperatorSettings} from configuration, for the reconciler Quarkus builds. */
public class OperatorSettingsProducer {

    private static final Path SERVICE_ACCOUNT_NAMESPACE = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");

    @ConfigProperty(name = "mailrelay.relay-image")
    String relayImage;

    /** Default: the namespace of the operator's own service account (POD_NAMESPACE overrides). */
    @ConfigProperty(name = "mailrelay.operator-namespace")
    Optional<String> operatorNamespace;

    /** Comma-separated Secret names, e.g. for a private registry that holds the operator's own image. */
    @ConfigProperty(name = "mailrelay.relay-image-pull-secrets")
    Optional<List<String>> relayImagePullSecrets;

    /** auto (OpenShift: the SCC assigns them; elsewhere the image's 10025), none, or a UID: see RelayUid. */
    @ConfigProperty(name = "mailrelay.relay-uid", defaultValue = RelayUid.AUTO_VALUE)
    String relayUid;

    @Produces
    @Singleton
    OperatorSettings settings() {
        return new OperatorSettings(relayImage, operatorNamespace.or(OperatorSettingsProducer::ownNamespace).orElse(null),
                relayImagePullSecrets.orElse(List.of()), RelayUid.parse(relayUid));
    }

    private static Optional<String> ownNamespace() {
        String fromEnv = System.getenv("POD_NAMESPACE");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Optional.of(fromEnv);
        }
        try {
            return Files.isReadable(SERVICE_ACCOUNT_NAMESPACE)
                    ? Optional.of(Files.readString(SERVICE_ACCOUNT_NAMESPACE).strip()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
