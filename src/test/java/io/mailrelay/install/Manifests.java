package io.mailrelay.install;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;

/** Parsing of multi-document manifests (files or helm output) into Fabric8 objects. */
final class Manifests {

    /** Labels that only say Helm installed an object, absent from the plain manifests in deploy/. */
    static final List<String> HELM_LABELS = List.of("app.kubernetes.io/managed-by", "helm.sh/chart",
            "app.kubernetes.io/version");

    private Manifests() {
    }

    static List<HasMetadata> load(KubernetesClient client, String yaml) {
        return load(client, new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)));
    }

    static List<HasMetadata> load(KubernetesClient client, Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return load(client, in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<HasMetadata> load(KubernetesClient client, InputStream in) {
        return client.load(in).items();
    }

    static <T extends HasMetadata> T only(List<HasMetadata> objects, Class<T> kind) {
        List<T> matching = objects.stream().filter(kind::isInstance).map(kind::cast).toList();
        if (matching.size() != 1) {
            throw new AssertionError("expected exactly one " + kind.getSimpleName() + ", found " + matching.size());
        }
        return matching.get(0);
    }

    static List<HasMetadata> withoutHelmLabels(List<HasMetadata> objects) {
        objects.forEach(object -> {
            Map<String, String> labels = object.getMetadata().getLabels();
            if (labels != null) {
                HELM_LABELS.forEach(labels::remove);
            }
        });
        return objects;
    }

    /** A Pod as the Deployment's controller would create it from the pod template. */
    static Pod podOf(Deployment deployment, String namespace) {
        return new PodBuilder()
                .withNewMetadata().withName(deployment.getMetadata().getName() + "-pod").withNamespace(namespace)
                    .withLabels(deployment.getSpec().getTemplate().getMetadata().getLabels()).endMetadata()
                .withSpec(deployment.getSpec().getTemplate().getSpec())
                .build();
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
