package io.mailrelay.operator;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

import org.awaitility.Awaitility;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.Conditions;
import io.mailrelay.testing.AppProcess;

/** One MailRelay watched while the packaged operator works on it: its status, its events. */
record StatusWatch(KubernetesClient client, AppProcess operator, String namespace, String name) {

    /** Polls until the status satisfies {@code until} (120 s), failing at once if the operator stopped. */
    MailRelay await(String what, Predicate<MailRelay> until) {
        return await(what, Duration.ofSeconds(120), until);
    }

    /** As above, for steps that take long on a loaded machine (a roll, a hand-off under load). */
    MailRelay await(String what, Duration atMost, Predicate<MailRelay> until) {
        return Awaitility.await(what).atMost(atMost).pollInterval(Duration.ofMillis(500))
                .failFast("operator stopped:\n" + operator, () -> !operator.isAlive())
                .until(() -> client.resources(MailRelay.class).inNamespace(namespace).withName(name).get(),
                        r -> r != null && r.getStatus() != null && until.test(r));
    }

    /** Ready True, and the status is about the current generation (not a status written before the change). */
    static boolean readyAndObserved(MailRelay relay) {
        return KubeFixture.condition(relay, Conditions.READY).map(c -> "True".equals(c.getStatus())).orElse(false)
                && relay.getStatus().observedGeneration >= relay.getMetadata().getGeneration();
    }

    /** The message of the relay's Draining condition while it is True. */
    java.util.Optional<String> draining() {
        MailRelay relay = client.resources(MailRelay.class).inNamespace(namespace).withName(name).get();
        return relay == null ? java.util.Optional.empty() : KubeFixture.condition(relay, Conditions.DRAINING)
                .filter(c -> "True".equals(c.getStatus())).map(c -> c.getMessage());
    }

    List<Event> events(String reason, String type) {
        return client.v1().events().inNamespace(namespace).list().getItems().stream()
                .filter(e -> reason.equals(e.getReason()) && type.equals(e.getType())
                        && name.equals(e.getInvolvedObject().getName()))
                .toList();
    }
}
