package io.mailrelay.operator.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.RelayFor;
import io.mailrelay.operator.Specs;

/** Which pods relayFor selects: both sides of every rule. */
@Tag("unit")
class PodSelectionTest {

    static MailRelay relay(RelayFor relayFor) {
        MailRelay relay = Specs.relay("office", Specs.minimal());
        relay.getSpec().relayFor = relayFor;
        return relay;
    }

    static RelayFor mailers(List<String> namespaces, List<String> accounts) {
        RelayFor relayFor = new RelayFor();
        relayFor.namespaces = namespaces;
        relayFor.podSelector = new LabelSelectorBuilder().addToMatchLabels("role", "mailer").build();
        relayFor.serviceAccounts = accounts;
        return relayFor;
    }

    static Pod pod(String namespace, String role, String phase, String ip) {
        return new PodBuilder().withNewMetadata().withNamespace(namespace).withName(role + "-" + ip)
                .addToLabels("role", role).endMetadata()
                .withNewSpec().withServiceAccountName("sender").endSpec()
                .withNewStatus().withPhase(phase).withPodIP(ip).addNewPodIP().withIp(ip).endPodIP().endStatus().build();
    }

    @Test
    void selectsByNamespaceLabelsAndAccountOnlyPodsWhoseAddressIsTheirs() {
        MailRelay relay = relay(mailers(List.of("apps"), null));
        assertThat(PodSelection.selects(relay, pod("apps", "mailer", "Running", "10.1.0.1"))).isTrue();
        assertThat(PodSelection.selects(relay, pod("apps", "mailer", "Pending", "10.1.0.2"))).isTrue();
        assertThat(PodSelection.selects(relay, pod("apps", "web", "Running", "10.1.0.3"))).as("other labels").isFalse();
        assertThat(PodSelection.selects(relay, pod("other", "mailer", "Running", "10.1.0.4"))).as("other namespace").isFalse();
        assertThat(PodSelection.selects(relay, pod("apps", "mailer", "Succeeded", "10.1.0.5"))).as("finished").isFalse();
        assertThat(PodSelection.selects(relay, pod("apps", "mailer", "Failed", "10.1.0.6"))).as("failed").isFalse();
        assertThat(PodSelection.selects(relay, pod("apps", "mailer", "Pending", null))).as("no IP yet").isFalse();
        Pod terminating = new PodBuilder(pod("apps", "mailer", "Running", "10.1.0.7")).editMetadata()
                .withDeletionTimestamp("2026-12-03T07:00:00Z").endMetadata().build();
        assertThat(PodSelection.selects(relay, terminating)).as("terminating").isFalse();
        Pod host = new PodBuilder(pod("apps", "mailer", "Running", "10.0.0.8")).editSpec().withHostNetwork(true)
                .endSpec().build();
        assertThat(PodSelection.selects(relay, host)).as("hostNetwork: the node's address").isFalse();
    }

    @Test
    void withoutNamespacesOnlyTheRelaysOwnAndServiceAccountsNarrowIt() {
        MailRelay relay = relay(mailers(null, null));
        assertThat(PodSelection.namespaces(relay)).containsExactly("mail");
        assertThat(PodSelection.selects(relay, pod("mail", "mailer", "Running", "10.1.0.1"))).isTrue();
        assertThat(PodSelection.selects(relay, pod("apps", "mailer", "Running", "10.1.0.2"))).isFalse();

        MailRelay bySender = relay(mailers(null, List.of("sender")));
        MailRelay byOther = relay(mailers(null, List.of("batch")));
        assertThat(PodSelection.selects(bySender, pod("mail", "mailer", "Running", "10.1.0.1"))).isTrue();
        assertThat(PodSelection.selects(byOther, pod("mail", "mailer", "Running", "10.1.0.1"))).isFalse();
    }

    @Test
    void everyAddressOfEverySelectedPodBothFamiliesSorted() {
        MailRelay relay = relay(mailers(List.of("apps"), null));
        Pod dual = new PodBuilder(pod("apps", "mailer", "Running", "10.1.0.9")).editStatus().addNewPodIP()
                .withIp("fd00::9").endPodIP().endStatus().build();
        assertThat(PodSelection.addresses(relay, List.of(dual, pod("apps", "mailer", "Running", "10.1.0.1"),
                pod("apps", "web", "Running", "10.1.0.2")))).containsExactly("10.1.0.1", "10.1.0.9", "fd00::9");
    }

    @Test
    void labelSelectorSemanticsOfKubernetes() {
        Map<String, String> labels = Map.of("role", "mailer", "tier", "back");
        assertThat(LabelSelectors.matches(new LabelSelectorBuilder().build(), labels)).isTrue();
        assertThat(LabelSelectors.matches(new LabelSelectorBuilder().addToMatchLabels("role", "mailer").build(), labels)).isTrue();
        assertThat(LabelSelectors.matches(new LabelSelectorBuilder().addToMatchLabels("role", "web").build(), labels)).isFalse();
        assertThat(LabelSelectors.matches(expression("tier", "In", "back", "front"), labels)).isTrue();
        assertThat(LabelSelectors.matches(expression("tier", "In", "front"), labels)).isFalse();
        assertThat(LabelSelectors.matches(expression("tier", "NotIn", "front"), labels)).isTrue();
        assertThat(LabelSelectors.matches(expression("zone", "NotIn", "a"), labels)).as("absent label").isTrue();
        assertThat(LabelSelectors.matches(expression("tier", "NotIn", "back"), labels)).isFalse();
        assertThat(LabelSelectors.matches(expression("role", "Exists"), labels)).isTrue();
        assertThat(LabelSelectors.matches(expression("zone", "Exists"), labels)).isFalse();
        assertThat(LabelSelectors.matches(expression("zone", "DoesNotExist"), labels)).isTrue();
        assertThat(LabelSelectors.matches(expression("role", "DoesNotExist"), labels)).isFalse();
        assertThat(LabelSelectors.matches(expression("role", "Gt", "1"), labels)).as("unknown operator").isFalse();
        assertThat(LabelSelectors.selectsEverything(new LabelSelectorBuilder().build())).isTrue();
        assertThat(LabelSelectors.selectsEverything(expression("role", "Exists"))).isFalse();
    }

    private static io.fabric8.kubernetes.api.model.LabelSelector expression(String key, String operator, String... values) {
        return new LabelSelectorBuilder().addNewMatchExpression().withKey(key).withOperator(operator)
                .withValues(values.length == 0 ? null : List.of(values)).endMatchExpression().build();
    }
}
