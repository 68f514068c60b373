package io.mailrelay.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Debian's swaks, the Swiss army knife for SMTP, as a test client. */
public final class Swaks {
    private static final String SWAKS = "/usr/bin/swaks";

    private Swaks() {
    }

    /** Runs swaks against host:port with the given extra arguments (e.g. "--from", "a@b", "--to", "c@d"). */
    public static Exec.Result send(String host, int port, String... args) {
        Exec.requireBinary(SWAKS);
        List<String> command = new ArrayList<>(List.of(SWAKS, "--server", host, "--port", String.valueOf(port),
                "--timeout", "20", "--helo", "client.test"));
        command.addAll(List.of(args));
        return Exec.run(command, Map.of(), 60);
    }
}
