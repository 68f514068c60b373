package io.mailrelay.operator.render;

import io.mailrelay.operator.naming.DependentNames;
import io.mailrelay.api.SecretKeys;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.mailrelay.api.DkimRecordStatus;
import io.mailrelay.api.DkimSigning;
import io.mailrelay.api.MailRelay;
import io.mailrelay.config.DkimKey;

/**
 * spec.dkim's keys: the Secret each is read from, the one the operator generates when none is named (made once, then
 * kept as it is, like the admin token and the peer credentials), and the DNS record that publishes it.
 */
public final class DkimSecrets {
    private DkimSecrets() {
    }

    public static String secretName(MailRelay relay, DkimSigning signing) {
        return signing.secretName != null ? signing.secretName : DependentNames.dkimSecret(relay, signing.selector);
    }

    /**
     * The generated key's Secret: {@code existing} (ours, found on the cluster) with its data as it is, else a new
     * key of the entry's algorithm. Never regenerated: a key in DNS must not change under it.
     */
    public static Secret generatedSecret(MailRelay relay, DkimSigning signing, Secret existing) {
        String pem = pem(existing);
        if (pem == null) {
            pem = DkimKey.generate(signing.algorithm == DkimSigning.Algorithm.ED25519
                    ? DkimKey.Algorithm.ED25519 : DkimKey.Algorithm.RSA).privateKeyPem();
        }
        return new SecretBuilder()
                .withMetadata(Owned.meta(relay, DependentNames.dkimSecret(relay, signing.selector)))
                .withType("Opaque")
                .withData(existing != null && pem(existing) != null ? existing.getData()
                        : Map.of(SecretKeys.DKIM_PRIVATE_KEY, Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII))))
                .build();
    }

    /** The private key a Secret holds (key private.pem), or null. */
    public static String pem(Secret secret) {
        if (secret == null || secret.getData() == null || secret.getData().get(SecretKeys.DKIM_PRIVATE_KEY) == null) {
            return null;
        }
        String pem = new String(Base64.getDecoder().decode(secret.getData().get(SecretKeys.DKIM_PRIVATE_KEY)), StandardCharsets.US_ASCII);
        return pem.isBlank() ? null : pem;
    }

    /** status.dkim[]: where and what to publish, or why there is nothing to publish yet. */
    public static DkimRecordStatus record(MailRelay relay, DkimSigning signing, Secret secret) {
        DkimRecordStatus status = new DkimRecordStatus();
        status.domain = signing.domain;
        status.selector = signing.selector;
        status.secretName = secretName(relay, signing);
        status.name = DkimKey.dnsName(signing.selector, signing.domain);
        String pem = pem(secret);
        if (pem == null) {
            status.problem = "Secret " + status.secretName + " is missing or has no " + SecretKeys.DKIM_PRIVATE_KEY;
            return status;
        }
        try {
            status.record = DkimKey.parse(pem, "Secret " + status.secretName).dnsRecord();
        } catch (IllegalArgumentException e) {
            status.problem = e.getMessage();
        }
        return status;
    }
}
