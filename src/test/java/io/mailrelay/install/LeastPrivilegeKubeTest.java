package io.mailrelay.install;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.Persistence;
import io.mailrelay.operator.MailRelayReconciler;
import io.mailrelay.operator.OperatorSettings;
import io.mailrelay.operator.queue.RelayQueueReader;
import io.mailrelay.operator.naming.RelayLabels;
import io.mailrelay.api.Conditions;
import io.mailrelay.operator.status.RelayEvents;
import io.mailrelay.testing.CapturedLog;
import io.mailrelay.testing.RealKubeApiServer;

/**
 * Least privilege, proven: every verb on every resource the chart grants the operator (its ClusterRole and its
 * leader-election Role, the same rules as deploy/) is taken away in turn, and the operator path that needs it
 * then fails with the API server's 403. One API server, with OpenShift's OwnerReferencesPermissionEnforcement
 * admission plugin on (so {@code blockOwnerDeletion} needs {@code update} on {@code mailrelays/finalizers});
 * between runs only the Role's rules change.
 * <p>
 * Granularity: one verb of one resource at a time, the unit RBAC itself authorizes. What each removal exercises
 * (the {@link Exercise}s below), all with the operator's real code under the ServiceAccount's identity:
 * <ul>
 * <li>{@code list}/{@code watch} of the primary and of every informer's kind: a JOSDK operator starting with the
 *     reconciler's event sources (it refuses to start when an informer cannot list or watch);</li>
 * <li>{@code create}/{@code patch} of each owned kind, {@code get} of Secrets, status {@code patch},
 *     {@code mailrelays/finalizers} {@code update}, Event {@code create}: a new MailRelay reconciled by a running
 *     in-process operator (its server-side apply creates and patches; Secrets, which no informer caches, it reads);</li>
 * <li>{@code get} of the cached kinds: an object that is not the relay's already holds a dependent's name (the
 *     informers cache only ours), which the ownership check reads before it refuses to take it over;</li>
 * <li>{@code delete}: the paths that remove a dependent (scale below two replicas: the PodDisruptionBudget; a
 *     spool switch either way: the Deployment or the StatefulSet; the v0.1 ServiceAccount);</li>
 * <li>Event {@code list}: a Pending spool claim, explained from its events; Pod {@code list}: the queue reader;</li>
 * <li>Leases: a JOSDK operator electing itself leader and renewing. Fabric8's elector gets, creates and patches
 *     the Lease; {@code update} it never sends, but JOSDK checks for it (with get and create) before it elects,
 *     and refuses to start without it.</li>
 * </ul>
 * A removal passes when the exercise, which succeeds with every rule, then shows a 403 for exactly that verb and
 * resource (or JOSDK's refusal to elect): in the status, in an exception JOSDK reports or logs, or in the warning
 * of a best-effort call (Events, the queue reader).
 */
@Tag("kube")
class LeastPrivilegeKubeTest {

    @RegisterExtension
    static final RealKubeApiServer api = new RealKubeApiServer(
            List.of("--enable-admission-plugins=OwnerReferencesPermissionEnforcement"));

    static final String NAMESPACE = "mailrelay-system";
    static final String RELEASE = "lp";
    static final String SERVICE_ACCOUNT_NAME = RELEASE + "-mailrelay-operator";
    static final String USER = "system:serviceaccount:" + NAMESPACE + ":" + SERVICE_ACCOUNT_NAME;
    static final List<String> GROUPS = List.of("system:serviceaccounts", "system:serviceaccounts:" + NAMESPACE,
            "system:authenticated");
    static final Duration RUN_TIMEOUT = Duration.ofSeconds(90);

    static ClusterRole clusterRole;
    static Role leaderElectionRole;
    static KubernetesClient asOperator;
    static final AtomicInteger runs = new AtomicInteger();
    static final ReportedFailures reported = new ReportedFailures();
    static Operator running;
    static RelayQueueReader queues;
    static Grant revoked;

    /** One verb on one resource (a subresource as {@code mailrelays/status}), as RBAC authorizes it. */
    record Grant(String apiGroup, String resource, String verb, boolean leaderElection) {
        String key() {
            return verb + " " + resource + (apiGroup.isEmpty() ? "" : "." + apiGroup);
        }

        /**
         * How the refusal is worded: RBAC's 403 (a refused watch: a 403 on the watch's websocket), the admission
         * plugin's for finalizers, or JOSDK's leader-election start-up check, which asks RBAC for the Lease verbs
         * it needs (get, create, update) before electing.
         */
        boolean refusedIn(String text) {
            if (resource.endsWith("/finalizers")) {
                return text.contains("cannot set blockOwnerDeletion");
            }
            if (verb.equals("watch") && text.contains("Received 403 on websocket")) {
                return text.contains("/" + resource + "?") && text.contains("watch=true");
            }
            if (leaderElection && text.contains("No permission to lease resource")) {
                return text.contains("missing required verbs: [" + verb + "]");
            }
            return text.contains("cannot " + verb + " resource \"" + resource + "\" in API group \"" + apiGroup + "\"");
        }
    }

    /** Something the operator does: {@link #prepare} with every rule, then {@link #run} with or without one. */
    interface Exercise {
        default void prepare(String namespace) {
        }

        /** The 403s seen (empty: it worked). */
        List<String> run(String namespace);
    }

    @BeforeAll
    static void chartRbacInstalled() {
        KubernetesClient admin = api.client();
        namespace(NAMESPACE);
        api.installCrds();
        String rendered = Helm.template(RELEASE, NAMESPACE, "-s", "templates/serviceaccount.yaml",
                "-s", "templates/clusterrole.yaml", "-s", "templates/clusterrolebinding.yaml",
                "-s", "templates/leader-election-rbac.yaml");
        List<HasMetadata> objects = Manifests.load(admin, rendered);
        objects.forEach(object -> admin.resource(object).serverSideApply());
        clusterRole = Manifests.only(objects, ClusterRole.class);
        leaderElectionRole = Manifests.only(objects, Role.class);
        asOperator = new KubernetesClientBuilder().withConfig(new ConfigBuilder(admin.getConfiguration())
                .withImpersonateUsername(USER).withImpersonateGroups(GROUPS.toArray(String[]::new)).build()).build();
    }

    @AfterAll
    static void stop() {
        if (running != null) {
            running.stop();
        }
        if (queues != null) {
            queues.close();
        }
        if (asOperator != null) {
            asOperator.close();
        }
    }

    @Test
    void chartAndDeployGrantTheSameRules() {
        KubernetesClient client = api.client();
        assertThat(clusterRole.getRules()).isNotEmpty().isEqualTo(
                Manifests.only(Manifests.load(client, InstallManifestsKubeTest.DEPLOY.resolve("rbac.yaml")), ClusterRole.class)
                        .getRules());
        assertThat(leaderElectionRole.getRules()).isNotEmpty().isEqualTo(
                Manifests.only(Manifests.load(client, InstallManifestsKubeTest.DEPLOY.resolve("20-operator.yaml")), Role.class)
                        .getRules());
    }

    @Test
    void everyGrantedVerbIsNeeded() {
        List<Grant> grants = Stream.concat(grants(clusterRole.getRules(), false),
                grants(leaderElectionRole.getRules(), true)).toList();
        Map<String, Exercise> exercises = exercises();
        assertThat(grants.stream().map(Grant::key).filter(key -> !exercises.containsKey(key)).toList())
                .as("granted, but no exercise shows why: add one, or drop the grant").isEmpty();
        assertThat(exercises.keySet().stream().filter(key -> grants.stream().noneMatch(g -> g.key().equals(key))).toList())
                .as("exercises of verbs that are not granted (stale)").isEmpty();

        // the operator starts with every informer only while nothing else runs, then one operator stays up
        List<Grant> startFirst = grants.stream().filter(g -> exercises.get(g.key()) == START).toList();
        List<Grant> rest = grants.stream().filter(g -> exercises.get(g.key()) != START).toList();
        Map<String, String> refusals = new LinkedHashMap<>();
        List<String> unneeded = new ArrayList<>();
        baseline(START);
        for (Grant grant : startFirst) {
            prove(grant, START, refusals, unneeded);
        }
        startRunningOperator();
        rest.stream().map(g -> exercises.get(g.key())).distinct().forEach(LeastPrivilegeKubeTest::baseline);
        for (Grant grant : rest) {
            prove(grant, exercises.get(grant.key()), refusals, unneeded);
        }

        System.out.printf("least privilege: %d grants, %d refused when removed, %d not needed%n", grants.size(),
                refusals.size(), unneeded.size());
        refusals.forEach((grant, refusal) -> System.out.printf("  without %-45s %s%n", grant, refusal));
        assertThat(unneeded).as("grants whose removal broke nothing").isEmpty();
        assertThat(refusals).hasSize(grants.size());
    }

    /** With every rule the exercise works: a failure without one rule is that rule's doing. */
    private static void baseline(Exercise exercise) {
        grantAll();
        String namespace = nextNamespace();
        exercise.prepare(namespace);
        assertThat(exercise.run(namespace)).as("with every rule granted").isEmpty();
    }

    private static void prove(Grant grant, Exercise exercise, Map<String, String> refusals, List<String> unneeded) {
        grantAll();
        String namespace = nextNamespace();
        exercise.prepare(namespace);
        revoke(grant);
        List<String> refused = exercise.run(namespace);
        Optional<String> match = refused.stream().filter(grant::refusedIn).findFirst();
        if (match.isPresent()) {
            refusals.put(grant.key(), firstLine(match.get()));
        } else {
            unneeded.add(grant.key() + (refused.isEmpty() ? "" : " (other refusals: " + refused + ")"));
        }
    }

    // ---- the exercises ----

    /** A JOSDK operator with the reconciler's event sources starts (informers list and watch). */
    static final Exercise START = namespace -> {
        List<String> stopped = new CopyOnWriteArrayList<>();
        Operator operator = new Operator(o -> testOperator(o)
                .withInformerStoppedHandler((informer, e) -> stopped.add(chain(e)))
                .withCacheSyncTimeout(Duration.ofSeconds(60)));
        // with the relayFor pod informer, as the packaged operator runs
        operator.register(new MailRelayReconciler(settings(), null, null, null,
                new io.mailrelay.operator.identity.WorkloadClientsPusher(Duration.ofSeconds(1), false)));
        try {
            operator.start();
            return stopped.stream().filter(LeastPrivilegeKubeTest::refusal).toList();
        } catch (RuntimeException e) {
            List<String> refused = new ArrayList<>(stopped);
            refused.add(chain(e));
            return refused.stream().filter(LeastPrivilegeKubeTest::refusal).toList();
        } finally {
            operator.stop();
        }
    };

    /**
     * The operator's own client, not closed on stop; an informer that stops (a watch refused) is reported by the
     * exercise, instead of JOSDK's default of exiting the JVM.
     */
    static io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider testOperator(
            io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider overrider) {
        return overrider.withKubernetesClient(asOperator).withCloseClientOnStop(false)
                .withInformerStoppedHandler((informer, e) -> reported.add("informer stopped: " + chain(e)));
    }

    static Map<String, Exercise> exercises() {
        Map<String, Exercise> exercises = new LinkedHashMap<>();
        for (String kind : List.of("mailrelays.mailrelay.io", "configmaps", "secrets", "serviceaccounts", "services",
                "networkpolicies.networking.k8s.io", "poddisruptionbudgets.policy", "deployments.apps",
                "statefulsets.apps", "persistentvolumeclaims")) {
            exercises.put("list " + kind, START);
            exercises.put("watch " + kind, START);
        }
        Exercise statefulRelay = newRelay(false);
        for (String kind : List.of("configmaps", "secrets", "serviceaccounts", "services",
                "networkpolicies.networking.k8s.io", "poddisruptionbudgets.policy", "statefulsets.apps")) {
            for (String verb : List.of("create", "patch")) {
                exercises.put(verb + " " + kind, statefulRelay);
            }
        }
        exercises.put("get secrets", statefulRelay); // Secrets are not cached: the admin and peer Secrets are read
        Exercise emptyDirRelay = newRelay(true);
        for (String verb : List.of("create", "patch")) {
            exercises.put(verb + " deployments.apps", emptyDirRelay);
        }
        // the cached kinds are read only when an object not ours (not in the cache) holds a dependent's name
        exercises.put("get configmaps", foreignObject(false, ns -> new ConfigMapBuilder().withNewMetadata()
                .withName("relay-config").withNamespace(ns).endMetadata().build()));
        exercises.put("get services", foreignObject(false, ns -> new ServiceBuilder().withNewMetadata()
                .withName("relay").withNamespace(ns).endMetadata().withNewSpec().addNewPort().withPort(25).endPort()
                .endSpec().build()));
        exercises.put("get networkpolicies.networking.k8s.io", foreignObject(false, ns -> new NetworkPolicyBuilder()
                .withNewMetadata().withName("relay").withNamespace(ns).endMetadata().withNewSpec()
                .withNewPodSelector().endPodSelector().endSpec().build()));
        exercises.put("get serviceaccounts", foreignObject(false, ns -> new ServiceAccountBuilder().withNewMetadata()
                .withName("relay-relay").withNamespace(ns).endMetadata().build()));
        exercises.put("get poddisruptionbudgets.policy", foreignObject(false, ns -> new PodDisruptionBudgetBuilder()
                .withNewMetadata().withName("relay").withNamespace(ns).endMetadata().withNewSpec()
                .withMinAvailable(new IntOrString(1)).withNewSelector().addToMatchLabels(FOREIGN).endSelector()
                .endSpec().build()));
        // someone else's workloads, with another selector: the dry run fails on the immutable field
        exercises.put("get statefulsets.apps", foreignObject(false, ns -> new StatefulSetBuilder().withNewMetadata()
                .withName("relay").withNamespace(ns).endMetadata().withNewSpec().withServiceName("relay")
                .withNewSelector().addToMatchLabels(FOREIGN).endSelector().withTemplate(foreignPods()).endSpec()
                .build()));
        exercises.put("get deployments.apps", foreignObject(true, ns -> new DeploymentBuilder().withNewMetadata()
                .withName("relay").withNamespace(ns).endMetadata().withNewSpec()
                .withNewSelector().addToMatchLabels(FOREIGN).endSelector().withTemplate(foreignPods()).endSpec()
                .build()));
        exercises.put("patch mailrelays.mailrelay.io", statefulRelay); // JOSDK adds its finalizer first
        exercises.put("delete secrets", DESELECT_CREDENTIALS);
        exercises.put("patch mailrelays/status.mailrelay.io", statefulRelay);
        exercises.put("update mailrelays/finalizers.mailrelay.io", statefulRelay);
        exercises.put("create events", statefulRelay);
        exercises.put("delete poddisruptionbudgets.policy", SCALE_BELOW_TWO);
        exercises.put("delete deployments.apps", switchSpool(true));
        exercises.put("delete statefulsets.apps", switchSpool(false));
        exercises.put("delete serviceaccounts", LEGACY_SERVICE_ACCOUNT);
        exercises.put("list events", PENDING_CLAIM);
        exercises.put("list pods", QUEUE_READ);
        exercises.put("watch pods", START);
        exercises.put("list nodes", CLUSTER_NETWORKS);
        exercises.put("list servicecidrs.networking.k8s.io", CLUSTER_NETWORKS);
        for (String verb : List.of("get", "create", "update", "patch")) {
            exercises.put(verb + " leases.coordination.k8s.io", LEADER_ELECTION);
        }
        return exercises;
    }

    /** A new MailRelay (two replicas: with a PodDisruptionBudget) is applied, its status written, an event recorded. */
    static Exercise newRelay(boolean emptyDir) {
        return namespace -> {
            MailRelay relay = relay(namespace, 2, emptyDir);
            try (Refusals refusals = new Refusals(namespace)) {
                api.client().resource(relay).create();
                return refusals.await(() -> applied(namespace) && event(namespace, "Created"));
            }
        };
    }

    static final Map<String, String> FOREIGN = Map.of("app", "someone-else");

    static PodTemplateSpec foreignPods() {
        return new PodTemplateSpecBuilder().withNewMetadata().withLabels(FOREIGN).endMetadata().withNewSpec()
                .addNewContainer().withName("app").withImage("registry.example/app:1").endContainer().endSpec().build();
    }

    /**
     * An object of that kind that is not the relay's already holds a dependent's name: the informers do not cache
     * it, so the operator reads it (get) and refuses to take it over (OwnershipConflict), changing nothing.
     */
    static Exercise foreignObject(boolean emptyDir, java.util.function.Function<String, HasMetadata> foreign) {
        return new Exercise() {
            @Override
            public void prepare(String namespace) {
                api.client().resource(foreign.apply(namespace)).create();
            }

            @Override
            public List<String> run(String namespace) {
                try (Refusals refusals = new Refusals(namespace)) {
                    api.client().resource(relay(namespace, 2, emptyDir)).create();
                    return refusals.await(() -> appliedReason(namespace).equals("OwnershipConflict"));
                }
            }
        };
    }

    static final Exercise SCALE_BELOW_TWO = new Exercise() {
        @Override
        public void prepare(String namespace) {
            api.client().resource(relay(namespace, 2, false)).create();
            awaitPrepared(() -> applied(namespace) && pdbExists(namespace));
        }

        @Override
        public List<String> run(String namespace) {
            try (Refusals refusals = new Refusals(namespace)) {
                editSpec(namespace, spec -> spec.replicas = 1);
                return refusals.await(() -> applied(namespace) && !pdbExists(namespace));
            }
        }
    };

    /** relayFor.credentials removed: the credential Secret the operator made (here in the relay's namespace) goes. */
    static final Exercise DESELECT_CREDENTIALS = new Exercise() {
        @Override
        public void prepare(String namespace) {
            MailRelay relay = relay(namespace, 1, false);
            relay.getSpec().relayFor = new io.mailrelay.api.RelayFor();
            relay.getSpec().relayFor.podSelector = new io.fabric8.kubernetes.api.model.LabelSelectorBuilder()
                    .addToMatchLabels("role", "mailer").build();
            relay.getSpec().relayFor.credentials = new io.mailrelay.api.RelayForCredentials();
            relay.getSpec().relayFor.credentials.senderDomains = List.of("shop.example");
            api.client().resource(relay).create();
            awaitPrepared(() -> applied(namespace) && credentialSecret(namespace));
        }

        @Override
        public List<String> run(String namespace) {
            try (Refusals refusals = new Refusals(namespace)) {
                editSpec(namespace, spec -> spec.relayFor = null);
                return refusals.await(() -> applied(namespace) && !credentialSecret(namespace));
            }
        }

        private boolean credentialSecret(String namespace) {
            return api.client().secrets().inNamespace(namespace).withName("relay-smtp").get() != null;
        }
    };

    /** From a Deployment to a StatefulSet (deletes the Deployment) or back, with no pods in the way. */
    static Exercise switchSpool(boolean fromEmptyDir) {
        return new Exercise() {
            @Override
            public void prepare(String namespace) {
                api.client().resource(relay(namespace, 0, fromEmptyDir)).create();
                awaitPrepared(() -> applied(namespace) && workloadExists(namespace, fromEmptyDir));
            }

            @Override
            public List<String> run(String namespace) {
                try (Refusals refusals = new Refusals(namespace)) {
                    editSpec(namespace, spec -> spec.persistence = persistence(!fromEmptyDir));
                    return refusals.await(() -> applied(namespace) && !workloadExists(namespace, fromEmptyDir)
                            && workloadExists(namespace, !fromEmptyDir));
                }
            }
        };
    }

    /** On a relay applied with every rule (one replica, spool claims), something happens that the operator handles. */
    interface OnAppliedRelay extends Exercise {
        @Override
        default void prepare(String namespace) {
            api.client().resource(relay(namespace, 1, false)).create();
            awaitPrepared(() -> applied(namespace));
        }

        @Override
        default List<String> run(String namespace) {
            MailRelay relay = api.client().resources(MailRelay.class).inNamespace(namespace).withName("relay").get();
            try (Refusals refusals = new Refusals(namespace)) {
                return refusals.await(happen(namespace, relay));
            }
        }

        /** Makes it happen; returns whether the operator has handled it. */
        BooleanSupplier happen(String namespace, MailRelay relay);
    }

    /** The v0.1 ServiceAccount {@code <name>}, owned by the relay, is removed. */
    static final OnAppliedRelay LEGACY_SERVICE_ACCOUNT = (namespace, relay) -> {
        api.client().resource(new ServiceAccountBuilder().withNewMetadata().withName("relay")
                .withNamespace(namespace).withLabels(RelayLabels.all(relay))
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion(relay.getApiVersion())
                        .withKind(relay.getKind()).withName("relay").withUid(relay.getMetadata().getUid())
                        .withController(true).build())
                .endMetadata().build()).create();
        return () -> api.client().serviceAccounts().inNamespace(namespace).withName("relay").get() == null;
    };

    /** A Pending spool claim: Ready says why, from the claim's events. */
    static final OnAppliedRelay PENDING_CLAIM = (namespace, relay) -> {
        api.client().persistentVolumeClaims().inNamespace(namespace).resource(new PersistentVolumeClaimBuilder()
                .withNewMetadata().withName("spool-relay-0").withLabels(RelayLabels.all(relay)).endMetadata()
                .withNewSpec().withAccessModes("ReadWriteOnce").withNewResources()
                .addToRequests("storage", new Quantity("1Gi")).endResources().endSpec().build()).create();
        return () -> readyReason(namespace).equals("SpoolVolumePending");
    };

    /** The queue reader lists the relay's pods (none run here) and reads them. */
    static final OnAppliedRelay QUEUE_READ = (namespace, relay) -> {
        Instant from = Instant.now().minusSeconds(1);
        return () -> queues.latest(relay).map(q -> q.readAt != null && !Instant.parse(q.readAt).isBefore(from))
                .orElse(false);
    };

    /**
     * The reconciler's and the probe's read of the cluster's networks (nodes, the kubernetes Service, the
     * ServiceCIDRs): what it could not read, it logs.
     */
    static final Exercise CLUSTER_NETWORKS = namespace -> {
        try (CapturedLog log = CapturedLog.of(io.mailrelay.operator.check.ClusterNetworksReader.class)) {
            new io.mailrelay.operator.check.ClusterNetworksReader().read(asOperator);
            return log.lines().stream().filter(LeastPrivilegeKubeTest::refusal).toList();
        }
    };

    /** A JOSDK operator with leader election takes a new Lease and renews it. */
    static final Exercise LEADER_ELECTION = namespace -> {
        String lease = namespace + "-lease";
        Operator operator = new Operator(o -> testOperator(o)
                .withLeaderElectionConfiguration(new LeaderElectionConfiguration(lease, NAMESPACE,
                        Duration.ofSeconds(6), Duration.ofSeconds(4), Duration.ofSeconds(1), namespace, null, false)));
        // a leader of an empty namespace: the operator that runs the other exercises keeps every relay
        operator.register(new MailRelayReconciler(settings()), config -> config.settingNamespaces(Set.of(namespace)));
        try (Refusals refusals = new Refusals(null)) {
            try {
                operator.start();
            } catch (RuntimeException e) {
                return List.of(chain(e));
            }
            return refusals.await(() -> {
                var held = api.client().leases().inNamespace(NAMESPACE).withName(lease).get();
                return held != null && namespace.equals(held.getSpec().getHolderIdentity())
                        && held.getSpec().getRenewTime() != null && held.getSpec().getAcquireTime() != null
                        && held.getSpec().getRenewTime().isAfter(held.getSpec().getAcquireTime());
            });
        } finally {
            operator.stop();
        }
    };

    // ---- what a run observed ----

    /**
     * The 403s of one run: in JOSDK's failed reconciliations and in the warnings of best-effort calls (Events, the
     * queue reader, the leader elector), those naming the run's namespace (all of them when it is null).
     */
    static final class Refusals implements AutoCloseable {
        private final String namespace;
        private final int reportedBefore = reported.size();
        private final List<CapturedLog> logs = List.of(CapturedLog.of(RelayEvents.class),
                CapturedLog.of(RelayQueueReader.class), CapturedLog.of("io.fabric8.kubernetes.client.extended.leaderelection"),
                CapturedLog.of("io.javaoperatorsdk.operator.LeaderElectionManager"));

        Refusals(String namespace) {
            this.namespace = namespace;
        }

        List<String> seen() {
            List<String> texts = new ArrayList<>(reported.since(reportedBefore));
            logs.forEach(log -> texts.addAll(log.lines()));
            List<String> refused = new ArrayList<>(texts.stream().filter(LeastPrivilegeKubeTest::refusal)
                    .filter(text -> namespace == null || text.contains("\"" + namespace + "\"")
                            || text.contains("/" + namespace + "/") || text.contains("namespace='" + namespace + "'"))
                    .toList());
            if (namespace != null) { // the relay's own status needs no filter
                MailRelay relay = api.client().resources(MailRelay.class).inNamespace(namespace).withName("relay").get();
                if (relay != null && relay.getStatus() != null) {
                    Conditions.find(relay.getStatus().conditions, Conditions.APPLIED)
                            .filter(c -> "False".equals(c.getStatus()) && refusal(c.getMessage()))
                            .ifPresent(c -> refused.add(c.getMessage()));
                }
            }
            return refused.stream().distinct().toList();
        }

        /** Waits until the run worked or was refused. */
        List<String> await(BooleanSupplier worked) {
            Awaitility.await().atMost(RUN_TIMEOUT).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .until(() -> !seen().isEmpty() || worked.getAsBoolean());
            return seen();
        }

        @Override
        public void close() {
            logs.forEach(CapturedLog::close);
        }
    }

    /** JOSDK's report of every reconciliation that threw. */
    static final class ReportedFailures implements Metrics {
        private final List<String> failures = new CopyOnWriteArrayList<>();

        @Override
        public void reconciliationFailed(HasMetadata resource, RetryInfo retry, Exception exception,
                Map<String, Object> metadata) {
            failures.add(resource.getMetadata().getNamespace() + "/" + resource.getMetadata().getName() + ": "
                    + chain(exception));
        }

        int size() {
            return failures.size();
        }

        void add(String failure) {
            failures.add(failure);
        }

        List<String> since(int index) {
            return List.copyOf(failures.subList(index, failures.size()));
        }
    }

    // ---- RBAC ----

    static Stream<Grant> grants(List<PolicyRule> rules, boolean leaderElection) {
        return rules.stream().flatMap(rule -> rule.getApiGroups().stream().flatMap(group -> rule.getResources().stream()
                .flatMap(resource -> rule.getVerbs().stream().map(verb -> new Grant(group, resource, verb, leaderElection)))))
                .distinct();
    }

    static void grantAll() {
        applyRules(clusterRole.getRules(), leaderElectionRole.getRules());
        if (revoked != null) {
            awaitAllowed(revoked, true);
            revoked = null;
        }
    }

    static void revoke(Grant grant) {
        revoked = grant;
        List<PolicyRule> cluster = without(clusterRole.getRules(), grant.leaderElection() ? null : grant);
        List<PolicyRule> leader = without(leaderElectionRole.getRules(), grant.leaderElection() ? grant : null);
        applyRules(cluster, leader);
        awaitAllowed(grant, false);
    }

    /** One rule per remaining verb and resource. */
    static List<PolicyRule> without(List<PolicyRule> rules, Grant removed) {
        return grants(rules, removed != null && removed.leaderElection()).filter(g -> removed == null
                || !(g.apiGroup().equals(removed.apiGroup()) && g.resource().equals(removed.resource())
                        && g.verb().equals(removed.verb())))
                .map(g -> new PolicyRuleBuilder().withApiGroups(g.apiGroup()).withResources(g.resource())
                        .withVerbs(g.verb()).build())
                .toList();
    }

    static void applyRules(List<PolicyRule> cluster, List<PolicyRule> leader) {
        ClusterRole role = new io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder().withNewMetadata()
                .withName(clusterRole.getMetadata().getName()).endMetadata().withRules(cluster).build();
        api.client().resource(role).forceConflicts().serverSideApply();
        Role lease = new io.fabric8.kubernetes.api.model.rbac.RoleBuilder().withNewMetadata()
                .withName(leaderElectionRole.getMetadata().getName()).withNamespace(NAMESPACE).endMetadata()
                .withRules(leader).build();
        api.client().resource(lease).forceConflicts().serverSideApply();
    }

    /** RBAC is evaluated from the API server's informer cache: wait until it sees the new rules. */
    static void awaitAllowed(Grant grant, boolean allowed) {
        String[] resource = grant.resource().split("/", 2);
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> api.client()
                .authorization().v1().subjectAccessReview().create(new SubjectAccessReviewBuilder().withNewSpec()
                        .withUser(USER).withGroups(GROUPS)
                        .withNewResourceAttributes().withGroup(grant.apiGroup()).withResource(resource[0])
                            .withSubresource(resource.length > 1 ? resource[1] : null).withVerb(grant.verb())
                            .withNamespace(grant.leaderElection() ? NAMESPACE : "lp-any").endResourceAttributes()
                        .endSpec().build())
                .getStatus().getAllowed() == allowed);
    }

    // ---- helpers ----

    static void startRunningOperator() {
        grantAll();
        queues = new RelayQueueReader(Duration.ofSeconds(1), Duration.ofSeconds(1), false);
        running = new Operator(o -> testOperator(o).withMetrics(reported));
        running.register(new MailRelayReconciler(settings(), null, queues, null, null)); // no scale-down hand-off here
        running.start();
    }

    static OperatorSettings settings() {
        return new OperatorSettings("registry.example/mailrelay:test", NAMESPACE);
    }

    static String nextNamespace() {
        String name = String.format("lp-%03d", runs.incrementAndGet());
        namespace(name);
        return name;
    }

    static MailRelay relay(String namespace, int replicas, boolean emptyDir) {
        MailRelay relay = api.client().resources(MailRelay.class)
                .load(InstallManifestsKubeTest.DEPLOY.resolve("examples/minimal.yaml").toFile()).item();
        relay.getMetadata().setName("relay");
        relay.getMetadata().setNamespace(namespace);
        relay.getSpec().replicas = replicas;
        relay.getSpec().persistence = persistence(emptyDir);
        return relay;
    }

    static Persistence persistence(boolean emptyDir) {
        if (!emptyDir) {
            return null;
        }
        Persistence persistence = new Persistence();
        persistence.type = Persistence.Type.EmptyDir;
        return persistence;
    }

    static void editSpec(String namespace, java.util.function.Consumer<io.mailrelay.api.MailRelaySpec> change) {
        // unlock(): a spec patch without resourceVersion, so the operator's concurrent status or metadata
        // writes cannot make it fail with 409 Conflict; only the spec fields changed here are sent.
        api.client().resources(MailRelay.class).inNamespace(namespace).withName("relay").unlock().edit(relay -> {
            change.accept(relay.getSpec());
            return relay;
        });
    }

    static boolean applied(String namespace) {
        MailRelay relay = api.client().resources(MailRelay.class).inNamespace(namespace).withName("relay").get();
        return relay != null && relay.getStatus() != null && relay.getStatus().observedGeneration != null
                && relay.getStatus().observedGeneration >= relay.getMetadata().getGeneration()
                && Conditions.find(relay.getStatus().conditions, Conditions.APPLIED)
                        .map(c -> "True".equals(c.getStatus())).orElse(false);
    }

    static String appliedReason(String namespace) {
        MailRelay relay = api.client().resources(MailRelay.class).inNamespace(namespace).withName("relay").get();
        return relay == null || relay.getStatus() == null ? ""
                : Conditions.find(relay.getStatus().conditions, Conditions.APPLIED).filter(c -> "False".equals(c.getStatus()))
                        .map(c -> c.getReason()).orElse("");
    }

    static String readyReason(String namespace) {
        MailRelay relay = api.client().resources(MailRelay.class).inNamespace(namespace).withName("relay").get();
        return relay == null || relay.getStatus() == null ? ""
                : Conditions.find(relay.getStatus().conditions, Conditions.READY).map(c -> c.getReason()).orElse("");
    }

    static boolean event(String namespace, String reason) {
        return api.client().v1().events().inNamespace(namespace).list().getItems().stream()
                .anyMatch(e -> reason.equals(e.getReason()));
    }

    static boolean pdbExists(String namespace) {
        return api.client().policy().v1().podDisruptionBudget().inNamespace(namespace).withName("relay").get() != null;
    }

    static boolean workloadExists(String namespace, boolean deployment) {
        return (deployment ? api.client().apps().deployments().inNamespace(namespace).withName("relay").get()
                : api.client().apps().statefulSets().inNamespace(namespace).withName("relay").get()) != null;
    }

    static void awaitPrepared(BooleanSupplier ready) {
        Awaitility.await().atMost(RUN_TIMEOUT).pollInterval(Duration.ofMillis(250)).until(ready::getAsBoolean);
    }

    static void namespace(String name) {
        api.client().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
                .serverSideApply();
    }

    static boolean refusal(String text) {
        return text != null && (text.toLowerCase(java.util.Locale.ROOT).contains("forbidden")
                || text.contains("blockOwnerDeletion") || text.contains("No permission to lease resource"));
    }

    static String chain(Throwable e) {
        List<String> messages = new ArrayList<>();
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            messages.add(String.valueOf(cause.getMessage()));
            for (Throwable suppressed : cause.getSuppressed()) {
                messages.add(String.valueOf(suppressed.getMessage()));
            }
        }
        return messages.stream().distinct().collect(Collectors.joining(" <- "));
    }

    static String firstLine(String text) {
        int at = text.indexOf("forbidden");
        String from = (at >= 0 ? text.substring(at) : text).replace('\n', ' ');
        return from.length() > 200 ? from.substring(0, 200) + "..." : from;
    }
}
