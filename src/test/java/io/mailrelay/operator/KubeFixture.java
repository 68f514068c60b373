package io.mailrelay.operator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.awaitility.Awaitility;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.mailrelay.api.CrdsUpToDateTest;
import io.mailrelay.api.MailRelay;
import io.mailrelay.operator.render.PodTemplateFactory;
import io.mailrelay.api.Conditions;

/** The checked-in CRD, a JOSDK operator running the reconciler with the test's client, and small helpers. */
final class KubeFixture {

    static final String OPERATOR_NAMESPACE = "mailrelay-system";
    static final String TEST_IMAGE = "registry.example/mailrelay:test";

    private final Supplier<KubernetesClient> client;
    private Operator operator;

    KubeFixture(KubernetesClient client) {
        this(() -> client);
    }

    /** With the client of an API server that starts later (see {@link OperatorUnderTest}). */
    KubeFixture(Supplier<KubernetesClient> client) {
        this.client = client;
    }

    KubernetesClient client() {
        return client.get();
    }

    void installCrdAndStartOperator() {
        installCrdOnly();
        startOperator(client());
    }

    /** Reconciliations the in-process operator finished, by MailRelay ({@link #reconciliations}). */
    private final Map<String, AtomicInteger> reconciled = new ConcurrentHashMap<>();

    /** How many reconciliations of that MailRelay the in-process operator has finished (status written, if at all). */
    int reconciliations(String namespace, String name) {
        AtomicInteger count = reconciled.get(namespace + "/" + name);
        return count == null ? 0 : count.get();
    }

    /** Runs the reconciler in a plain JOSDK operator that talks to the API server with the given client. */
    void startOperator(KubernetesClient operatorClient) {
        startOperator(operatorClient, Set.of());
    }

    /** As above, watching only the given namespaces (all when empty), as {@code watchNamespaces} does. */
    void startOperator(KubernetesClient operatorClient, Set<String> watchNamespaces) {
        namespace(OPERATOR_NAMESPACE, Map.of());
        operator = new Operator(o -> o.withKubernetesClient(operatorClient).withCloseClientOnStop(false)
                .withMetrics(new Metrics() {
                    @Override
                    public void reconciliationFinished(HasMetadata resource, RetryInfo retry, Map<String, Object> metadata) {
                        reconciled.computeIfAbsent(resource.getMetadata().getNamespace() + "/"
                                + resource.getMetadata().getName(), key -> new AtomicInteger()).incrementAndGet();
                    }
                }));
        MailRelayReconciler reconciler = new MailRelayReconciler(new OperatorSettings(TEST_IMAGE, OPERATOR_NAMESPACE));
        if (watchNamespaces.isEmpty()) {
            operator.register(reconciler);
        } else {
            operator.register(reconciler, config -> config.settingNamespaces(watchNamespaces));
        }
        operator.start();
    }

    /**
     * For a packaged operator process ({@link PackagedOperator}): the CRD, the operator's namespace and the relays'
     * namespace, nothing started.
     */
    static KubeFixture forPackagedOperator(KubernetesClient client, String relayNamespace) {
        KubeFixture kube = new KubeFixture(client);
        kube.installCrdOnly();
        kube.namespace(OPERATOR_NAMESPACE, Map.of());
        kube.namespace(relayNamespace, Map.of());
        return kube;
    }

    void installCrdOnly() {
        try (var in = Files.newInputStream(CrdsUpToDateTest.CHECKED_IN)) {
            CustomResourceDefinition crd = client().apiextensions().v1().customResourceDefinitions().load(in).item();
            client().resource(crd).serverSideApply();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        client().apiextensions().v1().customResourceDefinitions().withName("mailrelays.mailrelay.io")
                .waitUntilCondition(c -> c.getStatus() != null && c.getStatus().getConditions() != null
                        && c.getStatus().getConditions().stream()
                        .anyMatch(cond -> "Established".equals(cond.getType()) && "True".equals(cond.getStatus())),
                        60, TimeUnit.SECONDS);
    }

    void stop() {
        if (operator != null) {
            operator.stop();
        }
    }

    void namespace(String name, Map<String, String> labels) {
        client().resource(new NamespaceBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata().build())
                .serverSideApply();
    }

    MailRelay example(String file, String namespace) {
        try (var in = Files.newInputStream(Path.of("deploy", "examples", file))) {
            MailRelay relay = client().resources(MailRelay.class).load(in).item();
            relay.getMetadata().setNamespace(namespace);
            return relay;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    MailRelay create(MailRelay relay) {
        return client().resource(relay).create();
    }

    /**
     * Replaces the spec whatever the resourceVersion: the operator patches status concurrently (at once,
     * now that it watches Secrets and owned objects), and the test means "this spec now". A conflict means
     * only that the status moved between our read and our write: read again and write the same spec.
     */
    MailRelay update(MailRelay changed) {
        for (int attempt = 1; ; attempt++) {
            MailRelay latest = get(changed.getMetadata().getNamespace(), changed.getMetadata().getName());
            latest.setSpec(changed.getSpec());
            latest.getMetadata().setLabels(changed.getMetadata().getLabels());
            latest.getMetadata().setAnnotations(changed.getMetadata().getAnnotations());
            try {
                return client().resource(latest).update();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 20) {
                    throw e;
                }
            }
        }
    }

    MailRelay get(String namespace, String name) {
        return client().resources(MailRelay.class).inNamespace(namespace).withName(name).get();
    }

    /** Waits until the MailRelay's status satisfies the predicate, and returns it then. */
    MailRelay awaitRelay(String namespace, String name, Predicate<MailRelay> until) {
        return Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .until(() -> get(namespace, name), relay -> relay != null && relay.getStatus() != null
                        && until.test(relay));
    }

    static Predicate<MailRelay> observed(MailRelay relay) {
        return r -> r.getStatus().observedGeneration != null
                && r.getStatus().observedGeneration >= r.getMetadata().getGeneration();
    }

    static Optional<Condition> condition(MailRelay relay, String type) {
        return Conditions.find(relay.getStatus().conditions, type);
    }

    static Predicate<MailRelay> conditionIs(String type, String status) {
        return r -> condition(r, type).map(c -> status.equals(c.getStatus())).orElse(false);
    }

    ConfigMap configMap(String namespace, String name) {
        return client().configMaps().inNamespace(namespace).withName(name).get();
    }

    /** The relay.yaml hash on the pod template of a relay's workload: it changes when the pods roll. */
    String configHash(String namespace, String name) {
        return podTemplate(namespace, name).getMetadata().getAnnotations().get(PodTemplateFactory.CONFIG_HASH_ANNOTATION);
    }

    /** The pod template of a relay's StatefulSet (the default), else of its Deployment (an emptyDir spool). */
    io.fabric8.kubernetes.api.model.PodTemplateSpec podTemplate(String namespace, String name) {
        var statefulSet = client().apps().statefulSets().inNamespace(namespace).withName(name).get();
        if (statefulSet != null) {
            return statefulSet.getSpec().getTemplate();
        }
        return java.util.Objects.requireNonNull(client().apps().deployments().inNamespace(namespace).withName(name).get(),
                "no StatefulSet or Deployment " + namespace + "/" + name).getSpec().getTemplate();
    }

    /** A pod of the relay's StatefulSet as its controller would make it: the template, its claim as the spool. */
    io.fabric8.kubernetes.api.model.Pod relayPod(String namespace, String name) {
        var template = podTemplate(namespace, name);
        return new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withName("relay-pod")
                .withNamespace(namespace).withLabels(template.getMetadata().getLabels()).endMetadata()
                .withSpec(template.getSpec()).editSpec().addNewVolume().withName(PodTemplateFactory.SPOOL_VOLUME)
                    .withNewPersistentVolumeClaim().withClaimName("spool-" + name + "-0").endPersistentVolumeClaim()
                .endVolume().endSpec().build();
    }

    Secret secret(String namespace, String name, String type, Map<String, String> data) {
        var encoded = new java.util.HashMap<String, String>();
        data.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes())));
        return client().resource(new SecretBuilder().withNewMetadata().withName(name).withNamespace(namespace)
                .endMetadata().withType(type).withData(encoded).build()).serverSideApply();
    }
}
