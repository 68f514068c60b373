package io.mailrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.mailrelay.testing.CapturedLog;
import io.mailrelay.testing.Exec;

/**
 * The most common relay tester, nmap's {@code smtp-open-relay} script (Debian's nmap), against the relay
 * with the default limits: its 16 relay tricks in one session, from a client outside the allowed
 * networks. It must run them all (the error budget must not end the session first) and find none
 * working. {@code -n -Pn} and a loopback target: nmap makes no DNS lookup and probes nothing else.
 */
@Tag("smtp")
class NmapOpenRelaySmtpTest {
    private static final String NMAP = "/usr/bin/nmap";
    /** The address nmap's tricks write into the envelope, e.g. {@code relaytest%nmap.test@[127.0.0.7]}. */
    private static final String TRICK_ADDRESS = "127.0.0.7";

    @Test
    void smtpOpenRelayFindsEveryTestFailedWithTheDefaultLimits() {
        Exec.requireBinary(NMAP);
        try (RelayFixture relay = RelayFixture.start(); CapturedLog log = CapturedLog.of("io.mailrelay.relay.rejected")) {
            Exec.Result nmap = Exec.run(List.of(NMAP, "-n", "-Pn", "-sT", "-p", String.valueOf(relay.port()),
                    // "+": run although the port is not 25/465/587, where the script's port rule looks
                    "--script", "+smtp-open-relay",
                    "--script-args", "smtp-open-relay.domain=nmap.test,smtp-open-relay.ip=" + TRICK_ADDRESS,
                    "127.0.0.1"), Map.of(), 300).assertSuccess();
            assertThat(nmap.stdout()).contains("|_smtp-open-relay: Server doesn't seem to be an open relay, all tests failed");
            // the verdict is given only when no command failed to be sent: each trick had its RCPT refused
            assertThat(log.lines()).filteredOn(line -> line.contains("client=127.0.0.1 ")).hasSize(16)
                    .allMatch(line -> line.contains("to=<") || line.contains("command=\"RCPT TO:"));
        }
    }
}
