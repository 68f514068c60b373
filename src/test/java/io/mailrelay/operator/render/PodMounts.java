package io.mailrelay.operator.render;

import io.mailrelay.api.SecretKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.function.UnaryOperator;

import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

import io.mailrelay.relay.RelayFixture;

/**
 * The files a relay pod has mounted (the Secrets {@link PodTemplateFactory} mounts, with valid content), under a
 * directory of the test's own: the relay's loader reads the operator's rendering unchanged, each absolute path it
 * names found below {@link #root}.
 */
public final class PodMounts {
    final Path root;

    public PodMounts(Path root) {
        this.root = root;
        try {
            Path tls = directory(RelayPod.TLS_DIR);
            RelayFixture.selfSignedCertificate(tls, "tls.crt", "tls.key", "relay.test");
            byte[] salt = new byte[16];
            new SecureRandom().nextBytes(salt);
            Files.writeString(directory(RelayPod.AUTH_DIR).resolve(SecretKeys.USERS),
                    "alice:" + OpenBSDBCrypt.generate("2y", "secret".toCharArray(), salt, 4) + "\n");
            Path smarthost = directory(RelayPod.SMARTHOST_DIR);
            Files.writeString(smarthost.resolve(SecretKeys.USERNAME), "relay");
            Files.writeString(smarthost.resolve(SecretKeys.PASSWORD), "pw");
            // the routes' credentials (the examples and random specs have at most a few of each kind)
            copyCertificate(tls, directory(RelayPod.SMARTHOST_CLIENT_DIR));
            for (int i = 0; i < 4; i++) {
                for (String kind : new String[] { "recipient", "sender" }) {
                    Path route = directory(RelayPod.routeDirectory(kind, i));
                    Files.writeString(route.resolve(SecretKeys.USERNAME), kind + "-" + i);
                    Files.writeString(route.resolve(SecretKeys.PASSWORD), "pw");
                    copyCertificate(tls, directory(RelayPod.clientDirectory(kind, i)));
                }
            }
            Files.writeString(directory(RelayPod.ADMIN_DIR).resolve(RelayPod.ADMIN_TOKEN_KEY), "t0ken\n");
            SupportFactory.PeerCredentials peer = SupportFactory.peerCredentials(null);
            Path peerDir = directory(RelayPod.PEER_DIR);
            Files.writeString(peerDir.resolve(SecretKeys.USERS), peer.usersLine());
            Files.writeString(peerDir.resolve(SecretKeys.USERNAME), peer.username());
            Files.writeString(peerDir.resolve(SecretKeys.PASSWORD), peer.password());
            // relayFor.credentials: the <name>-credentials Secret as the operator writes it, one namespace issued
            Path credentials = directory(RelayPod.CREDENTIALS_DIR);
            io.mailrelay.operator.identity.NamespaceCredentials.Outcome issued =
                    new io.mailrelay.operator.identity.NamespaceCredentials.Outcome(java.util.List.of(
                            new io.mailrelay.operator.identity.NamespaceCredentials.Issued("shop", "mailrelay.shop",
                                    SupportFactory.bcrypt("pw"), java.util.List.of("shop.example"))),
                            java.util.Map.of());
            Files.writeString(credentials.resolve(SecretKeys.USERS), issued.usersFile());
            Files.writeString(credentials.resolve(RelayPod.LOGIN_MAPS_KEY), issued.loginMaps());
            // spec.dkim[i]'s keys (the examples have at most a few): RSA and Ed25519 alternately
            for (int i = 0; i < 4; i++) {
                Files.writeString(directory(RelayPod.DKIM_DIR + "/" + i).resolve(SecretKeys.DKIM_PRIVATE_KEY),
                        io.mailrelay.config.DkimKey.generate(i % 2 == 0 ? io.mailrelay.config.DkimKey.Algorithm.RSA
                                : io.mailrelay.config.DkimKey.Algorithm.ED25519).privateKeyPem());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copyCertificate(Path from, Path to) throws IOException {
        Files.copy(from.resolve("tls.crt"), to.resolve("tls.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(from.resolve("tls.key"), to.resolve("tls.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** For {@code RelayConfigLoader.parse(yaml, mounts.resolver())}. */
    public UnaryOperator<Path> resolver() {
        return path -> path.isAbsolute() ? root.resolve(path.toString().substring(1)) : path;
    }

    private Path directory(String podPath) throws IOException {
        return Files.createDirectories(root.resolve(podPath.substring(1)));
    }
}
