package io.mailrelay.operator.check;

import io.mailrelay.api.SecretKeys;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;

import io.fabric8.kubernetes.api.model.Secret;
import io.mailrelay.api.MailRelaySpec;
import io.mailrelay.config.DkimKey;
import io.mailrelay.config.UsersFile;
import io.mailrelay.api.SecretRefs;

/**
 * Checks what the schema cannot: that each Secret the spec names exists and holds the keys the relay
 * reads. Also collects the data of the Secrets whose change must restart the relay.
 */
public final class ReferencedSecrets {

    public static final String SECRET_MISSING = "SecretMissing";
    public static final String SECRET_INVALID = "SecretInvalid";

    private final List<ConfigProblem> problems = new ArrayList<>();

    private ReferencedSecrets() {
    }

    /** @param lookup reads a Secret of the relay's namespace by name, null when absent */
    public static ReferencedSecrets check(MailRelaySpec spec, Function<String, Secret> lookup) {
        ReferencedSecrets result = new ReferencedSecrets();
        if (spec.tls != null) {
            result.require("tls.secretName", lookup.apply(spec.tls.secretName), spec.tls.secretName,
                    "kubernetes.io/tls", "tls.crt", "tls.key");
        }
        if (spec.authentication != null) {
            Secret users = lookup.apply(spec.authentication.usersSecret);
            if (result.require("authentication.usersSecret", users, spec.authentication.usersSecret, null,
                    SecretKeys.USERS)) {
                result.checkUserLines(spec.authentication.usersSecret, users);
            }
        }
        String credentials = SecretRefs.smarthostCredentials(spec);
        if (credentials != null) {
            result.require("outbound.smarthost.credentialsSecret", lookup.apply(credentials), credentials, null,
                    SecretKeys.USERNAME, SecretKeys.PASSWORD);
        }
        for (SecretRefs.RouteSecret route : SecretRefs.routeCredentials(spec)) {
            result.require(route.field(), lookup.apply(route.secretName()), route.secretName(), null,
                    SecretKeys.USERNAME, SecretKeys.PASSWORD);
        }
        for (SecretRefs.RouteSecret client : SecretRefs.clientCertificates(spec)) {
            result.require(client.field(), lookup.apply(client.secretName()), client.secretName(), "kubernetes.io/tls",
                    "tls.crt", "tls.key");
        }
        for (int i = 0; spec.dkim != null && i < spec.dkim.size(); i++) {
            String name = spec.dkim.get(i).secretName;
            Secret key = name == null ? null : lookup.apply(name);
            if (name != null && result.require("dkim[" + i + "].secretName", key, name, null, SecretKeys.DKIM_PRIVATE_KEY)) {
                result.checkDkimKey("dkim[" + i + "].secretName", name, key);
            }
        }
        return result;
    }

    public boolean valid() {
        return problems.isEmpty();
    }

    public List<ConfigProblem> problems() {
        return List.copyOf(problems);
    }

    private boolean require(String field, Secret secret, String name, String type, String... keys) {
        if (secret == null) {
            problems.add(new ConfigProblem(SECRET_MISSING, field + ": Secret " + name + " not found"));
            return false;
        }
        if (type != null && !type.equals(secret.getType())) {
            problems.add(new ConfigProblem(SECRET_INVALID, field + ": Secret " + name + " has type " + secret.getType()
                    + ", expected " + type));
            return false;
        }
        boolean complete = true;
        for (String key : keys) {
            String value = value(secret, key);
            if (value == null || value.isBlank()) {
                problems.add(new ConfigProblem(SECRET_INVALID, field + ": Secret " + name + " has no key '" + key + "'"));
                complete = false;
            }
        }
        return complete;
    }

    private void checkUserLines(String name, Secret secret) {
        try {
            UsersFile.parse(value(secret, SecretKeys.USERS));
        } catch (IllegalArgumentException e) {
            problems.add(new ConfigProblem(SECRET_INVALID, "authentication.usersSecret: Secret " + name
                    + " key 'users' " + e.getMessage()));
        }
    }

    /** The relay's own check (DkimKey): an RSA or Ed25519 PEM private key. */
    private void checkDkimKey(String field, String name, Secret secret) {
        try {
            DkimKey.parse(value(secret, SecretKeys.DKIM_PRIVATE_KEY), "Secret " + name + " key '" + SecretKeys.DKIM_PRIVATE_KEY + "'");
        } catch (IllegalArgumentException e) {
            problems.add(new ConfigProblem(SECRET_INVALID, field + ": " + e.getMessage()));
        }
    }

    private static String value(Secret secret, String key) {
        if (secret.getData() != null && secret.getData().get(key) != null) {
            return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
        }
        return secret.getStringData() == null ? null : secret.getStringData().get(key);
    }
}
