package io.mailrelay.operator.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Secret;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.MailRelaySpec;
import io.mailrelay.api.RelayFor;
import io.mailrelay.api.RelayForCredentials;
import io.mailrelay.config.SenderLoginMaps;
import io.mailrelay.config.UsersFile;
import io.mailrelay.operator.Specs;
import io.mailrelay.operator.render.SupportFactory;

/** relayFor.credentials: sender domains per namespace, the pre-check, and the relay's two files. */
@Tag("unit")
class NamespaceCredentialsTest {

    private static MailRelay relay(List<String> namespaces, List<String> common,
            Map<String, List<String>> perNamespace) {
        MailRelaySpec spec = Specs.minimal();
        spec.relayFor = new RelayFor();
        spec.relayFor.namespaces = namespaces;
        spec.relayFor.podSelector = new LabelSelector();
        spec.relayFor.credentials = new RelayForCredentials();
        spec.relayFor.credentials.senderDomains = common;
        spec.relayFor.credentials.namespaceSenderDomains = perNamespace.entrySet().stream().map(e -> {
            RelayForCredentials.NamespaceSenderDomains entry = new RelayForCredentials.NamespaceSenderDomains();
            entry.namespace = e.getKey();
            entry.senderDomains = e.getValue();
            return entry;
        }).toList();
        return Specs.relay("office", spec);
    }

    @Test
    void aNamespacesOwnDomainsReplaceTheCommonOnes() {
        MailRelay relay = relay(List.of("shop", "billing"), List.of("shop.example"),
                Map.of("billing", List.of("billing.example", "invoices.example")));
        assertThat(NamespaceCredentials.senderDomains(relay, "shop")).containsExactly("shop.example");
        assertThat(NamespaceCredentials.senderDomains(relay, "billing"))
                .containsExactly("billing.example", "invoices.example");
        assertThat(NamespaceCredentials.problems(relay)).isEmpty();
        assertThat(NamespaceCredentials.secretName(relay)).isEqualTo("office-smtp");
        assertThat(NamespaceCredentials.username("shop")).isEqualTo("mailrelay.shop");
    }

    @Test
    void aNamespaceWithoutDomainsAndAnEntryForAnUnselectedNamespaceAreProblems() {
        Map<String, List<String>> entries = new java.util.LinkedHashMap<>();
        entries.put("shop", List.of("shop.example"));
        entries.put("ops", List.of("ops.example"));
        MailRelay relay = relay(List.of("shop", "billing"), null, entries);
        assertThat(NamespaceCredentials.problems(relay)).containsExactlyInAnyOrder(
                "spec.relayFor.credentials: namespace billing has no sender domains (give senderDomains, or "
                        + "namespaceSenderDomains for it)",
                "spec.relayFor.credentials.namespaceSenderDomains[1].namespace: ops is not one of relayFor's namespaces");
    }

    @Test
    void theRelaysFilesGiveEachCredentialItsOwnDomainsOnly() {
        String shopHash = SupportFactory.bcrypt("shop-pw");
        String billingHash = SupportFactory.bcrypt("billing-pw");
        NamespaceCredentials.Outcome outcome = new NamespaceCredentials.Outcome(List.of(
                new NamespaceCredentials.Issued("shop", "mailrelay.shop", shopHash, List.of("shop.example", "Common.example")),
                new NamespaceCredentials.Issued("billing", "mailrelay.billing", billingHash, List.of("common.example"))),
                Map.of("ops", "namespace ops not found"));
        assertThat(UsersFile.parse(outcome.usersFile())).containsExactly(Map.entry("mailrelay.shop", shopHash),
                Map.entry("mailrelay.billing", billingHash));
        SenderLoginMaps maps = SenderLoginMaps.parse(outcome.loginMaps());
        assertThat(maps.owns("mailrelay.shop", "a@shop.example")).isTrue();
        assertThat(maps.owns("mailrelay.billing", "a@shop.example")).isFalse();
        assertThat(maps.owns("mailrelay.shop", "a@common.example")).isTrue();
        assertThat(maps.owns("mailrelay.billing", "a@common.example")).isTrue();
        NamespaceCredentials.Outcome none = new NamespaceCredentials.Outcome(List.of(), Map.of());
        assertThat(UsersFile.parseAllowingEmpty(none.usersFile())).isEmpty();
        assertThat(SenderLoginMaps.parse(none.loginMaps()).owns("mailrelay.shop", "a@shop.example")).isFalse();
    }

    @Test
    void theNamespaceSecretSaysWhatAnAppNeedsAndNamesItsMailRelay() {
        MailRelay relay = relay(List.of("shop"), List.of("shop.example"), Map.of());
        relay.getMetadata().setNamespace("mail");
        Secret secret = NamespaceCredentials.namespaceSecret(relay, "shop", "mailrelay.shop", "pw",
                List.of("shop.example", "other.example"), "7");
        assertThat(secret.getMetadata().getNamespace()).isEqualTo("shop");
        assertThat(secret.getMetadata().getOwnerReferences()).isEmpty();
        assertThat(secret.getMetadata().getLabels()).containsEntry(NamespaceCredentials.RELAY_NAME_LABEL, "office")
                .containsEntry(NamespaceCredentials.RELAY_NAMESPACE_LABEL, "mail");
        assertThat(secret.getMetadata().getAnnotations()).containsEntry("mailrelay.io/rotated-for", "7");
        assertThat(SupportFactory.decoded(secret, "host")).isEqualTo("office.mail.svc");
        assertThat(SupportFactory.decoded(secret, "port")).isEqualTo("25");
        assertThat(SupportFactory.decoded(secret, "starttls")).isEqualTo("false");
        assertThat(SupportFactory.decoded(secret, "senderDomains")).isEqualTo("shop.example,other.example");
        assertThat(NamespaceCredentials.ours(secret, relay)).isTrue();
        relay.getMetadata().setName("other");
        assertThat(NamespaceCredentials.ours(secret, relay)).isFalse();
    }
}
