package io.mailrelay.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.ServiceCIDRBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/**
 * A real kube-apiserver + etcd (io.fabric8:kube-api-test, offline, binaries from scripts/testbin.sh),
 * started once for a test class. Its admission chain is the normal one (PodSecurity, CRD schema and CEL
 * validation, server-side apply); only the ServiceAccount admission plugin is off, as in envtest.
 * There is no controller manager, scheduler or kubelet: nothing runs pods or collects garbage.
 *
 * <pre>@RegisterExtension static RealKubeApiServer api = new RealKubeApiServer();</pre>
 */
public final class RealKubeApiServer implements BeforeAllCallback, AfterAllCallback {

    /** kube-api-test appends {@code --service-cluster-ip-range 10.0.0.0/24} after ours, and the last one wins. */
    private static final String SERVICE_RANGE_FLAG = "--service-cluster-ip-range";

    private final List<String> apiServerFlags;
    private final String extraServiceRange;
    private KubeAPIServer server;
    private KubernetesClient client;
    private Path kubeconfig;

    /** With kube-api-test's flags only. */
    public RealKubeApiServer() {
        this(List.of());
    }

    /**
     * With extra kube-apiserver flags, e.g. {@code --enable-admission-plugins=OwnerReferencesPermissionEnforcement}
     * (OpenShift's admission chain has it on).
     */
    public RealKubeApiServer(List<String> apiServerFlags) {
        this(apiServerFlags, null);
    }

    private RealKubeApiServer(List<String> apiServerFlags, String extraServiceRange) {
        if (apiServerFlags.stream().anyMatch(flag -> flag.startsWith(SERVICE_RANGE_FLAG))) {
            throw new IllegalArgumentException("kube-api-test passes its own " + SERVICE_RANGE_FLAG
                    + " 10.0.0.0/24 after these flags, and the last one wins: use withServiceRange");
        }
        this.apiServerFlags = List.copyOf(apiServerFlags);
        this.extraServiceRange = extraServiceRange;
    }

    /**
     * With a second Service range beside kube-api-test's 10.0.0.0/24, which holds about 250 ClusterIPs: a
     * {@code networking.k8s.io/v1} ServiceCIDR created once the server is up, from which the API server allocates
     * when the first range is full (the flag cannot widen it, see {@link #SERVICE_RANGE_FLAG}).
     */
    public RealKubeApiServer withServiceRange(String cidr) {
        return new RealKubeApiServer(apiServerFlags, cidr);
    }

    public static String testDir() {
        String fromEnv = System.getenv("KUBE_API_TEST_DIR");
        return fromEnv != null ? fromEnv : new File(System.getProperty("user.home"), ".kubeapitest").getPath();
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        start();
    }

    /** Starts the API server (outside JUnit, e.g. for the local demo). */
    public RealKubeApiServer start() throws IOException {
        Path binaries = Path.of(testDir(), "k8s");
        if (!Files.isDirectory(binaries)) {
            throw new IllegalStateException("no kube-apiserver/etcd/kubectl under " + binaries
                    + ": run scripts/testbin.sh first");
        }
        server = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withTestDir(testDir())
                .withOfflineMode(true)
                .withUpdateKubeConfig(false)
                .withStartupTimeout(120_000)
                .withApiServerFlags(apiServerFlags)
                .build());
        server.start();
        String yaml = server.getKubeConfigYaml();
        kubeconfig = Files.createTempFile("kubeconfig", ".yaml");
        Files.writeString(kubeconfig, yaml);
        client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(yaml)).build();
        if (extraServiceRange != null) {
            client.network().v1().serviceCIDRs().resource(new ServiceCIDRBuilder()
                    .withNewMetadata().withName("extra-services").endMetadata()
                    .withNewSpec().withCidrs(extraServiceRange).endSpec().build()).create();
        }
        return this;
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        stop();
    }

    /** Stops the API server and etcd; does nothing when they are stopped already. */
    public synchronized void stop() throws IOException {
        if (client != null) {
            client.close();
            client = null;
        }
        if (server != null) {
            server.stop();
            server = null;
        }
        if (kubeconfig != null) {
            Files.deleteIfExists(kubeconfig);
            kubeconfig = null;
        }
    }

    public KubernetesClient client() {
        return client;
    }

    /** The kubeconfig YAML that reaches this API server (for an operator under test). */
    public String kubeconfigYaml() {
        try {
            return Files.readString(kubeconfig);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path kubeconfigFile() {
        return kubeconfig;
    }

    /** Applies {@code crds/} (server-side, as the docs say) and waits until the API server serves the MailRelay CRD. */
    public void installCrds() {
        kubectl("apply", "--server-side", "-f", "crds/").assertSuccess();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(120)).until(() -> {
            var crd = client.apiextensions().v1().customResourceDefinitions().withName("mailrelays.mailrelay.io").get();
            return crd != null && crd.getStatus() != null && crd.getStatus().getConditions() != null
                    && crd.getStatus().getConditions().stream()
                            .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
        });
    }

    /** Runs the kubectl built with the API server against it. */
    public Exec.Result kubectl(String... args) {
        List<String> command = new ArrayList<>();
        command.add(kubectlBinary().toString());
        command.add("--kubeconfig=" + kubeconfig);
        command.addAll(List.of(args));
        return Exec.run(command, Map.of(), 120);
    }

    private static Path kubectlBinary() {
        try (var versions = Files.list(Path.of(testDir(), "k8s"))) {
            return versions.filter(dir -> Files.isExecutable(dir.resolve("kubectl")))
                    .max(Path::compareTo)
                    .map(dir -> dir.resolve("kubectl"))
                    .orElseThrow(() -> new IllegalStateException("no kubectl: run scripts/testbin.sh"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
