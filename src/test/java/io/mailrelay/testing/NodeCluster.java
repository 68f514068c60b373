package io.mailrelay.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The one-node cluster of scripts/node.sh with the project's image imported (scripts/node-image.sh), for the
 * e2e tier. Brings the node up when it is not (and then takes it down after the class, unless
 * MAILRELAY_NODE_KEEP=true), builds the images from the packaged application, and runs kubectl and helm
 * against it through the loopback kubeconfig that {@code node.sh status} prints.
 */
public final class NodeCluster implements BeforeAllCallback, AfterAllCallback {

    public static final String IMAGE_REPOSITORY = "mailrelay/mailrelay-operator";
    public static final String IMAGE_TAG = "e2e";
    /** Debian bookworm with Postfix (smtp-sink) and swaks: sink, client and outsider pods. */
    public static final String TOOLS_IMAGE = "mailrelay.local/e2e-tools:1";

    private static final Path NODE_SH = Path.of("scripts", "node.sh");

    private boolean startedHere;
    private Path kubeconfig;
    private Path kubectl;
    private Path helm;

    @Override
    public void beforeAll(ExtensionContext context) {
        Map<String, String> status = status();
        if (!"up".equals(status.get("node"))) {
            long t0 = System.nanoTime();
            Exec.run(List.of("bash", NODE_SH.toString(), "up"), Map.of(), 600).assertSuccess();
            System.out.printf("node.sh up: %d s%n", Duration.ofNanos(System.nanoTime() - t0).toSeconds());
            startedHere = true;
            status = status();
        }
        kubeconfig = Path.of(status.get("kubeconfig"));
        kubectl = Path.of(status.get("kubectl"));
        helm = Path.of(status.get("helm"));
        long t0 = System.nanoTime();
        Exec.run(List.of("bash", NODE_SH.toString(), "image", IMAGE_REPOSITORY + ":" + IMAGE_TAG), Map.of(), 1200)
                .assertSuccess();
        System.out.printf("node.sh image: %d s%n", Duration.ofNanos(System.nanoTime() - t0).toSeconds());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (startedHere && !"true".equals(System.getenv("MAILRELAY_NODE_KEEP"))) {
            long t0 = System.nanoTime();
            Exec.Result down = Exec.run(List.of("bash", NODE_SH.toString(), "down"), Map.of(), 600);
            System.out.printf("node.sh down: %d s%n%s", Duration.ofNanos(System.nanoTime() - t0).toSeconds(),
                    down.stdout());
            down.assertSuccess();
        }
    }

    private static Map<String, String> status() {
        Exec.Result result = Exec.run(List.of("bash", NODE_SH.toString(), "status"), Map.of(), 60).assertSuccess();
        Map<String, String> fields = new java.util.HashMap<>();
        result.stdout().lines().forEach(line -> {
            int colon = line.indexOf(": ");
            if (colon > 0) {
                fields.putIfAbsent(line.substring(0, colon), line.substring(colon + 2).trim());
            }
        });
        return fields;
    }

    public Exec.Result kubectl(String... args) {
        return kubectlWithTimeout(120, args);
    }

    public Exec.Result kubectlWithTimeout(long seconds, String... args) {
        return Exec.run(kubectlCommand(args), Map.of(), seconds);
    }

    /** The kubectl command line against the node, for a process the test runs itself (e.g. logs -f). */
    public List<String> kubectlCommand(String... args) {
        List<String> command = new ArrayList<>(List.of(kubectl.toString(), "--kubeconfig", kubeconfig.toString()));
        command.addAll(List.of(args));
        return command;
    }

    /** kubectl apply of a manifest given as text. */
    public void apply(String yaml) {
        try {
            Path file = Files.createTempFile("e2e", ".yaml");
            try {
                Files.writeString(file, yaml);
                kubectl("apply", "-f", file.toString()).assertSuccess();
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public Exec.Result helm(long seconds, String... args) {
        List<String> command = new ArrayList<>(List.of(helm.toString(), "--kubeconfig", kubeconfig.toString()));
        command.addAll(List.of(args));
        return Exec.run(command, Map.of(), seconds);
    }

    /** Polls once a second until the condition holds; fails naming what was awaited. */
    public static void await(String what, Duration deadline, BooleanSupplier condition) {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + deadline.toSeconds() + " s: " + what);
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
