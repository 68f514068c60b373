package io.mailrelay;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.mailrelay.testing.AppProcess;
import io.mailrelay.testing.Exec;

/**
 * {@code <mode> --help} of the packaged application prints the usage alone and exits 0: no start-up
 * log, and no HTTP listener. The HTTP port it would bind is taken by the test first, so a listener that
 * still started would fail the run ("port already bound") instead of passing unseen.
 */
@Tag("unit")
class ModeHelpIT {

    @ParameterizedTest
    @ValueSource(strings = { "relay", "probe", "operator" })
    void modeHelpIsTheUsageAlone(String mode) throws Exception {
        try (ServerSocket httpPortTaken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Exec.Result result = Exec.run(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=" + httpPortTaken.getLocalPort(),
                    "-jar", AppProcess.applicationJar().toString(), mode, "--help"), Map.of(), 120);

            assertThat(result.exitCode()).as(result.toString()).isZero();
            assertThat(result.stdout()).startsWith("Usage: mailrelay " + mode);
            assertThat(result.stdout().lines()).as("only usage lines")
                    .noneMatch(line -> line.contains("INFO") || line.contains("WARN") || line.contains("started in")
                            || line.contains("Listening on"));
            assertThat(result.stderr()).as("nothing but the usage").isEmpty();
        }
    }
}
