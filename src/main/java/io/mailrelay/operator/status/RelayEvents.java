package io.mailrelay.operator.status;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.mailrelay.api.MailRelay;

/** Kubernetes Events on a MailRelay, as `kubectl describe mr` shows them. */
public final class RelayEvents {

    public static final String COMPONENT = "mailrelay-operator";
    private static final Logger LOG = Logger.getLogger(RelayEvents.class);

    private final KubernetesClient client;

    public RelayEvents(KubernetesClient client) {
        this.client = client;
    }

    public void normal(MailRelay relay, String reason, String message) {
        emit(relay, "Normal", reason, message);
    }

    public void warning(MailRelay relay, String reason, String message) {
        emit(relay, "Warning", reason, message);
    }

    private void emit(MailRelay relay, String type, String reason, String message) {
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        Event event = new EventBuilder()
                .withNewMetadata()
                    .withName(relay.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 13))
                    .withNamespace(relay.getMetadata().getNamespace())
                .endMetadata()
                .withNewInvolvedObject()
                    .withApiVersion(relay.getApiVersion()).withKind(relay.getKind())
                    .withNamespace(relay.getMetadata().getNamespace()).withName(relay.getMetadata().getName())
                    .withUid(relay.getMetadata().getUid())
                .endInvolvedObject()
                .withType(type).withReason(reason).withMessage(message)
                .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                .withNewSource().withComponent(COMPONENT).endSource()
                .withReportingComponent(COMPONENT)
                .build();
        try {
            client.v1().events().inNamespace(relay.getMetadata().getNamespace()).resource(event).create();
        } catch (KubernetesClientException e) {
            // an event is a courtesy: never fail a reconciliation for one
            LOG.warnf("could not record event %s on %s: %s", reason, relay.getMetadata().getName(), e.getMessage());
        }
    }
}
