package io.mailrelay.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The application as it ships ({@code target/quarkus-app/quarkus-run.jar}, built by {@code ./mvnw package}),
 * started as a separate process in one of its modes, the way a pod would run it. Used by integration
 * tests (Failsafe, after packaging) and the local demo. Output goes to a log file.
 */
public final class AppProcess implements AutoCloseable {

    private final Process process;
    private final Path log;
    private final String name;

    private AppProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    public static Path applicationJar() {
        Path jar = Path.of(System.getProperty("mailrelay.app.jar", "target/quarkus-app/quarkus-run.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar.toAbsolutePath() + " not found: run ./mvnw package first");
        }
        return jar;
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public Path logFile() {
        return log;
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGTERM, as the kubelet sends it, without waiting. */
    public void terminate() {
        process.destroy(); // SIGTERM on Linux
    }

    /** Waits for the process to end; its exit status, or an AssertionError if it is still running. */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(this + " still running after " + timeout);
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** SIGTERM, as Kubernetes does, then waits; SIGKILL if it does not stop in time. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** kill -9: no shutdown hook runs. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ", log " + log + ")";
    }

    public static final class Builder {
        private final String name;
        private final List<String> args = new ArrayList<>();
        private final Map<String, String> systemProperties = new LinkedHashMap<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        /** The tests' default heap; {@link #jvmOptions} replaces it (e.g. with a pod's options). */
        private List<String> jvmOptions = List.of("-Xmx256m");
        private String networkNamespace;

        private Builder(String name) {
            this.name = name;
        }

        public Builder args(String... values) {
            args.addAll(List.of(values));
            return this;
        }

        public Builder property(String key, String value) {
            systemProperties.put(key, value);
            return this;
        }

        public Builder env(String key, String value) {
            env.put(key, value);
            return this;
        }

        /** JVM options instead of the default {@code -Xmx256m}. */
        public Builder jvmOptions(List<String> options) {
            jvmOptions = List.copyOf(options);
            return this;
        }

        /** Runs it inside a network namespace the test created ({@link NetworkLab}), via {@code ip netns exec}. */
        public Builder inNetworkNamespace(String namespace) {
            this.networkNamespace = namespace;
            return this;
        }

        public AppProcess start() {
            try {
                Path log = Files.createTempFile(name.replaceAll("[^A-Za-z0-9.-]", "_") + "-", ".log");
                List<String> command = new ArrayList<>();
                if (networkNamespace != null) {
                    command.addAll(List.of("ip", "netns", "exec", networkNamespace)); // execs java: same pid
                }
                command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
                command.addAll(jvmOptions);
                command.add("-Dfile.encoding=UTF-8"); // as the image runs it (Dockerfile), whatever the locale
                systemProperties.forEach((k, v) -> command.add("-D" + k + "=" + v));
                command.add("-jar");
                command.add(applicationJar().toAbsolutePath().toString());
                command.addAll(args);
                ProcessBuilder builder = new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile());
                builder.environment().putAll(env);
                return new AppProcess(name, builder.start(), log);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
