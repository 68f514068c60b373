package io.mailrelay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import picocli.CommandLine;

@Tag("unit")
class MailRelayCommandTest {

    @ParameterizedTest
    @ValueSource(strings = { "operator", "relay", "probe", "queue" })
    void everyModeHasHelp(String mode) {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new MailRelayCommand());
        cli.setOut(new PrintWriter(out));
        int exit = cli.execute(mode, "--help");
        assertThat(exit).isZero();
        assertThat(out.toString()).startsWith("Usage: mailrelay " + mode);
    }

    @Test
    void modeIsChosenByTheFirstArgument() {
        assertThat(Mode.of("relay", "--config", "x")).isEqualTo(Mode.RELAY);
        assertThat(Mode.of("PROBE")).isEqualTo(Mode.PROBE);
        assertThat(Mode.of("operator")).isEqualTo(Mode.OPERATOR);
        assertThat(Mode.of("queue", "list")).as("a client: no HTTP listener of its own").isEqualTo(Mode.QUEUE);
        assertThat(Mode.of("--help")).isEqualTo(Mode.NONE);
        assertThat(Mode.of()).isEqualTo(Mode.NONE);
    }

    @Test
    void usageOfAModeStartsNothingOfIt() {
        assertThat(Mode.of("relay", "--help")).isEqualTo(Mode.NONE);
        assertThat(Mode.of("operator", "-h")).isEqualTo(Mode.NONE);
        assertThat(Mode.of("probe", "mail.example.com:25", "--version")).isEqualTo(Mode.NONE);
        assertThat(Mode.of("probe", "--", "--help")).as("after --, an argument, not an option").isEqualTo(Mode.PROBE);
    }
}
