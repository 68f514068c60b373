package io.mailrelay.operator.render;

import io.mailrelay.operator.naming.RelayLabels;
import io.mailrelay.operator.naming.DependentNames;
import io.mailrelay.api.SecretKeys;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.mailrelay.api.MailRelay;

/**
 * The small objects around the workload: relay.yaml, the admin token, the hand-off credentials, the pods' identity,
 * the disruption budget.
 */
public final class SupportFactory {

    private static final SecureRandom RANDOM = new SecureRandom();

    private SupportFactory() {
    }

    public static ConfigMap configMap(MailRelay relay, String relayYaml) {
        return new ConfigMapBuilder()
                .withMetadata(Owned.meta(relay, DependentNames.configMap(relay)))
                .withData(Map.of(RelayPod.CONFIG_KEY, relayYaml))
                .build();
    }

    /** The relay never talks to the API server: its own identity, with no token mounted. */
    public static ServiceAccount serviceAccount(MailRelay relay) {
        return new ServiceAccountBuilder()
                .withMetadata(Owned.meta(relay, DependentNames.serviceAccount(relay)))
                .withAutomountServiceAccountToken(false)
                .build();
    }

    /**
     * The admin endpoint's token (docs/relay.md, "Admin endpoint"): made once, then kept, so a reconciliation
     * never rotates it under a running CLI or the operator's own status reader.
     */
    public static Secret adminSecret(MailRelay relay, String token) {
        return new SecretBuilder()
                .withMetadata(Owned.meta(relay, DependentNames.adminSecret(relay)))
                .withType("Opaque")
                .withData(Map.of(RelayPod.ADMIN_TOKEN_KEY, base64(token)))
                .build();
    }

    /** The token an existing admin Secret holds, else a new random one (256 bits). */
    public static String adminToken(Secret existing) {
        if (existing != null && existing.getData() != null && existing.getData().get(RelayPod.ADMIN_TOKEN_KEY) != null) {
            String token = new String(Base64.getDecoder().decode(existing.getData().get(RelayPod.ADMIN_TOKEN_KEY)),
                    StandardCharsets.UTF_8).strip();
            if (!token.isEmpty()) {
                return token;
            }
        }
        return randomToken();
    }

    /**
     * Replica-to-replica hand-off credentials (relay.yaml {@code handOff}): the user and password a pod forwards its
     * queue with, and the users-file line (bcrypt) every pod accepts them by.
     */
    public record PeerCredentials(String username, String password, String usersLine) {
        @Override
        public String toString() {
            return "PeerCredentials[username=" + username + ", password=***]";
        }
    }

    /** The peer user's name: a name no users file of a MailRelay is likely to have (the peer's file is its own). */
    static final String PEER_USER = "mailrelay-peer";

    /**
     * The {@code <name>-peer} Secret: made once, then kept (a new password would have to reach every pod at once,
     * or a hand-off in progress would be refused).
     */
    public static Secret peerSecret(MailRelay relay, PeerCredentials credentials) {
        return new SecretBuilder()
                .withMetadata(Owned.meta(relay, DependentNames.peerSecret(relay)))
                .withType("Opaque")
                .withData(Map.of(SecretKeys.USERNAME, base64(credentials.username()),
                        SecretKeys.PASSWORD, base64(credentials.password()),
                        SecretKeys.USERS, base64(credentials.usersLine())))
                .build();
    }

    /** What an existing peer Secret holds, else new credentials (a random 256-bit password, bcrypt cost 5). */
    public static PeerCredentials peerCredentials(Secret existing) {
        if (existing != null && existing.getData() != null) {
            String username = decoded(existing, SecretKeys.USERNAME);
            String password = decoded(existing, SecretKeys.PASSWORD);
            String users = decoded(existing, SecretKeys.USERS);
            if (username != null && password != null && users != null) {
                return new PeerCredentials(username, password, users);
            }
        }
        String password = randomToken();
        String hash = bcrypt(password);
        return new PeerCredentials(PEER_USER, password, PEER_USER + ":" + hash + "\n");
    }

    /**
     * The users-file hash of a random password the operator made: a random 256-bit password needs no work factor
     * against guessing, so the cheapest cost (5) keeps AUTH cheap.
     */
    public static String bcrypt(String randomPassword) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return OpenBSDBCrypt.generate("2y", randomPassword.toCharArray(), salt, 5);
    }

    /** A key of a Secret's data, decoded; null when absent or blank. */
    public static String decoded(Secret secret, String key) {
        if (secret.getData() == null) {
            return null;
        }
        String value = secret.getData().get(key);
        if (value == null) {
            return null;
        }
        String text = new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
        return text.isBlank() ? null : text;
    }

    public static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** 256 random bits, URL-safe base64. */
    public static String randomToken() {
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    /**
     * The {@code <name>-credentials} Secret (relay.yaml {@code senderLogins}): the users file and login map of the
     * per-namespace credentials ({@code NamespaceCredentials}), rewritten whenever a namespace gets or loses one.
     */
    public static Secret credentialsSecret(MailRelay relay, String usersFile, String loginMaps) {
        return new SecretBuilder()
                .withMetadata(Owned.meta(relay, DependentNames.credentialsSecret(relay)))
                .withType("Opaque")
                .withData(Map.of(SecretKeys.USERS, base64(usersFile), RelayPod.LOGIN_MAPS_KEY, base64(loginMaps)))
                .build();
    }

    /** Only with more than one replica: a budget over a single pod would block every node drain. */
    public static boolean needsDisruptionBudget(MailRelay relay) {
        return WorkloadFactory.replicas(relay) > 1;
    }

    public static PodDisruptionBudget podDisruptionBudget(MailRelay relay) {
        return new PodDisruptionBudgetBuilder()
                .withMetadata(Owned.meta(relay, relay.getMetadata().getName()))
                .withNewSpec()
                    .withMaxUnavailable(new IntOrString(1))
                    .withNewSelector().withMatchLabels(RelayLabels.selector(relay)).endSelector()
                .endSpec()
                .build();
    }
}
