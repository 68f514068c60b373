package io.mailrelay.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * dkimpy's {@code dkimverify} (Debian python3-dkim, an independent DKIM implementation), run as its command runs,
 * with one change: its resolver (dnspython) asks the test's own {@link Dnsmasq} on loopback instead of
 * /etc/resolv.conf, which cannot name a port.
 */
public final class DkimVerify {
    private static final String PYTHON = "/usr/bin/python3";
    private static final String MAIN = """
            import io, sys
            import dns.resolver
            resolver = dns.resolver.Resolver(configure=False)
            resolver.nameservers = ['127.0.0.1']
            resolver.port = int(sys.argv[1])
            dns.resolver.default_resolver = resolver
            sys.stdin = io.TextIOWrapper(open(sys.argv[2], 'rb'))
            sys.argv = ['dkimverify', '--index', sys.argv[3]]
            from dkim.dkimverify import main
            main()
            """;

    private DkimVerify() {
    }

    /** Whether signature number {@code index} (0: the topmost DKIM-Signature) of {@code message} verifies. */
    public static Exec.Result verify(Dnsmasq dns, byte[] message, int index) {
        Exec.requireBinary(PYTHON);
        try {
            Path file = Files.createTempFile("dkim", ".eml");
            try {
                Files.write(file, message);
                return Exec.run(List.of(PYTHON, "-c", MAIN, String.valueOf(dns.address().getPort()), file.toString(),
                        String.valueOf(index)), Map.of(), 60);
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static boolean verifies(Dnsmasq dns, byte[] message, int index) {
        Exec.Result result = verify(dns, message, index);
        return result.exitCode() == 0 && result.stdout().contains("signature ok");
    }
}
