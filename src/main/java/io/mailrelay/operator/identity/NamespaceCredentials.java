package io.mailrelay.operator.identity;

import java.net.HttpURLConnection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.SecretKeys;
import io.mailrelay.api.RelayForCredentials;
import io.mailrelay.config.SenderLoginMaps;
import io.mailrelay.config.UsersFile;
import io.mailrelay.operator.OperatorSettings;
import io.mailrelay.operator.PrunedItemStore;
import io.mailrelay.operator.naming.RelayLabels;
import io.mailrelay.operator.render.RelayPod;
import io.mailrelay.operator.render.SupportFactory;

/**
 * relayFor.credentials: in each selected namespace a Secret with SMTP credentials of that namespace (username,
 * password, host, port), and for the relay the users file and login map (relay.yaml {@code senderLogins}) that let
 * exactly those credentials relay, each with its own sender domains. Owner references cannot cross namespaces, so the
 * namespace Secrets carry labels naming their MailRelay; they are deleted when their namespace is deselected and, by
 * the MailRelay's finalizer, when the MailRelay is deleted. A namespace that is gone, terminating or out of the
 * operator's reach gets no credential, and its user leaves the relay's users file.
 */
public final class NamespaceCredentials {
    private static final Logger LOG = Logger.getLogger(NamespaceCredentials.class);

    /** On the MailRelay: a new value rotates every namespace's password. */
    public static final String ROTATE_ANNOTATION = "mailrelay.io/rotate-credentials";
    /** On a namespace Secret: the rotate-credentials value its password was made for. */
    static final String ROTATED_FOR_ANNOTATION = "mailrelay.io/rotated-for";
    public static final String RELAY_NAME_LABEL = "mailrelay.io/relay-name";
    public static final String RELAY_NAMESPACE_LABEL = "mailrelay.io/relay-namespace";
    /** Keys of the namespace Secret: what an application needs. */
    public static final String HOST_KEY = "host";
    public static final String PORT_KEY = "port";
    public static final String STARTTLS_KEY = "starttls";
    public static final String SENDER_DOMAINS_KEY = "senderDomains";

    /** One namespace's credential as the relay is to know it. */
    public record Issued(String namespace, String username, String hash, List<String> senderDomains) {
    }

    /**
     * @param issued the namespaces holding a credential now
     * @param notIssued namespace → why it holds none
     */
    public record Outcome(List<Issued> issued, Map<String, String> notIssued) {
        /** The relay's users file: a {@code user:<bcrypt>} line per issued credential (may be empty). */
        public String usersFile() {
            StringBuilder text = new StringBuilder("# per-namespace credentials (relayFor.credentials)\n");
            issued.forEach(credential -> text.append(UsersFile.line(credential.username(), credential.hash())).append('\n'));
            return text.toString();
        }

        /** The relay's login map: each credential owns its sender domains. */
        public String loginMaps() {
            StringBuilder text = new StringBuilder("# smtpd_sender_login_maps: sender domain -> the logins that own it\n");
            Map<String, Set<String>> owners = new LinkedHashMap<>();
            issued.forEach(credential -> credential.senderDomains().forEach(domain -> owners
                    .computeIfAbsent(domain.toLowerCase(java.util.Locale.ROOT), d -> new TreeSet<>())
                    .add(credential.username())));
            owners.forEach((domain, logins) -> text.append(SenderLoginMaps.domainLine(domain, logins)).append('\n'));
            return text.toString();
        }
    }

    private NamespaceCredentials() {
    }

    public static boolean enabled(MailRelay relay) {
        return relay.getSpec().relayFor != null && relay.getSpec().relayFor.credentials != null;
    }

    /** The login of a namespace's credential; a name with a dot, so never the hand-off peer's. */
    public static String username(String namespace) {
        return "mailrelay." + namespace;
    }

    public static String secretName(MailRelay relay) {
        RelayForCredentials credentials = relay.getSpec().relayFor.credentials;
        return credentials.secretName != null ? credentials.secretName : relay.getMetadata().getName() + "-smtp";
    }

    /** The sender domains of a namespace's credential: its own entry, else the common ones. */
    public static List<String> senderDomains(MailRelay relay, String namespace) {
        RelayForCredentials credentials = relay.getSpec().relayFor.credentials;
        if (credentials.namespaceSenderDomains != null) {
            for (RelayForCredentials.NamespaceSenderDomains entry : credentials.namespaceSenderDomains) {
                if (namespace.equals(entry.namespace) && entry.senderDomains != null) {
                    return List.copyOf(entry.senderDomains);
                }
            }
        }
        return credentials.senderDomains == null ? List.of() : List.copyOf(credentials.senderDomains);
    }

    /** What the schema cannot say: every selected namespace has sender domains, entries name selected namespaces. */
    public static List<String> problems(MailRelay relay) {
        if (!enabled(relay)) {
            return List.of();
        }
        List<String> problems = new ArrayList<>();
        List<String> namespaces = PodSelection.namespaces(relay);
        for (String namespace : namespaces) {
            if (senderDomains(relay, namespace).isEmpty()) {
                problems.add("spec.relayFor.credentials: namespace " + namespace + " has no sender domains (give "
                        + "senderDomains, or namespaceSenderDomains for it)");
            }
        }
        List<RelayForCredentials.NamespaceSenderDomains> entries = relay.getSpec().relayFor.credentials.namespaceSenderDomains;
        for (int i = 0; entries != null && i < entries.size(); i++) {
            if (!namespaces.contains(entries.get(i).namespace)) {
                problems.add("spec.relayFor.credentials.namespaceSenderDomains[" + i + "].namespace: "
                        + entries.get(i).namespace + " is not one of relayFor's namespaces");
            }
        }
        return problems;
    }

    /**
     * Makes or keeps each selected namespace's Secret (a new password when {@link #ROTATE_ANNOTATION} changed) and
     * returns what the relay is to accept.
     *
     * @param relaySecret the relay's {@code <name>-credentials} Secret as it is (ours), for the hashes it holds; null
     */
    public static Outcome issue(KubernetesClient client, MailRelay relay, Secret relaySecret) {
        Map<String, String> hashes = relaySecret == null ? Map.of()
                : UsersFile.parseAllowingEmpty(Objects.requireNonNullElse(SupportFactory.decoded(relaySecret, SecretKeys.USERS), ""));
        String rotation = rotation(relay);
        String name = secretName(relay);
        List<Issued> issued = new ArrayList<>();
        Map<String, String> notIssued = new LinkedHashMap<>();
        for (String namespace : PodSelection.namespaces(relay)) {
            String username = username(namespace);
            try {
                Secret existing = client.secrets().inNamespace(namespace).withName(name).get();
                if (existing != null && !ours(existing, relay)) {
                    notIssued.put(namespace, "Secret " + namespace + "/" + name + " exists and was not made for this "
                            + "MailRelay: left alone");
                    continue;
                }
                String password = existing == null || !rotation.equals(annotation(existing, ROTATED_FOR_ANNOTATION))
                        ? null : SupportFactory.decoded(existing, SecretKeys.PASSWORD);
                if (password == null || password.isBlank()) {
                    password = SupportFactory.randomToken();
                }
                List<String> domains = senderDomains(relay, namespace);
                client.resource(namespaceSecret(relay, namespace, username, password, domains, rotation))
                        .fieldManager(OperatorSettings.FIELD_MANAGER).forceConflicts().serverSideApply();
                String hash = hashes.get(username);
                if (hash == null || !OpenBSDBCrypt.checkPassword(hash, password.toCharArray())) {
                    hash = SupportFactory.bcrypt(password);
                }
                issued.add(new Issued(namespace, username, hash, domains));
            } catch (KubernetesClientException e) {
                // gone (404), terminating or out of our RBAC (403): no credential, and its user leaves the relay
                String why = e.getCode() == HttpURLConnection.HTTP_NOT_FOUND ? "namespace " + namespace + " not found"
                        : String.valueOf(e.getStatus() != null && e.getStatus().getMessage() != null
                                ? e.getStatus().getMessage() : e.getMessage());
                notIssued.put(namespace, why);
                LOG.debugf("%s/%s: no credential in namespace %s: %s", relay.getMetadata().getNamespace(),
                        relay.getMetadata().getName(), namespace, why);
            }
        }
        return new Outcome(List.copyOf(issued), notIssued);
    }

    /**
     * Deletes this MailRelay's namespace Secrets (found by their labels) in the namespaces it gave one to, as its status
     * last recorded them, and those it selects now, except {@code keep}: the deselected namespaces' (every one with an
     * empty set: the finalizer). Only those namespaces are read, never the whole cluster, so namespaced RBAC in the
     * selected namespaces suffices. Call after the relay no longer accepts them.
     *
     * @return how many were deleted
     */
    public static int revoke(KubernetesClient client, MailRelay relay, Set<String> keep) {
        Set<String> candidates = new TreeSet<>();
        if (relay.getStatus() != null && relay.getStatus().relayFor != null
                && relay.getStatus().relayFor.credentialNamespaces != null) {
            candidates.addAll(relay.getStatus().relayFor.credentialNamespaces);
        }
        if (enabled(relay)) {
            candidates.addAll(PodSelection.namespaces(relay));
        }
        candidates.removeAll(keep);
        int deleted = 0;
        for (String namespace : candidates) {
            List<Secret> made;
            try {
                made = client.secrets().inNamespace(namespace)
                        .withLabel(RELAY_NAMESPACE_LABEL, relay.getMetadata().getNamespace())
                        .withLabel(RELAY_NAME_LABEL, relay.getMetadata().getName()).list().getItems();
            } catch (KubernetesClientException e) {
                if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
                    continue; // the namespace is gone, and its Secrets with it
                }
                throw e;
            }
            for (Secret secret : made) {
                client.resource(secret).delete();
                deleted++;
                LOG.infof("%s/%s: revoked the credential of namespace %s (Secret %s deleted)",
                        relay.getMetadata().getNamespace(), relay.getMetadata().getName(), namespace,
                        secret.getMetadata().getName());
            }
        }
        return deleted;
    }

    static Secret namespaceSecret(MailRelay relay, String namespace, String username, String password,
            List<String> senderDomains, String rotation) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(RelayLabels.MANAGED_BY, OperatorSettings.FIELD_MANAGER);
        labels.put(RELAY_NAMESPACE_LABEL, relay.getMetadata().getNamespace());
        labels.put(RELAY_NAME_LABEL, relay.getMetadata().getName());
        Map<String, String> data = new LinkedHashMap<>();
        data.put(SecretKeys.USERNAME, username);
        data.put(SecretKeys.PASSWORD, password);
        data.put(HOST_KEY, relay.getMetadata().getName() + "." + relay.getMetadata().getNamespace() + ".svc");
        data.put(PORT_KEY, String.valueOf(io.mailrelay.api.ServiceSpec.port(relay.getSpec().service)));
        // with tls the relay refuses AUTH before STARTTLS; without, these users AUTH in clear (pod to pod)
        data.put(STARTTLS_KEY, String.valueOf(relay.getSpec().tls != null));
        data.put(SENDER_DOMAINS_KEY, String.join(",", senderDomains));
        Map<String, String> encoded = new LinkedHashMap<>();
        data.forEach((key, value) -> encoded.put(key, SupportFactory.base64(value)));
        return new SecretBuilder()
                .withMetadata(new ObjectMetaBuilder().withName(secretName(relay)).withNamespace(namespace)
                        .withLabels(labels).withAnnotations(Map.of(ROTATED_FOR_ANNOTATION, rotation)).build())
                .withType("Opaque")
                .withData(encoded)
                .build();
    }

    /**
     * Wakes a MailRelay whose {@link #ROTATE_ANNOTATION} changed: JOSDK's own MailRelay events pass only for a new
     * generation, and an annotation makes none. A second informer on MailRelays, passing nothing else.
     */
    public static InformerEventSource<MailRelay, MailRelay> rotationSource(EventSourceContext<MailRelay> context) {
        return new InformerEventSource<>(InformerEventSourceConfiguration.from(MailRelay.class, MailRelay.class)
                .withName("credential-rotation")
                // a second cache of every MailRelay: of each only its metadata, all the filter below reads
                .withItemStore(PrunedItemStore.unlessShared(context,
                        new PrunedItemStore<>(PrunedItemStore.metadataOnly(MailRelay.class))))
                .withSecondaryToPrimaryMapper(relay -> Set.of(ResourceID.fromResource(relay)))
                .withOnAddFilter(relay -> false)
                .withOnUpdateFilter((now, before) -> !rotation(now).equals(rotation(before)))
                .withOnDeleteFilter((relay, unknownState) -> false)
                .build(), context);
    }

    /** The namespace Secrets' keys ({@code namespace/name}), so that one deleted (its namespace going) wakes the relay. */
    public static List<String> secretKeys(MailRelay relay) {
        if (relay.getSpec() == null || !enabled(relay)) {
            return List.of();
        }
        String name = secretName(relay);
        return PodSelection.namespaces(relay).stream()
                .map(namespace -> io.fabric8.kubernetes.client.informers.cache.Cache.namespaceKeyFunc(namespace, name))
                .toList();
    }

    /** Made for this MailRelay (by its labels: no owner reference can cross namespaces). */
    static boolean ours(Secret secret, MailRelay relay) {
        Map<String, String> labels = secret.getMetadata().getLabels();
        return labels != null && relay.getMetadata().getNamespace().equals(labels.get(RELAY_NAMESPACE_LABEL))
                && relay.getMetadata().getName().equals(labels.get(RELAY_NAME_LABEL));
    }

    private static String rotation(MailRelay relay) {
        Map<String, String> annotations = relay.getMetadata().getAnnotations();
        return annotations == null ? "" : Objects.requireNonNullElse(annotations.get(ROTATE_ANNOTATION), "");
    }

    private static String annotation(Secret secret, String key) {
        Map<String, String> annotations = secret.getMetadata().getAnnotations();
        return annotations == null ? null : annotations.get(key);
    }

}
