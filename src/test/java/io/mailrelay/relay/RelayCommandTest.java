package io.mailrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

@Tag("unit")
class RelayCommandTest {
    @TempDir
    Path dir;

    private int run(StringWriter err, String... args) {
        CommandLine cli = new CommandLine(new RelayCommand());
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    @Test
    void invalidConfigExitsWith2AndNamesTheField() throws Exception {
        Path config = Files.writeString(dir.resolve("relay.yaml"), "outbound: {mode: mx}\nallowedNetworks: [10.0.0.0/33]\n");
        StringWriter err = new StringWriter();
        assertThat(run(err, "--config", config.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("allowedNetworks[0]: \"10.0.0.0/33\" is not a valid CIDR");
    }

    @Test
    void missingConfigFileExitsWith2() {
        StringWriter err = new StringWriter();
        assertThat(run(err, "--config", dir.resolve("absent.yaml").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--config: cannot read");
    }

    @Test
    void unusableSpoolDirectoryExitsWith1AndNamesIt() throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("spool"), "a file where the spool should be");
        Path config = Files.writeString(dir.resolve("relay.yaml"),
                "outbound: {mode: mx}\nspool: {directory: " + notADirectory + "}\n");
        StringWriter err = new StringWriter();
        assertThat(run(err, "--config", config.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("spool.directory: cannot use " + notADirectory);
    }
}
