package io.mailrelay.relay.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import io.mailrelay.config.Dkim;
import io.mailrelay.config.DkimKey;
import io.mailrelay.config.RelayConfig;
import io.mailrelay.relay.admin.AdminTokenFile;
import io.mailrelay.relay.auth.PasswordFile;
import io.mailrelay.relay.auth.SenderLoginUsers;
import io.mailrelay.relay.tls.PemCredentials;

/** The files relay.yaml names (mounted Secrets): each must exist, be readable and parse. */
final class ConfigFiles {
    private final List<String> problems = new ArrayList<>();
    private final UnaryOperator<Path> mounted;

    private ConfigFiles(UnaryOperator<Path> mounted) {
        this.mounted = mounted;
    }

    /**
     * @param config with its defaults; fields left out are checked by {@code RelayConfigRules}, not here
     * @param mounted where each named file is found (see {@link RelayConfigLoader#parse(String, UnaryOperator)})
     */
    static List<String> problems(RelayConfig config, UnaryOperator<Path> mounted) {
        ConfigFiles files = new ConfigFiles(mounted);
        files.check(config);
        return files.problems;
    }

    private void check(RelayConfig config) {
        if (config.authentication() != null) {
            usersFile("authentication.usersFile", config.authentication().usersFile());
        }
        RelayConfig.Tls tls = config.tls();
        if (tls != null && readable("tls.certificateFile", tls.certificateFile())
                & readable("tls.keyFile", tls.keyFile())) {
            try {
                PemCredentials.load(mounted.apply(tls.certificateFile()), mounted.apply(tls.keyFile()));
            } catch (IOException | IllegalArgumentException e) {
                problem("tls", e.getMessage());
            }
        }
        RelayConfig.Outbound outbound = config.outbound();
        if (outbound != null) {
            smarthostFiles("outbound.smarthost", outbound.smarthost());
            for (int i = 0; i < outbound.recipientRoutes().size(); i++) {
                RelayConfig.Route route = outbound.recipientRoutes().get(i);
                smarthostFiles("outbound.recipientRoutes[" + i + "].smarthost", route == null ? null : route.smarthost());
            }
            for (int i = 0; i < outbound.senderRoutes().size(); i++) {
                RelayConfig.Route route = outbound.senderRoutes().get(i);
                smarthostFiles("outbound.senderRoutes[" + i + "].smarthost", route == null ? null : route.smarthost());
            }
        }
        Path token = config.admin().tokenFile();
        if (token != null && readable("admin.tokenFile", token)) {
            try {
                AdminTokenFile.read(mounted.apply(token));
            } catch (IOException | IllegalArgumentException e) {
                problem("admin.tokenFile", token + ": " + e.getMessage());
            }
        }
        RelayConfig.HandOff handOff = config.handOff();
        if (handOff != null) {
            usersFile("handOff.usersFile", handOff.usersFile());
            readable("handOff.usernameFile", handOff.usernameFile());
            readable("handOff.passwordFile", handOff.passwordFile());
        }
        RelayConfig.SenderLogins logins = config.senderLogins();
        if (logins != null && readable("senderLogins.usersFile", logins.usersFile())
                & readable("senderLogins.loginMapsFile", logins.loginMapsFile())) {
            try {
                SenderLoginUsers.load(mounted.apply(logins.usersFile()), mounted.apply(logins.loginMapsFile()));
            } catch (IOException | IllegalArgumentException e) {
                problem("senderLogins", e.getMessage());
            }
        }
        if (config.dkim() != null) {
            for (int i = 0; i < config.dkim().domains().size(); i++) {
                Dkim.SigningDomain signing = config.dkim().domains().get(i);
                String field = "dkim.domains[" + i + "].keyFile";
                if (signing != null && readable(field, signing.keyFile())) {
                    try {
                        DkimKey.parse(Files.readString(mounted.apply(signing.keyFile())), signing.keyFile().toString());
                    } catch (IOException | IllegalArgumentException e) {
                        problem(field, e.getMessage());
                    }
                }
            }
        }
    }

    private void smarthostFiles(String field, RelayConfig.Smarthost smarthost) {
        if (smarthost != null) {
            optional(field + ".trustedCaFile", smarthost.trustedCaFile());
            optional(field + ".usernameFile", smarthost.usernameFile());
            optional(field + ".passwordFile", smarthost.passwordFile());
            if (smarthost.clientCertificateFile() != null && smarthost.clientKeyFile() != null
                    && readable(field + ".clientCertificateFile", smarthost.clientCertificateFile())
                    & readable(field + ".clientKeyFile", smarthost.clientKeyFile())) {
                try {
                    PemCredentials.load(mounted.apply(smarthost.clientCertificateFile()),
                            mounted.apply(smarthost.clientKeyFile()));
                } catch (IOException | IllegalArgumentException e) {
                    problem(field + ".clientCertificateFile", e.getMessage());
                }
            }
        }
    }

    /** A users file that exists and parses (PasswordFile's format). */
    private void usersFile(String field, Path file) {
        if (readable(field, file)) {
            try {
                PasswordFile.load(mounted.apply(file));
            } catch (IOException | IllegalArgumentException e) {
                problem(field, file + ": " + e.getMessage());
            }
        }
    }

    private void optional(String field, Path file) {
        if (file != null) {
            readable(field, file);
        }
    }

    /** False for an absent field too: the rules report that one. */
    private boolean readable(String field, Path file) {
        if (file == null) {
            return false;
        }
        if (!Files.isRegularFile(mounted.apply(file))) {
            problem(field, file + " does not exist or is not a file");
            return false;
        }
        if (!Files.isReadable(mounted.apply(file))) {
            problem(field, file + " is not readable");
            return false;
        }
        return true;
    }

    private void problem(String field, String message) {
        problems.add(field + ": " + message);
    }
}
