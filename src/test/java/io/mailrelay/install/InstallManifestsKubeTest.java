package io.mailrelay.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.xml.parsers.DocumentBuilderFactory;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.mailrelay.api.MailRelay;
import io.mailrelay.operator.MailRelayReconciler;
import io.mailrelay.operator.OperatorSettings;
import io.mailrelay.api.Conditions;
import io.mailrelay.testing.Exec;
import io.mailrelay.testing.RealKubeApiServer;

/**
 * The two ways to install the operator, the Helm chart (helm/mailrelay-operator) and the plain manifests
 * (kubectl apply -f deploy/), against a real API server: they are accepted, the operator pod passes
 * PodSecurity "restricted", the copies they share (CRD, RBAC rules, image version) are in sync, and the
 * chart's ClusterRole and binding let the operator do its work.
 */
@Tag("kube")
class InstallManifestsKubeTest {

    @RegisterExtension
    static final RealKubeApiServer api = new RealKubeApiServer();

    static final Path CRDS = Path.of("crds");
    static final Path DEPLOY = Path.of("deploy");
    static final String DEPLOY_NAMESPACE = "mailrelay-system";

    @Test
    void chartPassesHelmLint() {
        Exec.Result lint = Helm.run("lint", "--strict", Helm.CHART.toString()).assertSuccess();
        assertThat(lint.stdout()).contains("1 chart(s) linted, 0 chart(s) failed");
    }

    @Test
    void chartRunsTwoReplicasWithLeaderElectionADisruptionBudgetAndSpreadByDefault() {
        KubernetesClient client = api.client();
        List<HasMetadata> rendered = Manifests.load(client, Helm.template("mailrelay", "any"));
        Deployment deployment = Manifests.only(rendered, Deployment.class);
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
        assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");
        assertThat(envOf(deployment)).containsEntry("MAILRELAY_LEADER_ELECTION_LEASE_NAME", "mailrelay-mailrelay-operator")
                .containsKey("POD_NAME");
        assertThat(deployment.getSpec().getTemplate().getSpec().getAffinity().getPodAntiAffinity()
                .getPreferredDuringSchedulingIgnoredDuringExecution()).singleElement()
                .satisfies(term -> assertThat(term.getPodAffinityTerm().getTopologyKey()).isEqualTo("kubernetes.io/hostname"));
        assertThat(Manifests.only(rendered, PodDisruptionBudget.class).getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
        assertThat(Manifests.only(rendered, Role.class).getRules()).singleElement()
                .satisfies(rule -> assertThat(rule.getResources()).containsExactly("leases"));

        List<HasMetadata> single = Manifests.load(client, Helm.template("mailrelay", "any", "--set", "replicaCount=1"));
        assertThat(single).noneMatch(PodDisruptionBudget.class::isInstance);
        assertThat(Manifests.only(single, Deployment.class).getSpec().getTemplate().getSpec().getAffinity()).isNull();

        Exec.Result none = Helm.run("template", "mailrelay", Helm.CHART.toString(), "--set", "replicaCount=0");
        assertThat(none.exitCode()).isNotZero();
        assertThat(none.stderr()).contains("at '/replicaCount': minimum: got 0, want 1"); // values.schema.json
    }

    @Test
    void chartWithDefaultValuesIsAcceptedByTheApiServer() throws IOException {
        String namespace = "mailrelay-chart";
        installCrdsFrom(Helm.CHART.resolve("crds"));
        namespace(namespace, Map.of());
        String rendered = Helm.template("mailrelay", namespace);

        Exec.Result dryRun = dryRunApply(rendered);

        assertThat(dryRun.stdout()).contains(
                "serviceaccount/mailrelay-mailrelay-operator created (server dry run)",
                "clusterrole.rbac.authorization.k8s.io/mailrelay-mailrelay-operator created (server dry run)",
                "clusterrolebinding.rbac.authorization.k8s.io/mailrelay-mailrelay-operator created (server dry run)",
                "role.rbac.authorization.k8s.io/mailrelay-mailrelay-operator-leader-election created (server dry run)",
                "rolebinding.rbac.authorization.k8s.io/mailrelay-mailrelay-operator-leader-election created (server dry run)",
                "service/mailrelay-mailrelay-operator-metrics created (server dry run)",
                "deployment.apps/mailrelay-mailrelay-operator created (server dry run)",
                "poddisruptionbudget.policy/mailrelay-mailrelay-operator created (server dry run)");
    }

    @Test
    void chartValuesBecomeTheOperatorsConfigurationAndAreAccepted() throws IOException {
        String namespace = "mailrelay-chart-custom";
        installCrdsFrom(Helm.CHART.resolve("crds"));
        namespace(namespace, Map.of());
        namespace("mail", Map.of()); // the watched namespaces get the RoleBindings
        namespace("team-a", Map.of());
        String rendered = Helm.template("custom", namespace, "--set", "watchNamespaces={mail,team-a}",
                "--set", "probe.maxConcurrent=5", "--set", "probe.sourceAddress=192.0.2.10",
                "--set", "relayImage=registry.example/relay:1", "--set", "image.tag=9.9.9", "--set", "metricsPort=9095");

        assertThat(dryRunApply(rendered).stdout()).contains("deployment.apps/custom-mailrelay-operator created (server dry run)");
        Map<String, String> env = envOf(Manifests.only(Manifests.load(api.client(), rendered), Deployment.class));
        // the env names Quarkus maps to these properties (non-alphanumerics to '_', upper case)
        assertThat(env).containsEntry(envName("quarkus.operator-sdk.controllers." + MailRelayReconciler.NAME + ".namespaces"),
                        "mail,team-a")
                .containsEntry(envName("mailrelay.probe.max-concurrent"), "5")
                .containsEntry(envName("mailrelay.probe.source-address"), "192.0.2.10")
                .containsEntry(envName("mailrelay.relay-image"), "registry.example/relay:1")
                .containsEntry("QUARKUS_HTTP_PORT", "9095") // the port the container listens on is metricsPort
                .containsKey("POD_IP"); // the namespace comes from the ServiceAccount, through the Kubernetes client
        Deployment deployment = Manifests.only(Manifests.load(api.client(), rendered), Deployment.class);
        assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts())
                .singleElement().satisfies(port -> assertThat(port.getContainerPort()).isEqualTo(9095));
    }

    @Test
    void deployDirectoryInstallsEverythingAndTheExamplesAreAcceptedAfterIt() {
        api.kubectl("apply", "-f", DEPLOY.toString()).assertSuccess();

        KubernetesClient client = api.client();
        assertThat(client.apiextensions().v1().customResourceDefinitions().withName("mailrelays.mailrelay.io").get()).isNotNull();
        assertThat(client.namespaces().withName(DEPLOY_NAMESPACE).get().getMetadata().getLabels())
                .containsEntry("pod-security.kubernetes.io/enforce", "restricted");
        assertThat(client.rbac().clusterRoles().withName("mailrelay-operator").get()).isNotNull();
        assertThat(client.rbac().clusterRoleBindings().withName("mailrelay-operator").get()).isNotNull();
        assertThat(client.serviceAccounts().inNamespace(DEPLOY_NAMESPACE).withName("mailrelay-operator").get()).isNotNull();
        assertThat(client.apps().deployments().inNamespace(DEPLOY_NAMESPACE).withName("mailrelay-operator").get()).isNotNull();

        awaitCrdEstablished();
        Exec.Result examples = api.kubectl("apply", "--dry-run=server", "-n", "default", "-f", DEPLOY.resolve("examples").toString())
                .assertSuccess();
        assertThat(examples.stdout()).contains("mailrelay.mailrelay.io/minimal created (server dry run)");
    }

    @Test
    void operatorPodFromChartAndFromDeployPassesRestrictedPodSecurity() {
        String namespace = "restricted-check";
        namespace(namespace, Map.of("pod-security.kubernetes.io/enforce", "restricted"));
        KubernetesClient client = api.client();
        Deployment fromChart = Manifests.only(Manifests.load(client, Helm.template("mailrelay", namespace)), Deployment.class);
        Deployment fromDeploy = Manifests.only(Manifests.load(client, DEPLOY.resolve("20-operator.yaml")), Deployment.class);
        // as on OpenShift: no runAsUser, runAsGroup (the SCC assigns them)
        Deployment withoutUid = Manifests.only(Manifests.load(client, Helm.template("mailrelay", namespace,
                "--api-versions", "security.openshift.io/v1")), Deployment.class);
        assertThat(withoutUid.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsUser()).isNull();

        for (Deployment deployment : List.of(fromChart, fromDeploy, withoutUid)) {
            Pod pod = Manifests.podOf(deployment, namespace);
            assertThat(client.pods().inNamespace(namespace).resource(pod).dryRun().create().getMetadata().getName())
                    .isEqualTo(pod.getMetadata().getName());
        }

        // the namespace really enforces: the same pod allowed to escalate privileges is refused
        Pod escalating = Manifests.podOf(fromChart, namespace);
        escalating.getSpec().getContainers().get(0).getSecurityContext().setAllowPrivilegeEscalation(true);
        assertThatThrownBy(() -> client.pods().inNamespace(namespace).resource(escalating).dryRun().create())
                .isInstanceOf(KubernetesClientException.class).hasMessageContaining("violates PodSecurity");
    }

    @Test
    void crdCopiesAreIdenticalToCrds() throws IOException {
        List<Path> sources = files(CRDS);
        assertThat(sources).as("crds/").isNotEmpty();
        assertThat(files(Helm.CHART.resolve("crds")).stream().map(Path::getFileName).toList())
                .as("file names in helm/mailrelay-operator/crds/ (cp crds/* helm/mailrelay-operator/crds/)")
                .isEqualTo(sources.stream().map(Path::getFileName).toList());
        for (Path source : sources) {
            assertThat(Manifests.read(Helm.CHART.resolve("crds").resolve(source.getFileName())))
                    .as("helm/mailrelay-operator/crds/%s is a copy of %s", source.getFileName(), source)
                    .isEqualTo(Manifests.read(source));
        }
        assertThat(Manifests.read(DEPLOY.resolve("10-crd.yaml")))
                .as("deploy/10-crd.yaml is crds/* (cat crds/* > deploy/10-crd.yaml)")
                .isEqualTo(sources.stream().map(Manifests::read).collect(Collectors.joining("---\n")));
    }

    @Test
    void chartClusterRoleHasExactlyTheRulesOfDeployRbac() {
        KubernetesClient client = api.client();
        ClusterRole fromChart = Manifests.only(Manifests.load(client, Helm.template("mailrelay", "any")), ClusterRole.class);
        ClusterRole fromDeploy = Manifests.only(Manifests.load(client, DEPLOY.resolve("rbac.yaml")), ClusterRole.class);

        assertThat(fromChart.getRules()).isNotEmpty().isEqualTo(fromDeploy.getRules());
    }

    @Test
    void imagesAndAppVersionFollowThePomVersion() throws Exception {
        String version = pomVersion();
        String image = "mailrelay/mailrelay-operator:" + version;
        Map<?, ?> chart = new ObjectMapper(new YAMLFactory()).readValue(Helm.CHART.resolve("Chart.yaml").toFile(), Map.class);
        assertThat(chart.get("appVersion")).as("Chart.yaml appVersion").isEqualTo(version);

        Deployment fromChart = Manifests.only(Manifests.load(api.client(), Helm.template("mailrelay", "any")), Deployment.class);
        Deployment fromDeploy = Manifests.only(Manifests.load(api.client(), DEPLOY.resolve("20-operator.yaml")), Deployment.class);
        for (Deployment deployment : List.of(fromChart, fromDeploy)) {
            assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo(image);
            assertThat(envOf(deployment)).containsEntry("MAILRELAY_RELAY_IMAGE", image);
        }
    }

    @Test
    void deployOperatorIsTheChartWithDefaultValues() {
        KubernetesClient client = api.client();
        List<HasMetadata> chart = Manifests.withoutHelmLabels(Manifests.load(client, Helm.template("mailrelay-operator",
                DEPLOY_NAMESPACE, "-s", "templates/serviceaccount.yaml", "-s", "templates/clusterrolebinding.yaml",
                "-s", "templates/leader-election-rbac.yaml", "-s", "templates/service.yaml", "-s", "templates/deployment.yaml",
                "-s", "templates/poddisruptionbudget.yaml")));
        List<HasMetadata> deploy = Manifests.load(client, DEPLOY.resolve("20-operator.yaml"));

        assertThat(deploy).as("deploy/20-operator.yaml, regenerate it as its header says").isEqualTo(chart);
    }

    /** The chart's ServiceAccount, ClusterRole and binding, installed for real, let the reconciler do its work. */
    @Test
    void chartRbacLetsTheOperatorReconcile() throws IOException {
        String namespace = "rbac-check";
        String relays = "chart-relays";
        installCrdsFrom(Helm.CHART.resolve("crds"));
        namespace(namespace, Map.of());
        namespace(relays, Map.of());
        String rendered = Helm.template("rbac-check", namespace, "-s", "templates/serviceaccount.yaml",
                "-s", "templates/clusterrole.yaml", "-s", "templates/clusterrolebinding.yaml",
                "-s", "templates/leader-election-rbac.yaml");
        apply(rendered, false);

        String serviceAccount = "system:serviceaccount:" + namespace + ":rbac-check-mailrelay-operator";
        // Secrets are watched (their informer); only the admin token Secret is written, created and applied, never updated
        assertThat(api.kubectl("auth", "can-i", "watch", "secrets", "-A", "--as", serviceAccount).stdout()).startsWith("yes");
        assertThat(api.kubectl("auth", "can-i", "update", "secrets", "-A", "--as", serviceAccount).stdout()).startsWith("no");
        try (KubernetesClient asOperator = impersonating(serviceAccount)) {
            // with leader election as the packaged operator runs it: its Role lets it take the Lease
            Operator operator = new Operator(o -> o.withKubernetesClient(asOperator).withCloseClientOnStop(false)
                    .withLeaderElectionConfiguration(new LeaderElectionConfiguration("rbac-check", namespace,
                            LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
                            LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
                            LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE,
                            "rbac-check-operator", null, false))); // a lost Lease must not exit the test JVM
            operator.register(new MailRelayReconciler(new OperatorSettings("registry.example/mailrelay:test", namespace)));
            operator.start();
            try {
                MailRelay relay = api.client().resources(MailRelay.class).load(DEPLOY.resolve("examples/minimal.yaml").toFile()).item();
                relay.getMetadata().setNamespace(relays);
                api.client().resource(relay).create();

                Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    MailRelay seen = api.client().resources(MailRelay.class).inNamespace(relays).withName("minimal").get();
                    assertThat(seen.getStatus()).isNotNull();
                    assertThat(seen.getStatus().conditions).anySatisfy(c -> {
                        assertThat(c.getType()).isEqualTo(Conditions.CONFIG_VALID);
                        assertThat(c.getStatus()).isEqualTo("True");
                    });
                });
                assertThat(api.client().apps().statefulSets().inNamespace(relays).withName("minimal").get()).isNotNull();
                assertThat(api.client().network().v1().networkPolicies().inNamespace(relays).withName("minimal").get()).isNotNull();
                // it holds the Lease and keeps renewing it: a renewal after the first acquisition
                Lease acquired = api.client().leases().inNamespace(namespace).withName("rbac-check").get();
                assertThat(acquired.getSpec().getHolderIdentity()).isEqualTo("rbac-check-operator");
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> !api.client().leases().inNamespace(namespace)
                        .withName("rbac-check").get().getSpec().getRenewTime().equals(acquired.getSpec().getRenewTime()));
            } finally {
                operator.stop();
            }
        }
    }

    /** With watchNamespaces, the chart grants the operator's rules in those namespaces only, and that is enough. */
    @Test
    void chartRbacWithWatchNamespacesGrantsOnlyThoseNamespacesAndTheOperatorReconcilesThere() throws IOException {
        String namespace = "rbac-scoped";
        installCrdsFrom(Helm.CHART.resolve("crds"));
        namespace(namespace, Map.of());
        namespace("team-a", Map.of());
        namespace("team-b", Map.of());
        String rendered = Helm.template("scoped", namespace, "--set", "watchNamespaces={team-a}",
                "-s", "templates/serviceaccount.yaml", "-s", "templates/clusterrole.yaml",
                "-s", "templates/clusterrolebinding.yaml", "-s", "templates/leader-election-rbac.yaml");
        assertThat(Manifests.load(api.client(), rendered)).noneMatch(o -> o.getKind().equals("ClusterRoleBinding"));
        apply(rendered, false);

        String serviceAccount = "system:serviceaccount:" + namespace + ":scoped-mailrelay-operator";
        assertThat(api.kubectl("auth", "can-i", "list", "secrets", "-n", "team-a", "--as", serviceAccount).stdout()).startsWith("yes");
        assertThat(api.kubectl("auth", "can-i", "create", "deployments.apps", "-n", "team-a", "--as", serviceAccount).stdout())
                .startsWith("yes");
        for (String[] denied : List.of(new String[] {"list", "secrets", "-n", "team-b"}, new String[] {"list", "secrets", "-A"},
                new String[] {"create", "deployments.apps", "-n", "team-b"}, new String[] {"list", "mailrelays.mailrelay.io", "-A"})) {
            List<String> args = new java.util.ArrayList<>(List.of("auth", "can-i"));
            args.addAll(List.of(denied));
            args.addAll(List.of("--as", serviceAccount));
            assertThat(api.kubectl(args.toArray(String[]::new)).stdout()).as(String.join(" ", denied)).startsWith("no");
        }
        try (KubernetesClient asOperator = impersonating(serviceAccount)) {
            Operator operator = new Operator(o -> o.withKubernetesClient(asOperator).withCloseClientOnStop(false));
            operator.register(new MailRelayReconciler(new OperatorSettings("registry.example/mailrelay:test", namespace)),
                    config -> config.settingNamespaces(java.util.Set.of("team-a")));
            operator.start();
            try {
                MailRelay relay = api.client().resources(MailRelay.class).load(DEPLOY.resolve("examples/minimal.yaml").toFile()).item();
                relay.getMetadata().setNamespace("team-a");
                api.client().resource(relay).create();
                Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    MailRelay seen = api.client().resources(MailRelay.class).inNamespace("team-a").withName("minimal").get();
                    assertThat(seen.getStatus()).isNotNull();
                    assertThat(seen.getStatus().conditions).anySatisfy(c -> {
                        assertThat(c.getType()).isEqualTo(Conditions.APPLIED);
                        assertThat(c.getStatus()).isEqualTo("True");
                    });
                });
                assertThat(api.client().apps().statefulSets().inNamespace("team-a").withName("minimal").get()).isNotNull();
            } finally {
                operator.stop();
            }
        }
    }

    private static KubernetesClient impersonating(String serviceAccount) {
        return new KubernetesClientBuilder().withConfig(new ConfigBuilder(api.client().getConfiguration())
                .withImpersonateUsername(serviceAccount)
                .withImpersonateGroups("system:serviceaccounts", "system:authenticated")
                .build()).build();
    }

    private static Exec.Result dryRunApply(String manifests) throws IOException {
        return apply(manifests, true);
    }

    private static Exec.Result apply(String manifests, boolean dryRun) throws IOException {
        Path file = Files.createTempFile("manifests", ".yaml");
        try {
            Files.writeString(file, manifests);
            return dryRun ? api.kubectl("apply", "--dry-run=server", "-f", file.toString()).assertSuccess()
                    : api.kubectl("apply", "-f", file.toString()).assertSuccess();
        } finally {
            Files.delete(file);
        }
    }

    /** CRDs first, for real: nothing namespaced can be checked against a CRD the server does not know. */
    private static void installCrdsFrom(Path directory) {
        api.kubectl("apply", "-f", directory.toString()).assertSuccess();
        awaitCrdEstablished();
    }

    /** Polls the CRD itself: `kubectl wait` fails at once on a CRD so new that it has no conditions yet. */
    private static void awaitCrdEstablished() {
        Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> {
            var crd = api.client().apiextensions().v1().customResourceDefinitions().withName("mailrelays.mailrelay.io").get();
            return crd != null && crd.getStatus() != null && crd.getStatus().getConditions() != null
                    && crd.getStatus().getConditions().stream()
                            .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
        });
    }

    private static void namespace(String name, Map<String, String> labels) {
        api.client().resource(new NamespaceBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata().build())
                .serverSideApply();
    }

    private static Map<String, String> envOf(Deployment deployment) {
        return deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                .collect(Collectors.toMap(EnvVar::getName, env -> env.getValue() == null ? "" : env.getValue()));
    }

    /** How Quarkus (SmallRye Config) names the environment variable of a property. */
    private static String envName(String property) {
        return property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase();
    }

    private static List<Path> files(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private static String pomVersion() throws Exception {
        var project = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile())
                .getDocumentElement();
        for (var node = project.getFirstChild(); node != null; node = node.getNextSibling()) {
            if ("version".equals(node.getNodeName())) {
                return node.getTextContent().strip();
            }
        }
        throw new AssertionError("pom.xml has no project version");
    }
}
