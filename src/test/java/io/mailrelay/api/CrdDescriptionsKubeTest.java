package io.mailrelay.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.mailrelay.testing.RealKubeApiServer;

/**
 * The CRD as kubectl shows it, against a real API server: {@code kubectl explain --recursive} lists no field
 * without a description (embedded Kubernetes types included), those descriptions are the API server's own
 * (the checked-in copy CrdPostProcessing reads is current), and {@code status.conditions} is keyed by type.
 */
@Tag("kube")
class CrdDescriptionsKubeTest {

    @RegisterExtension
    static final RealKubeApiServer api = new RealKubeApiServer();
    static final ObjectMapper JSON = new ObjectMapper();
    /** The documents that hold the embedded types: core/v1 (and meta/v1 types it uses), and policy/v1 (Condition). */
    static final List<String> OPENAPI_DOCUMENTS = List.of("/openapi/v3/api/v1", "/openapi/v3/apis/policy/v1");

    @BeforeAll
    static void crdInstalled() {
        api.installCrds();
    }

    @Test
    void checkedInDescriptionsOfEmbeddedTypesAreTheApiServersOwn() throws IOException {
        List<JsonNode> documents = new ArrayList<>();
        for (String path : OPENAPI_DOCUMENTS) {
            documents.add(raw(path));
        }
        String version = raw("/version").path("gitVersion").asText();
        String current = CrdPostProcessing.write(new CrdPostProcessing.Descriptions(
                "kube-apiserver " + version + " " + String.join(", ", OPENAPI_DOCUMENTS), CrdPostProcessing.extract(documents)));
        if (Boolean.getBoolean("mailrelay.update-crds")) {
            Files.createDirectories(CrdPostProcessing.DESCRIPTIONS.getParent());
            Files.writeString(CrdPostProcessing.DESCRIPTIONS, current);
        }
        assertThat(CrdPostProcessing.DESCRIPTIONS).exists();
        assertThat(Files.readString(CrdPostProcessing.DESCRIPTIONS))
                .as("%s differs from the API server's OpenAPI: run this test with -Dmailrelay.update-crds=true, then "
                        + "scripts/update-crds.sh", CrdPostProcessing.DESCRIPTIONS)
                .isEqualTo(current);
    }

    @Test
    void kubectlExplainShowsADescriptionForEveryField() {
        // what kubectl explain renders: the CRD's published OpenAPI v3
        JsonNode mailRelay = Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> raw("/openapi/v3/apis/mailrelay.io/v1alpha1").path("components").path("schemas")
                        .path("io.mailrelay.v1alpha1.MailRelay"), schema -> schema.has("properties"));
        List<String> fields = new ArrayList<>();
        List<String> empty = new ArrayList<>();
        for (String top : List.of("spec", "status")) {
            String explained = api.kubectl("explain", "mailrelay." + top, "--recursive").assertSuccess().stdout();
            for (String path : fieldPaths(explained)) {
                fields.add(top + "." + path);
                JsonNode field = field(mailRelay.path("properties").path(top), path);
                if (field.path("description").asText("").isBlank()) {
                    empty.add(top + "." + path);
                }
            }
            if (mailRelay.path("properties").path(top).path("description").asText("").isBlank()) {
                empty.add(top);
            }
        }
        System.out.printf("kubectl explain --recursive: %d fields, %d without a description%n", fields.size(), empty.size());
        assertThat(fields).as("explain lists the embedded types' fields").contains("spec.tolerations.key",
                "spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution.podAffinityTerm.topologyKey",
                "spec.resources.limits", "spec.imagePullSecrets.name", "spec.allowedPodSelector.matchExpressions.operator",
                "status.conditions.lastTransitionTime");
        assertThat(empty).as("fields without a description").isEmpty();

        String key = CrdPostProcessing.readDescriptions().get(CrdPostProcessing.CORE + "Toleration").properties().get("key")
                .description();
        assertThat(api.kubectl("explain", "mailrelay.spec.tolerations.key").assertSuccess().stdout().replaceAll("\\s+", " "))
                .contains(key.replaceAll("\\s+", " ").substring(0, Math.min(40, key.length())));
    }

    @Test
    void conditionsAreAListKeyedByTypeSoADuplicateTypeIsRefused() {
        String ns = "conditions";
        MailRelay created = createMinimal(ns);

        created.setStatus(new MailRelayStatus());
        created.getStatus().conditions = List.of(condition("Ready", "True"), condition("ConfigValid", "True"));
        MailRelay accepted = api.client().resource(created).updateStatus();
        assertThat(accepted.getStatus().conditions).extracting(Condition::getType).containsExactly("Ready", "ConfigValid");

        accepted.getStatus().conditions = List.of(condition("Ready", "True"), condition("Ready", "False"));
        assertThatThrownBy(() -> api.client().resource(accepted).updateStatus())
                .isInstanceOf(KubernetesClientException.class)
                .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(422))
                .hasMessageContaining("status.conditions[1]").hasMessageContaining("Duplicate value");
        assertThat(api.client().resource(accepted).get().getStatus().conditions).extracting(Condition::getType)
                .containsExactly("Ready", "ConfigValid");
    }

    @Test
    void upstreamsAreAListKeyedByUpstreamAndRouteSoADuplicateIsRefused() {
        String ns = "upstreams";
        MailRelay created = createMinimal(ns);
        created.setStatus(new MailRelayStatus());
        // a sender route to the smarthost's host:port with its own credentials is an upstream of its own
        UpstreamStatus senderRoute = upstream("smtp.example.net:587");
        senderRoute.route = "sender route shop.example -> smtp.example.net:587";
        created.getStatus().upstreams = List.of(upstream("smtp.example.net:587"), upstream("mail.example.com:25"),
                senderRoute);
        MailRelay accepted = api.client().resource(created).updateStatus();
        assertThat(accepted.getStatus().upstreams).extracting(u -> u.upstream)
                .containsExactly("smtp.example.net:587", "mail.example.com:25", "smtp.example.net:587");

        accepted.getStatus().upstreams = List.of(upstream("smtp.example.net:587"), upstream("smtp.example.net:587"));
        assertThatThrownBy(() -> api.client().resource(accepted).updateStatus())
                .isInstanceOf(KubernetesClientException.class)
                .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(422))
                .hasMessageContaining("status.upstreams[1]").hasMessageContaining("Duplicate value");
    }

    private static UpstreamStatus upstream(String address) {
        UpstreamStatus upstream = new UpstreamStatus();
        upstream.upstream = address;
        upstream.route = "smarthost " + address;
        upstream.state = UpstreamStatus.OK;
        return upstream;
    }

    private static Condition condition(String type, String status) {
        return new ConditionBuilder().withType(type).withStatus(status).withReason("Test").withMessage("test")
                .withLastTransitionTime("2026-01-01T00:00:00Z").build();
    }

    private static JsonNode raw(String path) throws IOException {
        return JSON.readTree(api.kubectl("get", "--raw", path).assertSuccess().stdout());
    }

    /**
     * The dotted paths of the FIELDS section of {@code kubectl explain --recursive}: one field a line, two more
     * spaces of indentation a level down ({@code "  name\t<type>"}), detail lines ({@code "enum: a, b"}) between.
     */
    static List<String> fieldPaths(String explained) {
        List<String> paths = new ArrayList<>();
        Deque<String> parents = new ArrayDeque<>();
        boolean inFields = false;
        for (String line : explained.split("\n")) {
            if (line.startsWith("FIELDS:")) {
                inFields = true;
                continue;
            }
            if (!inFields || line.isBlank()) {
                continue;
            }
            int indent = line.length() - line.stripLeading().length();
            int depth = indent / 2 - 1;
            String name = line.strip().split("\\s+")[0];
            if (name.endsWith(":")) {
                continue; // a field's detail line, e.g. "enum: mx, smarthost"
            }
            while (parents.size() > depth) {
                parents.removeLast();
            }
            parents.addLast(name);
            paths.add(String.join(".", parents));
        }
        return paths;
    }

    /** A field of the published schema by its explain path (arrays are walked through their items). */
    private static JsonNode field(JsonNode parent, String path) {
        JsonNode node = parent;
        for (String step : path.split("\\.")) {
            JsonNode content = node.has("items") ? node.path("items") : node;
            node = content.path("properties").path(step);
        }
        return node;
    }

    /** deploy/examples/minimal.yaml, created in a namespace of its own. */
    private static MailRelay createMinimal(String namespace) {
        api.client().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
                .serverSideApply();
        MailRelay relay = api.client().resources(MailRelay.class).load(java.nio.file.Path.of("deploy", "examples",
                "minimal.yaml").toFile()).item();
        relay.getMetadata().setNamespace(namespace);
        return api.client().resource(relay).create();
    }
}
