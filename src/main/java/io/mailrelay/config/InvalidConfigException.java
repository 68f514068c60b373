package io.mailrelay.config;

import java.util.List;

/** The configuration cannot be used; each problem names its field, e.g. {@code allowedNetworks[1]: ...}. */
public class InvalidConfigException extends Exception {
    private final List<String> problems;

    public InvalidConfigException(List<String> problems) {
        super("invalid relay configuration:\n  " + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    public InvalidConfigException(String problem) {
        this(List.of(problem));
    }

    public List<String> problems() {
        return problems;
    }
}
