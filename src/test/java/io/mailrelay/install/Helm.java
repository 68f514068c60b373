package io.mailrelay.install;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.mailrelay.testing.Exec;
import io.mailrelay.testing.RealKubeApiServer;

/** The helm binary that scripts/testbin.sh builds next to kubectl ($KUBE_API_TEST_DIR/tools/helm-<version>/helm). */
final class Helm {

    static final Path CHART = Path.of("helm", "mailrelay-operator");

    private Helm() {
    }

    /**
     * Kubernetes version that offline {@code template} and {@code lint} render for: the chart's kubeVersion
     * refuses helm's built-in default (v1.20), as it would refuse such a cluster at {@code helm install}.
     */
    static final String KUBE_VERSION = "1.36.0";

    static Exec.Result run(String... args) {
        List<String> command = new ArrayList<>();
        command.add(binary().toString());
        command.addAll(List.of(args));
        if (args.length > 0 && (args[0].equals("template") || args[0].equals("lint"))) {
            command.addAll(List.of("--kube-version", KUBE_VERSION));
        }
        return Exec.run(command, Map.of(), 120);
    }

    /** {@code helm template} of the chart as the given release; fails with helm's output when it cannot render. */
    static String template(String release, String namespace, String... extraArgs) {
        List<String> args = new ArrayList<>(List.of("template", release, CHART.toString(), "--namespace", namespace));
        args.addAll(List.of(extraArgs));
        return run(args.toArray(String[]::new)).assertSuccess().stdout();
    }

    static Path binary() {
        Path tools = Path.of(RealKubeApiServer.testDir(), "tools");
        if (!Files.isDirectory(tools)) {
            throw missing(tools);
        }
        try (var versions = Files.list(tools)) {
            return versions.filter(dir -> dir.getFileName().toString().startsWith("helm-"))
                    .filter(dir -> Files.isExecutable(dir.resolve("helm")))
                    .max(Path::compareTo)
                    .map(dir -> dir.resolve("helm"))
                    .orElseThrow(() -> missing(tools));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static IllegalStateException missing(Path tools) {
        return new IllegalStateException("no helm under " + tools + "/helm-<version>/: run scripts/testbin.sh first");
    }
}
