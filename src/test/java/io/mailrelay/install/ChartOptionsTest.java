package io.mailrelay.install;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.mailrelay.api.MailRelay;
import io.mailrelay.operator.naming.RelayLabels;
import io.mailrelay.operator.render.RelayPod;
import io.mailrelay.testing.Exec;

/** The chart's optional parts and its values schema, rendered by the real helm binary. */
class ChartOptionsTest {

    /** Parses manifests only; never connects to a server. */
    static final KubernetesClient PARSER = new KubernetesClientBuilder().build();

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "replicaCount=zwei | at '/replicaCount': got string, want integer",
            "replicaCunt=2 | additional properties 'replicaCunt' not allowed",
            "metricsPort=25 | at '/metricsPort': minimum: got 25",
            "probe.maxConcurrent=0 | at '/probe/maxConcurrent': minimum: got 0, want 1",
            "leaderElection.leaseDuration=15 | at '/leaderElection/leaseDuration': got number, want string",
            "image.pullPolicy=Sometimes | at '/image/pullPolicy': value must be one of",
            "watchNamespaces={Mail_Team} | at '/watchNamespaces/0'",
            "test.relay=office | at '/test/relay'",
            "uid=root | at '/uid'",
            "uid=0 | at '/uid'"})
    void badValuesFailAtInstallNamingTheValue(String value, String message) {
        Exec.Result render = Helm.run("template", "mailrelay", Helm.CHART.toString(), "--set", value);
        assertThat(render.exitCode()).isNotZero();
        assertThat(render.stderr()).contains("values don't meet the specifications of the schema").contains(message);
    }

    @Test
    void relayPodsPullTheOperatorsImageWithItsPullSecretsUnlessOthersAreNamed() {
        assertThat(relayPullSecrets()).isNull();
        assertThat(relayPullSecrets("--set", "imagePullSecrets[0].name=reg", "--set", "imagePullSecrets[1].name=mirror"))
                .isEqualTo("reg,mirror");
        assertThat(relayPullSecrets("--set", "imagePullSecrets[0].name=reg", "--set", "relayImagePullSecrets={relay-reg}"))
                .isEqualTo("relay-reg");
    }

    private static String relayPullSecrets(String... values) {
        var deployment = Manifests.only(Manifests.load(PARSER, Helm.template("mailrelay", "ops", values)),
                io.fabric8.kubernetes.api.model.apps.Deployment.class);
        return deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                .filter(env -> env.getName().equals("MAILRELAY_RELAY_IMAGE_PULL_SECRETS"))
                .map(io.fabric8.kubernetes.api.model.EnvVar::getValue).findFirst().orElse(null);
    }

    @Test
    void operatorPodRunsAsTheImagesUidExceptOnOpenShiftOrAsConfigured() {
        var vanilla = operatorPod();
        assertThat(vanilla.getSecurityContext().getRunAsUser()).isEqualTo(10025L);
        assertThat(vanilla.getSecurityContext().getRunAsGroup()).isEqualTo(10025L);
        assertThat(relayUidSetting(vanilla)).as("the operator decides auto for relay pods itself").isEqualTo("auto");

        // helm sees OpenShift's SCC API (at install; offline: --api-versions): the SCC assigns the UID
        for (var platformAssigned : List.of(operatorPod("--api-versions", "security.openshift.io/v1"),
                operatorPod("--set", "uid=none"))) {
            var security = platformAssigned.getSecurityContext();
            assertThat(security.getRunAsUser()).isNull();
            assertThat(security.getRunAsGroup()).isNull();
            assertThat(security.getRunAsNonRoot()).isTrue();
            assertThat(security.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
            assertThat(platformAssigned.getContainers().get(0).getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        }
        assertThat(relayUidSetting(operatorPod("--set", "uid=none"))).isEqualTo("none");

        var configured = operatorPod("--set", "uid=2000", "--api-versions", "security.openshift.io/v1");
        assertThat(configured.getSecurityContext().getRunAsUser()).isEqualTo(2000L);
        assertThat(relayUidSetting(configured)).isEqualTo("2000");
        // podSecurityContext wins over uid
        assertThat(operatorPod("--set", "podSecurityContext.runAsUser=3000").getSecurityContext().getRunAsUser())
                .isEqualTo(3000L);
    }

    private static io.fabric8.kubernetes.api.model.PodSpec operatorPod(String... values) {
        return Manifests.only(Manifests.load(PARSER, Helm.template("mailrelay", "ops", values)),
                io.fabric8.kubernetes.api.model.apps.Deployment.class).getSpec().getTemplate().getSpec();
    }

    private static String relayUidSetting(io.fabric8.kubernetes.api.model.PodSpec pod) {
        return pod.getContainers().get(0).getEnv().stream().filter(env -> env.getName().equals("MAILRELAY_RELAY_UID"))
                .map(io.fabric8.kubernetes.api.model.EnvVar::getValue).findFirst().orElse(null);
    }

    @Test
    void monitoringIsOffByDefault() {
        assertThat(Manifests.load(PARSER, Helm.template("mailrelay", "ops")))
                .noneMatch(o -> o.getApiVersion().startsWith("monitoring.coreos.com/"));
    }

    @Test
    void serviceMonitorSelectsTheMetricsServiceAndPodMonitorSelectsTheRelayPodsTheOperatorRenders() {
        List<HasMetadata> rendered = Manifests.load(PARSER, Helm.template("mailrelay", "ops",
                "--set", "monitoring.serviceMonitor.enabled=true", "--set", "monitoring.serviceMonitor.labels.release=prom"));
        Service metrics = Manifests.only(rendered, Service.class);
        GenericKubernetesResource serviceMonitor = kind(rendered, "ServiceMonitor");
        assertThat(serviceMonitor.getMetadata().getLabels()).containsEntry("release", "prom");
        Map<String, Object> selector = path(serviceMonitor, "spec", "selector", "matchLabels");
        assertThat(metrics.getMetadata().getLabels()).containsAllEntriesOf(strings(selector));
        List<Map<String, Object>> endpoints = path(serviceMonitor, "spec", "endpoints");
        assertThat(endpoints).singleElement().satisfies(endpoint -> {
            assertThat(endpoint).containsEntry("port", metrics.getSpec().getPorts().get(0).getName())
                    .containsEntry("path", "/q/metrics").containsEntry("honorLabels", true);
        });

        GenericKubernetesResource podMonitor = kind(rendered, "PodMonitor");
        MailRelay relay = new MailRelay();
        relay.getMetadata().setName("office");
        assertThat(RelayLabels.all(relay)).containsAllEntriesOf(strings(path(podMonitor, "spec", "selector", "matchLabels")));
        List<Map<String, Object>> podEndpoints = path(podMonitor, "spec", "podMetricsEndpoints");
        assertThat(podEndpoints).singleElement().satisfies(e -> assertThat(e).containsEntry("port", RelayPod.HTTP_PORT_NAME));
        assertThat(ChartOptionsTest.<Map<String, Object>>path(podMonitor, "spec", "namespaceSelector")).containsEntry("any", true);

        List<HasMetadata> narrowed = Manifests.load(PARSER, Helm.template("mailrelay", "ops",
                "--set", "monitoring.serviceMonitor.enabled=true", "--set", "watchNamespaces={mail}"));
        assertThat(ChartOptionsTest.<Map<String, Object>>path(kind(narrowed, "PodMonitor"), "spec", "namespaceSelector"))
                .containsEntry("matchNames", List.of("mail"));
    }

    /** Every metric an alert names is one the code registers (Micrometer name, as Prometheus spells it). */
    @Test
    void alertsNameMetricsThatExist() throws IOException {
        List<HasMetadata> rendered = Manifests.load(PARSER, Helm.template("mailrelay", "ops",
                "--set", "monitoring.prometheusRule.enabled=true", "--set", "monitoring.prometheusRule.queueDepth=500"));
        GenericKubernetesResource rule = kind(rendered, "PrometheusRule");
        List<Map<String, Object>> groups = path(rule, "spec", "groups");
        List<Map<String, Object>> rules = groups.stream()
                .flatMap(group -> ((List<Map<String, Object>>) group.get("rules")).stream()).toList();
        assertThat(rules).extracting(r -> r.get("alert"))
                .containsExactly("MailRelayOpen", "MailRelayProbeFailing", "MailRelayQueueGrowing", "MailRelayQueueOld",
                        "MailRelayUpstreamDown", "MailRelayUpstreamCertificateExpiring");
        assertThat(rules.get(2).get("expr").toString()).contains("> 500");

        Set<String> used = new TreeSet<>();
        Matcher names = Pattern.compile("mailrelay_[a-z_]+").matcher(rules.stream().map(r -> r.get("expr").toString())
                .collect(Collectors.joining("\n")));
        while (names.find()) {
            used.add(names.group());
        }
        String sources;
        try (Stream<Path> files = Files.walk(Path.of("src", "main", "java"))) {
            sources = files.filter(p -> p.toString().endsWith(".java")).map(ChartOptionsTest::read)
                    .collect(Collectors.joining("\n"));
        }
        assertThat(used).isNotEmpty().allSatisfy(metric -> {
            // Micrometer's "mailrelay.spool.oldest.age" with base unit seconds is Prometheus' ..._age_seconds
            String micrometer = metric.replaceFirst("_seconds$", "").replace('_', '.');
            assertThat(sources).as(metric).containsAnyOf("\"" + micrometer + "\"", "\"" + metric.replace('_', '.') + "\"");
        });
    }

    @Test
    void helmTestProbesTheNamedRelayWithARestrictedPod() {
        assertThat(Manifests.load(PARSER, Helm.template("mailrelay", "ops"))).noneMatch(Pod.class::isInstance);
        Pod probe = Manifests.only(Manifests.load(PARSER, Helm.template("mailrelay", "ops", "--set", "test.relay=mail/office",
                "--set", "test.port=2525")), Pod.class);
        assertThat(probe.getMetadata().getAnnotations()).containsEntry("helm.sh/hook", "test");
        assertThat(probe.getSpec().getContainers().get(0).getArgs()).containsExactly("probe", "office.mail.svc:2525");
        assertThat(probe.getSpec().getRestartPolicy()).isEqualTo("Never");
        assertThat(probe.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
    }

    private static GenericKubernetesResource kind(List<HasMetadata> objects, String kind) {
        return objects.stream().filter(o -> kind.equals(o.getKind())).map(GenericKubernetesResource.class::cast)
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " in " + objects));
    }

    @SuppressWarnings("unchecked")
    private static <T> T path(GenericKubernetesResource object, String... keys) {
        Object current = object.getAdditionalProperties();
        for (String key : keys) {
            current = ((Map<String, Object>) current).get(key);
        }
        return (T) current;
    }

    private static Map<String, String> strings(Map<String, Object> map) {
        return map.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> String.valueOf(e.getValue())));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
