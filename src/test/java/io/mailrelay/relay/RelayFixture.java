package io.mailrelay.relay;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

import io.mailrelay.relay.config.InvalidConfigException;
import io.mailrelay.relay.config.RelayConfigLoader;
import io.mailrelay.testing.Exec;
import io.mailrelay.testing.FreePort;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * A real relay on a loopback port for tests: 127.0.0.2 is the allowed network, local.test the local
 * domain, alice/secret the user, STARTTLS with a self-signed certificate made by openssl.
 */
public final class RelayFixture implements AutoCloseable {
    public static final String ALLOWED_CLIENT = "127.0.0.2";
    public static final String OUTSIDE_CLIENT = "127.0.0.3";
    public static final String USER = "alice";
    public static final String PASSWORD = "s3cret-Pa55";

    public final Path dir;
    public final InMemorySpool spool = new InMemorySpool();
    public final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    public final RelayServer server;

    private RelayFixture(Path dir, String yaml) throws IOException, InvalidConfigException, InterruptedException {
        this.dir = dir;
        Path config = dir.resolve("relay.yaml");
        Files.writeString(config, yaml);
        this.server = new RelayServer(RelayConfigLoader.load(config), spool, registry).start();
    }

    /** Starts a relay whose config is the standard one followed by {@code extraYaml} (e.g. a limits section). */
    public static RelayFixture start(String extraYaml) {
        try {
            Path dir = Files.createTempDirectory("relay-test");
            selfSignedCertificate(dir, "tls.crt", "tls.key", "relay.test");
            Files.writeString(dir.resolve("users"), USER + ":" + OpenBSDBCrypt.generate("2y", PASSWORD.toCharArray(),
                    new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 }, 4) + "\n");
            String yaml = """
                    server:
                      listenAddress: 127.0.0.1
                      port: %d
                      hostname: relay.test
                    allowedNetworks: [127.0.0.2/32]
                    localDomains:
                      - domain: local.test
                        deliverTo: "mail.local.test:25"
                    authentication:
                      usersFile: %s
                    tls:
                      certificateFile: %s
                      keyFile: %s
                    outbound:
                      mode: smarthost
                      smarthost:
                        host: smarthost.test
                    spool:
                      directory: %s
                    """.formatted(FreePort.pick(), dir.resolve("users"), dir.resolve("tls.crt"), dir.resolve("tls.key"),
                    dir.resolve("spool")) + extraYaml;
            return new RelayFixture(dir, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InvalidConfigException e) {
            throw new IllegalStateException(e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static RelayFixture start() {
        return start("");
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

    @Override
    public void close() {
        server.close();
    }
}
