package io.mailrelay.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;

/**
 * What the CRD generator cannot write, added to what it generates from io.mailrelay.api (CrdsUpToDateTest runs
 * both, so crds/ is always the result):
 * <ul>
 * <li>descriptions of the embedded Kubernetes types (affinity, tolerations, resources, label selectors, image
 *     pull secrets, conditions): Fabric8's model classes carry none, so they come from {@link #DESCRIPTIONS}, the
 *     descriptions of those types in the OpenAPI of the Kubernetes release the tests run (checked in; a kube test,
 *     CrdDescriptionsKubeTest, fails when it differs from the API server's and rewrites it with
 *     {@code -Dmailrelay.update-crds=true});</li>
 * <li>the descriptions of {@code spec} and {@code status}: their classes' {@link JsonClassDescription};</li>
 * <li>{@code status.conditions} as a list keyed by {@code type} ({@code x-kubernetes-list-type: map}), as
 *     Kubernetes' own conditions are: the API server refuses two conditions of one type, and server-side apply
 *     merges them by type; {@code status.upstreams} likewise keyed by {@code upstream} (host:port) and {@code route}
 *     (two routes may go to one host:port with other credentials).</li>
 * </ul>
 */
public final class CrdPostProcessing {

    public static final Path DESCRIPTIONS = Path.of("src", "test", "resources", "io", "mailrelay", "api",
            "kubernetes-descriptions.json");

    static final String CORE = "io.k8s.api.core.v1.";
    static final String META = "io.k8s.apimachinery.pkg.apis.meta.v1.";

    /** Where the model embeds a Kubernetes type (a path of property names, "[]" for an array's items) and which. */
    public static final Map<String, String> EMBEDDED = embedded();

    private static Map<String, String> embedded() {
        Map<String, String> embedded = new LinkedHashMap<>();
        embedded.put("spec.affinity", CORE + "Affinity");
        embedded.put("spec.tolerations[]", CORE + "Toleration");
        embedded.put("spec.resources", CORE + "ResourceRequirements");
        embedded.put("spec.imagePullSecrets[]", CORE + "LocalObjectReference");
        embedded.put("spec.allowedNamespaceSelector", META + "LabelSelector");
        embedded.put("spec.allowedPodSelector", META + "LabelSelector");
        embedded.put("spec.relayFor.podSelector", META + "LabelSelector");
        embedded.put("spec.monitoring.namespaceSelector", META + "LabelSelector");
        embedded.put("status.conditions[]", META + "Condition");
        return Map.copyOf(embedded);
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private CrdPostProcessing() {
    }

    /** A property of a Kubernetes type: its description and, for an object, array or map of objects, their type. */
    public record Property(String description, String type) {
    }

    public record Definition(String description, Map<String, Property> properties) {
    }

    public static CustomResourceDefinition process(CustomResourceDefinition crd) {
        Map<String, Definition> definitions = readDescriptions();
        crd.getSpec().getVersions().forEach(version -> {
            JSONSchemaProps root = version.getSchema().getOpenAPIV3Schema();
            EMBEDDED.forEach((path, type) -> describe(at(root, path), type, definitions));
            // the generator reads property descriptions only: spec and status get their class's
            at(root, "spec").setDescription(MailRelaySpec.class.getAnnotation(JsonClassDescription.class).value());
            at(root, "status").setDescription(MailRelayStatus.class.getAnnotation(JsonClassDescription.class).value());
            JSONSchemaProps conditions = at(root, "status.conditions");
            conditions.setXKubernetesListType("map");
            conditions.setXKubernetesListMapKeys(List.of("type"));
            conditions.getItems().getSchema().setRequired(List.of("type")); // a map list's key must be required
            // status.upstreams: one entry per upstream address and route, merged by them like conditions by type
            JSONSchemaProps upstreams = at(root, "status.upstreams");
            upstreams.setXKubernetesListType("map");
            upstreams.setXKubernetesListMapKeys(List.of("upstream", "route"));
            upstreams.getItems().getSchema().setRequired(List.of("upstream", "route"));
        });
        return crd;
    }

    /** Fills the empty descriptions of {@code node} and everything below it from the type's. */
    private static void describe(JSONSchemaProps node, String type, Map<String, Definition> definitions) {
        Definition definition = definitions.get(type);
        if (definition == null) {
            throw new IllegalStateException(type + " is not in " + DESCRIPTIONS + ": run CrdDescriptionsKubeTest with"
                    + " -Dmailrelay.update-crds=true");
        }
        if (blank(node.getDescription())) {
            node.setDescription(definition.description());
        }
        if (node.getProperties() == null) {
            return;
        }
        node.getProperties().forEach((name, property) -> {
            Property described = definition.properties().get(name);
            if (described == null) {
                return; // not in this Kubernetes release's type: CrdDescriptionsKubeTest finds it empty
            }
            if (blank(property.getDescription())) {
                property.setDescription(described.description());
            }
            if (described.type() != null) {
                describe(content(property), described.type(), definitions);
            }
        });
    }

    /** The object schema of a property: itself, its items, or its map values. */
    private static JSONSchemaProps content(JSONSchemaProps property) {
        if (property.getItems() != null && property.getItems().getSchema() != null) {
            return property.getItems().getSchema();
        }
        if (property.getAdditionalProperties() != null && property.getAdditionalProperties().getSchema() != null) {
            return property.getAdditionalProperties().getSchema();
        }
        return property;
    }

    private static JSONSchemaProps at(JSONSchemaProps root, String path) {
        JSONSchemaProps node = root;
        for (String step : path.split("\\.")) {
            boolean items = step.endsWith("[]");
            node = node.getProperties().get(items ? step.substring(0, step.length() - 2) : step);
            if (node == null) {
                throw new IllegalStateException("no " + path + " in the generated schema");
            }
            if (items) {
                node = node.getItems().getSchema();
            }
        }
        return node;
    }

    private static boolean blank(String text) {
        return text == null || text.isBlank();
    }

    public static Map<String, Definition> readDescriptions() {
        try {
            return JSON.readValue(DESCRIPTIONS.toFile(), Descriptions.class).definitions();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + DESCRIPTIONS, e);
        }
    }

    /** The checked-in file: where the descriptions come from, and them. */
    public record Descriptions(String source, Map<String, Definition> definitions) {
    }

    public static String write(Descriptions descriptions) {
        try {
            return JSON.writeValueAsString(descriptions) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The descriptions of the {@link #EMBEDDED} types and every type below them, from OpenAPI v3 documents
     * ({@code components.schemas}) of an API server.
     */
    public static Map<String, Definition> extract(List<JsonNode> openApiDocuments) {
        Map<String, JsonNode> schemas = new LinkedHashMap<>();
        for (JsonNode document : openApiDocuments) {
            document.path("components").path("schemas").fields()
                    .forEachRemaining(entry -> schemas.putIfAbsent(entry.getKey(), entry.getValue()));
        }
        Map<String, Definition> definitions = new TreeMap<>();
        Deque<String> pending = new ArrayDeque<>(new ArrayList<>(EMBEDDED.values()));
        while (!pending.isEmpty()) {
            String type = pending.pop();
            if (definitions.containsKey(type)) {
                continue;
            }
            JsonNode schema = schemas.get(type);
            if (schema == null) {
                throw new IllegalStateException("the API server's OpenAPI has no " + type);
            }
            Map<String, Property> properties = new TreeMap<>();
            schema.path("properties").fields().forEachRemaining(entry -> {
                String nested = objectType(entry.getValue(), schemas);
                if (nested != null) {
                    pending.push(nested);
                }
                properties.put(entry.getKey(), new Property(entry.getValue().path("description").asText(""), nested));
            });
            definitions.put(type, new Definition(schema.path("description").asText(""), properties));
        }
        return definitions;
    }

    /** The object type a property holds (directly, as array items or as map values), or null for scalars. */
    private static String objectType(JsonNode property, Map<String, JsonNode> schemas) {
        for (JsonNode candidate : List.of(property, property.path("items"), property.path("additionalProperties"))) {
            String ref = ref(candidate);
            if (ref != null && schemas.containsKey(ref) && schemas.get(ref).has("properties")) {
                return ref;
            }
        }
        return null;
    }

    private static String ref(JsonNode node) {
        JsonNode ref = node.has("$ref") ? node.get("$ref") : node.path("allOf").path(0).get("$ref");
        return ref == null ? null : ref.asText().substring(ref.asText().lastIndexOf('/') + 1);
    }
}
