package io.mailrelay.relay;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executor;
import java.util.function.UnaryOperator;

import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

import io.mailrelay.config.InvalidConfigException;
import io.mailrelay.config.RelayConfig;
import io.mailrelay.relay.config.RelayConfigLoader;
import io.mailrelay.relay.spool.FileMessageSpool;
import io.mailrelay.testing.Exec;
import io.mailrelay.testing.FreePort;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * A real relay on a loopback port for tests: 127.0.0.2 is the allowed network, local.test the local
 * domain (any recipient: recipientCheck none, so no callout to its made-up deliverTo), alice/secret the
 * user, STARTTLS with a self-signed certificate made by openssl.
 */
public final class RelayFixture implements AutoCloseable {
    public static final String ALLOWED_CLIENT = "127.0.0.2";
    public static final String OUTSIDE_CLIENT = "127.0.0.3";
    public static final String USER = "alice";
    public static final String PASSWORD = "s3cret-Pa55";

    public final Path dir;
    /** The spool the server writes to unless the builder asked for {@link Builder#fileSpool()}. */
    public final InMemorySpool spool = new InMemorySpool();
    /** The durable spool under {@code dir/spool}, when the builder asked for it; else null. */
    public final FileMessageSpool fileSpool;
    public final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    public final RelayServer server;

    private RelayFixture(Path dir, String yaml, boolean durableSpool, UnaryOperator<Executor> authAccess)
            throws IOException, InvalidConfigException, InterruptedException {
        this.dir = dir;
        Path config = dir.resolve("relay.yaml");
        Files.writeString(config, yaml);
        RelayConfig relayConfig = RelayConfigLoader.load(config);
        this.fileSpool = durableSpool ? new FileMessageSpool(relayConfig.spool().directory()) : null;
        this.server = new RelayServer(relayConfig, durableSpool ? fileSpool : spool, registry, authAccess).start();
    }

    /** Starts a relay whose config is the standard one followed by {@code extraYaml} (e.g. a limits section). */
    public static RelayFixture start(String extraYaml) {
        return builder().extraYaml(extraYaml).start();
    }

    public static RelayFixture start() {
        return start("");
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The standard configuration with parts replaced; unset parts keep the defaults described above. */
    public static final class Builder {
        private final Path dir;
        private String serverYaml = "";
        private String allowedNetworks = "[127.0.0.2/32]";
        private Path certificateFile;
        private Path keyFile;
        private String tlsReloadInterval = "30s";
        private Path usersFile;
        private String usersReloadInterval = "30s";
        private String extraYaml = "";
        private UnaryOperator<Executor> authAccess = UnaryOperator.identity();
        private boolean fileSpool;
        private String spoolYaml = "";
        private int port;

        private Builder() {
            try {
                dir = Files.createTempDirectory("relay-test");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The fixture's temporary directory, where the test may prepare files before {@link #start()}. */
        public Path dir() {
            return dir;
        }

        /** Extra lines of the {@code server:} section, e.g. {@code "proxyProtocol: true"}. */
        public Builder server(String lines) {
            this.serverYaml = lines.lines().map(line -> "  " + line + "\n").reduce("", String::concat);
            return this;
        }

        /** A YAML flow list such as {@code [127.0.0.2/32, 198.51.100.0/24]}. */
        public Builder allowedNetworks(String flowList) {
            this.allowedNetworks = flowList;
            return this;
        }

        public Builder tls(Path certificate, Path key, String reloadInterval) {
            this.certificateFile = certificate;
            this.keyFile = key;
            this.tlsReloadInterval = reloadInterval;
            return this;
        }

        public Builder usersFile(Path file) {
            this.usersFile = file;
            return this;
        }

        public Builder usersFile(Path file, String reloadInterval) {
            this.usersReloadInterval = reloadInterval;
            return usersFile(file);
        }

        public Builder extraYaml(String yaml) {
            this.extraYaml = yaml;
            return this;
        }

        /** Wraps the relay's auth pool, e.g. with {@link HeldPasswordChecks}. */
        public Builder authAccess(UnaryOperator<Executor> access) {
            this.authAccess = access;
            return this;
        }

        /** Extra lines of the {@code spool:} section, e.g. {@code "minFreeSpace: 100Mi"}. */
        public Builder spool(String lines) {
            this.spoolYaml = lines.lines().map(line -> "  " + line + "\n").reduce("", String::concat);
            return this;
        }

        /** The SMTP port (default: a free one). */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** The server writes to a real {@link FileMessageSpool} under {@code dir/spool} instead of memory. */
        public Builder fileSpool() {
            this.fileSpool = true;
            return this;
        }

        public RelayFixture start() {
            try {
                if (certificateFile == null) {
                    selfSignedCertificate(dir, "tls.crt", "tls.key", "relay.test");
                    certificateFile = dir.resolve("tls.crt");
                    keyFile = dir.resolve("tls.key");
                }
                if (usersFile == null) {
                    usersFile = dir.resolve("users");
                    Files.writeString(usersFile, userLine(USER, PASSWORD));
                }
                String yaml = """
                        server:
                          listenAddress: 127.0.0.1
                          port: %d
                          hostname: relay.test
                        %sallowedNetworks: %s
                        localDomains:
                          - domain: local.test
                            deliverTo: "mail.local.test:25"
                            recipientCheck: none
                        authentication:
                          usersFile: %s
                          reloadInterval: %s
                        tls:
                          certificateFile: %s
                          keyFile: %s
                          reloadInterval: %s
                        outbound:
                          mode: smarthost
                          smarthost:
                            host: smarthost.test
                        spool:
                          directory: %s
                        %s""".formatted(port > 0 ? port : FreePort.pick(), serverYaml, allowedNetworks, usersFile, usersReloadInterval, certificateFile, keyFile,
                        tlsReloadInterval, dir.resolve("spool"), spoolYaml) + extraYaml;
                return new RelayFixture(dir, yaml, fileSpool, authAccess);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InvalidConfigException e) {
                throw new IllegalStateException(e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** A users-file line with a bcrypt hash (cost 4: fast enough for tests). */
    public static String userLine(String user, String password) {
        return userLine(user, password, 4);
    }

    /** A users-file line with a bcrypt hash of the given cost (each step doubles the time to check it). */
    public static String userLine(String user, String password, int cost) {
        return user + ":" + OpenBSDBCrypt.generate("2y", password.toCharArray(),
                new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 }, cost) + "\n";
    }

    public static void selfSignedCertificate(Path dir, String certName, String keyName, String commonName) {
        Exec.run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=" + commonName, "-keyout", dir.resolve(keyName).toString(),
                "-out", dir.resolve(certName).toString()).assertSuccess();
    }

    public int port() {
        return server.port();
    }

    public RawSmtp connect(String from) {
        RawSmtp smtp = RawSmtp.connect(from, port());
        String greeting = smtp.reply();
        if (greeting == null || !greeting.startsWith("220 ")) {
            throw new AssertionError("expected a 220 greeting, got " + greeting);
        }
        return smtp;
    }

    /** Connects, says EHLO and upgrades with STARTTLS; AUTH is then on offer. */
    public RawSmtp connectOverTls(String from) {
        RawSmtp smtp = connect(from);
        smtp.command("EHLO client.test");
        String reply = smtp.command("STARTTLS");
        if (!reply.startsWith("220")) {
            throw new AssertionError("STARTTLS refused: " + reply);
        }
        smtp.startTls();
        smtp.command("EHLO client.test");
        return smtp;
    }

    /** The AUTH PLAIN initial response for user and password. */
    public static String plain(String user, String password) {
        return java.util.Base64.getEncoder().encodeToString(("\0" + user + "\0" + password)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        server.close();
    }
}
