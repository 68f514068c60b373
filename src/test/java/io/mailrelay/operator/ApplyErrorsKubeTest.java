package io.mailrelay.operator;

import static io.mailrelay.operator.KubeFixture.condition;
import static io.mailrelay.operator.KubeFixture.conditionIs;
import static io.mailrelay.operator.KubeFixture.observed;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.ProbeSpec;
import io.mailrelay.api.Conditions;
import io.mailrelay.testing.RealKubeApiServer;

/**
 * What goes wrong at apply time reaches {@code kubectl describe mr}: a value the CRD accepts but the API
 * server refuses, and an object under an owned name that is not ours. Nothing is half-applied, nothing
 * foreign is changed, and a repeated failure raises one event, not one per retry.
 */
@Tag("kube")
class ApplyErrorsKubeTest {

    @RegisterExtension
    static final OperatorUnderTest operator = new OperatorUnderTest();
    static final RealKubeApiServer api = operator.api;
    static final KubeFixture kube = operator.kube;

    @Test
    void aValueTheApiServerRefusesIsReportedOnceAndNothingIsHalfApplied() {
        String ns = "apply-failure";
        kube.namespace(ns, Map.of());
        MailRelay relay = kube.example("minimal.yaml", ns);
        // a map of strings to the CRD, a label selector to the Pod: the API server refuses the value
        relay.getSpec().nodeSelector = Map.of("disktype", "fast ssd!");
        MailRelay created = kube.create(relay);

        MailRelay failed = kube.awaitRelay(ns, "minimal",
                observed(created).and(conditionIs(Conditions.APPLIED, Conditions.FALSE)));
        assertThat(condition(failed, Conditions.APPLIED).orElseThrow()).satisfies(c -> {
            assertThat(c.getReason()).isEqualTo("ApplyFailed");
            assertThat(c.getMessage()).startsWith("StatefulSet minimal: ").contains("nodeSelector")
                    .contains("fast ssd!").endsWith("(nothing was applied)");
        });
        assertThat(condition(failed, Conditions.READY).orElseThrow().getReason()).isEqualTo("ApplyFailed");
        assertThat(condition(failed, Conditions.CONFIG_VALID).orElseThrow().getStatus()).isEqualTo("True");
        assertThat(kube.client().configMaps().inNamespace(ns).withName("minimal-config").get())
                .as("the ConfigMap comes before the StatefulSet, and the dry run stopped it").isNull();
        assertThat(kube.client().services().inNamespace(ns).withName("minimal").get()).isNull();

        // a new generation fails the same way: the status is rewritten, the event is not repeated
        failed.getSpec().probe = new ProbeSpec();
        failed.getSpec().probe.interval = "10m";
        MailRelay again = kube.update(failed);
        kube.awaitRelay(ns, "minimal", observed(again));
        assertThat(events(ns, "minimal", "ApplyFailed")).hasSize(1).allSatisfy(e -> {
            assertThat(e.getType()).isEqualTo("Warning");
            assertThat(e.getMessage()).contains("nodeSelector");
        });

        again.getSpec().nodeSelector = Map.of("disktype", "fast-ssd");
        MailRelay fixed = kube.update(again);
        kube.awaitRelay(ns, "minimal", observed(fixed).and(conditionIs(Conditions.APPLIED, Conditions.TRUE)));
        assertThat(kube.client().configMaps().inNamespace(ns).withName("minimal-config").get()).isNotNull();
        assertThat(kube.podTemplate(ns, "minimal").getSpec().getNodeSelector()).containsEntry("disktype", "fast-ssd");
        assertThat(events(ns, "minimal", "Applied")).hasSize(1);
    }

    @Test
    void anObjectUnderAnOwnedNameThatIsNotOursIsLeftAloneAndReported() {
        String ns = "foreign";
        kube.namespace(ns, Map.of());
        ConfigMap foreign = kube.client().resource(new ConfigMapBuilder().withNewMetadata().withName("minimal-config")
                .withNamespace(ns).endMetadata().withData(Map.of("relay.yaml", "someone else's")).build()).create();
        MailRelay created = kube.create(kube.example("minimal.yaml", ns));

        MailRelay conflicted = kube.awaitRelay(ns, "minimal",
                observed(created).and(conditionIs(Conditions.APPLIED, Conditions.FALSE)));
        assertThat(condition(conflicted, Conditions.APPLIED).orElseThrow()).satisfies(c -> {
            assertThat(c.getReason()).isEqualTo("OwnershipConflict");
            assertThat(c.getMessage()).startsWith("ConfigMap minimal-config already exists and is not owned by");
        });
        assertThat(condition(conflicted, Conditions.READY).orElseThrow().getReason()).isEqualTo("OwnershipConflict");
        ConfigMap after = kube.client().configMaps().inNamespace(ns).withName("minimal-config").get();
        assertThat(after.getData()).isEqualTo(foreign.getData());
        assertThat(after.getMetadata().getOwnerReferences()).isEmpty();
        assertThat(kube.client().apps().statefulSets().inNamespace(ns).withName("minimal").get()).isNull();
        assertThat(events(ns, "minimal", "OwnershipConflict")).hasSize(1);

        // the admin removes the foreign object; the next reconciliation takes the name
        kube.client().resource(after).delete();
        conflicted.getSpec().probe = new ProbeSpec();
        conflicted.getSpec().probe.interval = "10m";
        MailRelay retried = kube.update(conflicted);
        kube.awaitRelay(ns, "minimal", observed(retried).and(conditionIs(Conditions.APPLIED, Conditions.TRUE)));
        assertThat(kube.client().configMaps().inNamespace(ns).withName("minimal-config").get().getMetadata()
                .getOwnerReferences()).extracting(o -> o.getUid()).containsExactly(retried.getMetadata().getUid());
    }

    @Test
    void aRelayNamedDefaultLeavesTheNamespacesDefaultServiceAccountAlone() {
        String ns = "default-named";
        kube.namespace(ns, Map.of());
        ServiceAccount namespaceDefault = kube.client().resource(new ServiceAccountBuilder().withNewMetadata()
                .withName("default").withNamespace(ns).endMetadata().withAutomountServiceAccountToken(true).build())
                .create();
        MailRelay relay = kube.example("minimal.yaml", ns);
        relay.getMetadata().setName("default");
        MailRelay created = kube.create(relay);

        kube.awaitRelay(ns, "default", observed(created).and(conditionIs(Conditions.APPLIED, Conditions.TRUE)));
        ServiceAccount untouched = kube.client().serviceAccounts().inNamespace(ns).withName("default").get();
        assertThat(untouched.getMetadata().getOwnerReferences()).as("not ours, so never garbage-collected with us")
                .isEmpty();
        assertThat(untouched.getAutomountServiceAccountToken()).isEqualTo(namespaceDefault.getAutomountServiceAccountToken());
        assertThat(untouched.getMetadata().getLabels()).isNullOrEmpty();
        ServiceAccount ours = kube.client().serviceAccounts().inNamespace(ns).withName("default-relay").get();
        assertThat(ours.getMetadata().getOwnerReferences()).extracting(o -> o.getUid())
                .containsExactly(created.getMetadata().getUid());
        assertThat(kube.podTemplate(ns, "default").getSpec().getServiceAccountName()).isEqualTo("default-relay");
    }

    private static List<Event> events(String ns, String name, String reason) {
        return kube.client().v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason())).toList();
    }
}
