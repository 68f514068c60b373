package io.mailrelay.probe;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import io.mailrelay.config.HostPort;

/** {@code probe HOST[:PORT]}: runs {@link RelayProbe} and prints the report. */
@Command(name = "probe", mixinStandardHelpOptions = true,
        exitCodeOnInvalidInput = ProbeCommand.EXIT_USAGE,
        description = "Test an SMTP server for open relaying: try to relay to an external domain with the "
                + "classic tricks, from here (outside the server's allow-list). Never sends DATA: no mail leaves.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:CLOSED: every relay attempt was refused (5xx)",
            "1:OPEN: at least one relay attempt was accepted",
            "2:INCONCLUSIVE: no connection, 421, only 4xx, timeouts or errors",
            "64:usage error (bad option or target)" })
public class ProbeCommand implements Callable<Integer> {

    public static final int EXIT_USAGE = 64;

    enum Output { TEXT, JSON }

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "HOST[:PORT]",
            description = "SMTP server to probe; port 25 by default; IPv6 as [::1]:2525")
    String target;

    @Option(names = "--test-domain", paramLabel = "DOMAIN", defaultValue = ProbeOptions.DEFAULT_TEST_DOMAIN,
            description = "external domain for relay recipients and senders, not local to the target "
                    + "(default: ${DEFAULT-VALUE})")
    String testDomain;

    @Option(names = "--source-address", paramLabel = "ADDRESS",
            description = "local address to connect from")
    InetAddress sourceAddress;

    @Option(names = "--connect-timeout", paramLabel = "DURATION", defaultValue = "10s",
            converter = DurationConverter.class, description = "TCP connect timeout (default: ${DEFAULT-VALUE})")
    Duration connectTimeout;

    @Option(names = "--command-timeout", paramLabel = "DURATION", defaultValue = "30s",
            converter = DurationConverter.class, description = "wait for each reply (default: ${DEFAULT-VALUE})")
    Duration commandTimeout;

    @Option(names = "--max-duration", paramLabel = "DURATION", defaultValue = "5m",
            converter = DurationConverter.class, description = "cap on the whole run (default: ${DEFAULT-VALUE})")
    Duration maxDuration;

    @Option(names = "--attempt-timeout", paramLabel = "DURATION", defaultValue = "1m",
            converter = DurationConverter.class,
            description = "cap on one attempt, all its commands (default: ${DEFAULT-VALUE})")
    Duration attemptTimeout;

    @Option(names = "--connections", paramLabel = "COUNT", defaultValue = "" + ProbeOptions.DEFAULT_CONNECTIONS,
            description = "connections running attempts at the same time, 1 to " + ProbeOptions.MAX_CONNECTIONS
                    + " (default: ${DEFAULT-VALUE})")
    int connections;

    @Option(names = "--soft-error-limit", paramLabel = "COUNT",
            defaultValue = "" + ProbeOptions.DEFAULT_SOFT_ERROR_LIMIT,
            description = "open a new connection before one gets this many error replies, to stay under the "
                    + "server's tarpit (Postfix's smtpd_soft_error_limit; default: ${DEFAULT-VALUE})")
    int softErrorLimit;

    @Option(names = "--tls", paramLabel = "MODE", defaultValue = "starttls",
            description = "none, starttls (when offered, the default) or implicit (TLS from the first byte)")
    String tls;

    @Option(names = "--verify-certificate",
            description = "verify the server certificate and host name (off by default)")
    boolean verifyCertificate;

    @Option(names = "--helo", paramLabel = "NAME", description = "name sent with EHLO/HELO (default: the test domain)")
    String helo;

    @Option(names = "--proxy-header", paramLabel = "VERSION",
            description = "send a PROXY protocol header (v1 or v2) first on every connection, claiming "
                    + "--proxy-source: the forged-PROXY vantage (needs --proxy-source)")
    String proxyHeader;

    @Option(names = "--proxy-source", paramLabel = "ADDRESS",
            description = "the client address the PROXY header claims, e.g. one the server allow-lists")
    InetAddress proxySource;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text",
            description = "text or json (default: ${DEFAULT-VALUE})")
    String output;

    @Override
    public Integer call() {
        HostPort probeTarget;
        ProbeOptions options;
        Output format;
        try {
            probeTarget = HostPort.parse(target, HostPort.SMTP_PORT);
            format = choice(Output.class, "--output", output);
            options = new ProbeOptions(testDomain, sourceAddress, connectTimeout, commandTimeout, maxDuration,
                    choice(ConnectTls.class, "--tls", tls), verifyCertificate, helo, connections, softErrorLimit,
                    attemptTimeout, proxyHeader());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        ProbeReport report = RelayProbe.run(probeTarget, options);
        String rendered = format == Output.JSON ? ProbeReportJson.write(report) : ProbeReportText.render(report);
        spec.commandLine().getOut().println(rendered);
        spec.commandLine().getOut().flush();
        return report.exitCode();
    }

    private ProxyHeader proxyHeader() {
        if ((proxyHeader == null) != (proxySource == null)) {
            throw new IllegalArgumentException("--proxy-header and --proxy-source go together");
        }
        return proxyHeader == null ? null : new ProxyHeader(ProxyHeader.version(proxyHeader), proxySource);
    }

    private static <E extends Enum<E>> E choice(Class<E> type, String option, String value) {
        try {
            return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            StringBuilder allowed = new StringBuilder();
            for (E constant : type.getEnumConstants()) {
                allowed.append(allowed.length() == 0 ? "" : ", ").append(constant.name().toLowerCase(Locale.ROOT));
            }
            throw new IllegalArgumentException(option + ": '" + value + "' is not one of " + allowed);
        }
    }
}
