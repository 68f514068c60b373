package io.mailrelay.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.mailrelay.testing.Exec;

/**
 * The demo stops everything it started (etcd, kube-apiserver, smtp-sink, the operator, the relays its
 * kubelet stand-in runs) whether it ends normally, on Ctrl-C (SIGINT) or on SIGTERM. Each run is the
 * demo's short mode ({@code --until-ready}: the relay Ready and proven closed) in a JVM of its own, whose
 * process tree is recorded while it runs and checked after it ended.
 */
@Tag("kube")
class DemoCleanupIT {

    private static final Duration DEMO_TIMEOUT = Duration.ofMinutes(5);

    @Test
    void normalEndLeavesNoProcess() throws Exception {
        try (Demo demo = Demo.start("--until-ready")) {
            int exit = demo.awaitExit();
            assertThat(exit).as(demo.output()).isZero();
            demo.assertNothingLeft();
        }
    }

    @Test
    void ctrlCLeavesNoProcess() throws Exception {
        try (Demo demo = Demo.start("--until-ready", "--keep")) {
            demo.awaitStillRunning();
            Exec.run(List.of("kill", "-INT", String.valueOf(demo.pid())), Map.of(), 10).assertSuccess();
            int exit = demo.awaitExit();
            assertThat(exit).as("killed by SIGINT\n" + demo.output()).isEqualTo(128 + 2);
            demo.assertNothingLeft();
        }
    }

    @Test
    void sigtermLeavesNoProcess() throws Exception {
        try (Demo demo = Demo.start("--until-ready", "--keep")) {
            demo.awaitStillRunning();
            Exec.run(List.of("kill", "-TERM", String.valueOf(demo.pid())), Map.of(), 10).assertSuccess();
            int exit = demo.awaitExit();
            assertThat(exit).as("killed by SIGTERM\n" + demo.output()).isEqualTo(128 + 15);
            demo.assertNothingLeft();
        }
    }

    /** The demo's JVM, and every process seen below it while it ran. */
    private static final class Demo implements AutoCloseable {
        private final Process process;
        private final Path output;
        private final Map<Long, ProcessHandle> seen = new LinkedHashMap<>();
        /** Command lines as seen while each process ran (a dead process has none to read). */
        private final Map<Long, String> commandLines = new LinkedHashMap<>();
        private final Thread recorder;

        private Demo(Process process, Path output) {
            this.process = process;
            this.output = output;
            this.recorder = new Thread(this::record, "demo-process-recorder");
            recorder.setDaemon(true);
            recorder.start();
        }

        static Demo start(String... args) throws IOException {
            Path output = Files.createTempFile("demo", ".log");
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"),
                    "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                    "-Dmailrelay.app.jar=" + System.getProperty("mailrelay.app.jar", "target/quarkus-app/quarkus-run.jar"),
                    LocalDemo.class.getName()));
            command.addAll(List.of(args));
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            return new Demo(process, output);
        }

        long pid() {
            return process.pid();
        }

        /** Polls the tree until the demo ends: a relay started late in a rollout is recorded too. */
        private void record() {
            while (process.isAlive()) {
                process.toHandle().descendants().forEach(p -> {
                    String commandLine = describe(p);
                    synchronized (seen) {
                        seen.putIfAbsent(p.pid(), p);
                        if (p.info().arguments().isPresent()) {
                            commandLines.put(p.pid(), commandLine);
                        }
                    }
                });
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        void awaitStillRunning() {
            Awaitility.await("the demo reaching its running state").atMost(DEMO_TIMEOUT)
                    .pollInterval(Duration.ofMillis(500))
                    .failFast("the demo ended early:\n" + output(), () -> !process.isAlive())
                    .until(() -> output().contains("still running;"));
        }

        int awaitExit() throws InterruptedException {
            assertThat(process.waitFor(DEMO_TIMEOUT.toSeconds(), TimeUnit.SECONDS))
                    .as("the demo ended\n" + output()).isTrue();
            recorder.join(5_000);
            return process.exitValue();
        }

        void assertNothingLeft() {
            List<String> commands;
            List<String> alive;
            synchronized (seen) {
                commands = List.copyOf(commandLines.values());
                alive = seen.values().stream().filter(ProcessHandle::isAlive)
                        .map(p -> commandLines.getOrDefault(p.pid(), describe(p))).toList();
            }
            // the recording saw the whole cast, so "nothing left" means something
            assertThat(String.join("\n", commands)).as("processes below the demo").contains("etcd")
                    .contains("kube-apiserver").contains("smtp-sink").contains(" operator").contains(" relay --config");
            assertThat(alive).as("still running after the demo ended (of %s)", commands).isEmpty();
        }

        private static String describe(ProcessHandle process) {
            ProcessHandle.Info info = process.info();
            return process.pid() + " " + info.command().orElse("?") + " "
                    + String.join(" ", info.arguments().orElse(new String[0]));
        }

        String output() {
            try {
                return Files.readString(output);
            } catch (IOException e) {
                return "(no output: " + e + ")";
            }
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
            synchronized (seen) {
                seen.values().forEach(ProcessHandle::destroyForcibly);
            }
        }
    }
}
