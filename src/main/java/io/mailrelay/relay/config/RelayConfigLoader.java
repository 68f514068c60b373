package io.mailrelay.relay.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import io.mailrelay.config.InvalidConfigException;
import io.mailrelay.config.RelayConfig;
import io.mailrelay.config.RelayConfigRules;
import io.mailrelay.config.RelayYaml;

/**
 * The relay's configuration as it runs: relay.yaml read ({@link RelayYaml}), with its defaults, checked against
 * {@link RelayConfigRules} and, here only, against the files it names ({@link ConfigFiles}).
 */
public final class RelayConfigLoader {

    private RelayConfigLoader() {
    }

    public static RelayConfig load(Path file) throws InvalidConfigException {
        String yaml;
        try {
            yaml = Files.readString(file);
        } catch (IOException e) {
            throw new InvalidConfigException("--config: cannot read " + file + ": " + e.getMessage());
        }
        return parse(yaml);
    }

    public static RelayConfig parse(String yaml) throws InvalidConfigException {
        return parse(yaml, UnaryOperator.identity());
    }

    /**
     * @param mounted where a file that relay.yaml names is found: the path itself in a pod; a directory of its own
     *        for a test that feeds the operator's rendering to this loader
     */
    public static RelayConfig parse(String yaml, UnaryOperator<Path> mounted) throws InvalidConfigException {
        RelayConfig config = RelayYaml.read(yaml).withDefaults();
        List<String> problems = new ArrayList<>(RelayConfigRules.problems(config));
        problems.addAll(ConfigFiles.problems(config, mounted));
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
        return config;
    }
}
