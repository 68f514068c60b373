package io.mailrelay.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A real Postfix instance of its own (config, queue and log directories under a temp dir) listening on
 * a loopback port, with a main.cf written by the test. Only loopback: it never does DNS, and mail it
 * relays goes to the {@code relayhost} the test sets (typically an {@link SmtpSink}).
 *
 * <pre>
 * try (PostfixInstance postfix = PostfixInstance.builder()
 *         .set("mynetworks", "127.0.0.1/32")
 *         .set("smtpd_relay_restrictions", "permit_mynetworks, reject_unauth_destination")
 *         .relayTo(sink.host(), sink.port())
 *         .start()) { ... }
 * </pre>
 */
public final class PostfixInstance implements AutoCloseable {

    private static final String POSTFIX = "/usr/sbin/postfix";

    private final Path base;
    private final Path configDir;
    private final String host;
    private final int port;
    private boolean running;

    private PostfixInstance(Path base, String host, int port) {
        this.base = base;
        this.configDir = base.resolve("etc");
        this.host = host;
        this.port = port;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** Postfix's own log of this instance (maillog_file). */
    public String log() {
        try {
            Path log = base.resolve("maillog");
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Asks the queue manager to retry deferred mail now. */
    public void flush() {
        Exec.run(List.of(POSTFIX, "-c", configDir.toString(), "flush"), Map.of(), 60).assertSuccess();
    }

    @Override
    public void close() {
        if (running) {
            running = false;
            Exec.run(List.of(POSTFIX, "-c", configDir.toString(), "abort"), Map.of(), 60);
        }
    }

    public static final class Builder {
        private final Map<String, String> settings = new LinkedHashMap<>();
        private String host = "127.0.0.1";
        private int port;

        private Builder() {
        }

        /** A main.cf parameter, e.g. set("mynetworks", "127.0.0.1/32"). */
        public Builder set(String parameter, String value) {
            settings.put(parameter, value);
            return this;
        }

        public Builder listen(String host, int port) {
            this.host = host;
            this.port = port;
            return this;
        }

        /** The certificate and key smtpd presents (STARTTLS, or the whole session with smtpd_tls_wrappermode). */
        public Builder serverCertificate(java.nio.file.Path certificate, java.nio.file.Path key) {
            return set("smtpd_tls_cert_file", certificate.toString()).set("smtpd_tls_key_file", key.toString());
        }

        /** Relays all non-local mail to host:port without MX lookup. */
        public Builder relayTo(String relayHost, int relayPort) {
            return set("relayhost", "[" + relayHost + "]:" + relayPort);
        }

        public PostfixInstance start() {
            Exec.requireBinary(POSTFIX);
            try {
                Path base = Files.createTempDirectory("postfix");
                int listenPort = port == 0 ? FreePort.pick() : port;
                PostfixInstance instance = new PostfixInstance(base, host, listenPort);
                Files.createDirectories(instance.configDir);
                // Postfix's daemons run as the postfix user: they must reach the queue and own the data dir
                Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
                Files.createDirectories(base.resolve("queue"));
                Path data = Files.createDirectories(base.resolve("data"));
                UserPrincipalLookupService users = base.getFileSystem().getUserPrincipalLookupService();
                Files.setOwner(data, users.lookupPrincipalByName("postfix"));
                Files.writeString(instance.configDir.resolve("main.cf"), mainCf(base, listenPort));
                Files.writeString(instance.configDir.resolve("master.cf"), masterCf(host, listenPort));
                Exec.Result started = Exec.run(List.of(POSTFIX, "-c", instance.configDir.toString(), "start"),
                        Map.of(), 120);
                if (started.exitCode() != 0) {
                    // postfix reports fatal errors to its log, not to a non-terminal stderr
                    throw new IllegalStateException("postfix did not start:\n" + instance.log());
                }
                instance.running = true;
                FreePort.awaitListening(host, listenPort, Duration.ofSeconds(30), null);
                return instance;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private String mainCf(Path base, int listenPort) {
            Map<String, String> cf = new LinkedHashMap<>();
            cf.put("compatibility_level", "3.6");
            cf.put("queue_directory", base.resolve("queue").toString());
            cf.put("data_directory", base.resolve("data").toString());
            cf.put("maillog_file", base.resolve("maillog").toString());
            cf.put("maillog_file_prefixes", base.toString());
            cf.put("syslog_name", "postfix-test-" + listenPort);
            cf.put("mail_owner", "postfix");
            cf.put("setgid_group", "postdrop");
            cf.put("myhostname", "postfix.test");
            cf.put("mydomain", "postfix.test");
            cf.put("myorigin", "$myhostname");
            cf.put("mydestination", "");
            cf.put("inet_interfaces", "127.0.0.1");
            cf.put("inet_protocols", "ipv4");
            cf.put("mynetworks", "127.0.0.1/32");
            cf.put("alias_maps", "");
            cf.put("alias_database", "");
            cf.put("local_recipient_maps", "");
            cf.put("biff", "no");
            cf.put("smtpd_banner", "$myhostname ESMTP");
            // loopback only: no DNS, quick retries for tests
            cf.put("smtp_dns_support_level", "disabled");
            cf.put("smtp_host_lookup", "native");
            cf.put("queue_run_delay", "1s");
            cf.put("minimal_backoff_time", "1s");
            cf.put("maximal_backoff_time", "2s");
            cf.put("smtpd_error_sleep_time", "0");
            cf.put("smtpd_soft_error_limit", "100");
            cf.put("smtpd_hard_error_limit", "200");
            cf.putAll(settings);
            StringBuilder text = new StringBuilder("# written by PostfixInstance for a test\n");
            cf.forEach((k, v) -> text.append(k).append(" = ").append(v).append('\n'));
            return text.toString();
        }

        /** Debian's master.cf without chroot (no copied /etc in the queue) and with our own listener. */
        private static String masterCf(String host, int listenPort) throws IOException {
            List<String> out = new ArrayList<>();
            out.add(host + ":" + listenPort + " inet n - n - - smtpd");
            for (String line : Files.readAllLines(Path.of("/etc/postfix/master.cf"))) {
                if (line.isBlank() || line.startsWith("#") || Character.isWhitespace(line.charAt(0))) {
                    if (!line.isBlank() && Character.isWhitespace(line.charAt(0)) && !out.isEmpty()
                            && out.get(out.size() - 1).startsWith("#")) {
                        continue; // continuation of a service we dropped
                    }
                    out.add(line);
                    continue;
                }
                String[] fields = line.trim().split("\\s+", 8);
                if (fields.length < 8 || fields[1].equals("inet")) {
                    out.add("#" + line);
                    continue;
                }
                fields[4] = "n";
                out.add(String.join(" ", fields));
            }
            return String.join("\n", out) + "\n";
        }
    }
}
