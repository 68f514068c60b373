package io.mailrelay.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.javaoperatorsdk.operator.processing.event.source.cache.BoundedItemStore;

/** The Secret informer's store keeps in full only the Secrets a MailRelay references. */
class ReferencedSecretSourcesTest {

    private final Set<String> referenced = new HashSet<>(Set.of("ns/tls"));
    private final List<String> fetched = new ArrayList<>();
    private final ReferencedSecretSources.ReferencedOnly full = new ReferencedSecretSources.ReferencedOnly(
            referenced::contains);
    private final BoundedItemStore<Secret> store = new BoundedItemStore<>(full, Secret.class,
            BoundedItemStore.namespaceKeyFunc(), key -> {
                fetched.add(key);
                return secret(key.substring(key.indexOf('/') + 1), "fetched");
            });

    @Test
    void onlyReferencedSecretsAreKeptInFull() {
        put(secret("tls", "cert"));
        put(secret("helm-release", "a large payload"));

        assertThat(full.get("ns/tls").getData()).containsEntry("value", "cert");
        assertThat(full.get("ns/helm-release")).isNull();
        // of every Secret the store knows name, namespace and version, so deletions are still seen
        assertThat(store.keySet()).containsExactlyInAnyOrder("ns/tls", "ns/helm-release");
        assertThat(store.values()).allSatisfy(minimal -> assertThat(minimal.getData()).isNullOrEmpty());
        assertThat(store.get("ns/tls").getData()).containsEntry("value", "cert");
        assertThat(fetched).isEmpty();
    }

    @Test
    void aSecretReferencedLaterIsReadOnceThenKept() {
        put(secret("users", "before"));
        referenced.add("ns/users");

        assertThat(store.get("ns/users").getData()).containsEntry("value", "fetched");
        assertThat(store.get("ns/users").getData()).containsEntry("value", "fetched");
        assertThat(fetched).containsExactly("ns/users");

        put(secret("users", "changed"));
        assertThat(store.get("ns/users").getData()).containsEntry("value", "changed");
    }

    @Test
    void aSecretNoLongerReferencedLeavesAtItsNextChange() {
        put(secret("tls", "cert"));
        referenced.remove("ns/tls");
        put(secret("tls", "renewed"));

        assertThat(full.get("ns/tls")).isNull();
        assertThat(store.keySet()).containsExactly("ns/tls");
    }

    private void put(Secret secret) {
        store.put(Cache.metaNamespaceKeyFunc(secret), secret);
    }

    private static Secret secret(String name, String value) {
        return new SecretBuilder().withNewMetadata().withName(name).withNamespace("ns").withResourceVersion("1")
                .endMetadata().withData(Map.of("value", value)).build();
    }
}
