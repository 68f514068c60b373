package io.mailrelay;

import java.util.Map;
import java.util.Set;

/** The modes of the one application and the Quarkus runtime defaults each one needs. */
public enum Mode {
    OPERATOR(Map.of()),
    /** The operator SDK is on the classpath but not started in a relay pod: its readiness check must not count. */
    RELAY(Map.of(
            "quarkus.smallrye-health.check.\"io.quarkiverse.operatorsdk.runtime.OperatorHealthCheck\".enabled",
            "false")),
    /**
     * The probe is a command-line tool: no HTTP listener, and logs on stderr so that stdout carries
     * only the report (its JSON form is a contract).
     */
    PROBE(Map.of(
            "quarkus.http.host-enabled", "false",
            "quarkus.log.console.stderr", "true",
            "quarkus.log.level", "WARN")),
    /** The queue CLI talks to a running relay's admin endpoint: like the probe, no listener of its own. */
    QUEUE(Map.of(
            "quarkus.http.host-enabled", "false",
            "quarkus.log.console.stderr", "true",
            "quarkus.log.level", "WARN")),
    /** --help or --version (of the tool or of a mode), or a mistyped mode: print and exit, no listener. */
    NONE(Map.of(
            "quarkus.http.host-enabled", "false",
            "quarkus.log.console.stderr", "true",
            "quarkus.log.level", "WARN"));

    /** picocli's standard help options, which every command mixes in. */
    private static final Set<String> USAGE_OPTIONS = Set.of("-h", "--help", "-V", "--version");

    private final Map<String, String> defaults;

    Mode(Map<String, String> defaults) {
        this.defaults = defaults;
    }

    public static Mode of(String... args) {
        if (args.length == 0 || asksForUsage(args)) {
            return NONE;
        }
        for (Mode mode : values()) {
            if (mode != NONE && mode.name().equalsIgnoreCase(args[0])) {
                return mode;
            }
        }
        return NONE;
    }

    /** {@code relay --help} prints usage like {@code --help} does: it must not start what the mode runs. */
    private static boolean asksForUsage(String... args) {
        for (String arg : args) {
            if (arg.equals("--")) {
                return false;
            }
            if (USAGE_OPTIONS.contains(arg)) {
                return true;
            }
        }
        return false;
    }

    /** Sets each default as a system property unless the user already set it. */
    void applyDefaults() {
        defaults.forEach((key, value) -> {
            if (System.getProperty(key) == null) {
                System.setProperty(key, value);
            }
        });
    }
}
