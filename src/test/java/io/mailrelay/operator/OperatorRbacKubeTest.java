package io.mailrelay.operator;

import static io.mailrelay.operator.KubeFixture.conditionIs;
import static io.mailrelay.operator.KubeFixture.observed;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.Conditions;
import io.mailrelay.testing.RealKubeApiServer;

/**
 * The operator with exactly the rights of deploy/rbac.yaml (impersonating its ServiceAccount on an API
 * server that authorizes with RBAC, and checks owner references as OpenShift does): every path of the reconciler
 * that writes or deletes must work. That each of these rights is needed: LeastPrivilegeKubeTest.
 */
@Tag("kube")
class OperatorRbacKubeTest {

    @RegisterExtension
    static final RealKubeApiServer api = new RealKubeApiServer(
            List.of("--enable-admission-plugins=OwnerReferencesPermissionEnforcement")); // as OpenShift has it
    static final String SERVICE_ACCOUNT = "system:serviceaccount:" + KubeFixture.OPERATOR_NAMESPACE + ":mailrelay-operator";
    static KubeFixture kube;
    static KubernetesClient operatorClient;

    @BeforeAll
    static void operatorWithDeclaredRights() throws IOException {
        KubernetesClient admin = api.client();
        kube = new KubeFixture(admin);
        kube.installCrdOnly();
        try (var rbac = Files.newInputStream(Path.of("deploy", "rbac.yaml"))) {
            admin.load(rbac).serverSideApply();
        }
        admin.resource(new ClusterRoleBindingBuilder().withNewMetadata().withName("mailrelay-operator").endMetadata()
                .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
                    .withName("mailrelay-operator").endRoleRef()
                .addNewSubject().withKind("ServiceAccount").withName("mailrelay-operator")
                    .withNamespace(KubeFixture.OPERATOR_NAMESPACE).endSubject()
                .build()).serverSideApply();
        operatorClient = new KubernetesClientBuilder().withConfig(new ConfigBuilder(admin.getConfiguration())
                .withImpersonateUsername(SERVICE_ACCOUNT)
                .withImpersonateGroups("system:serviceaccounts", "system:authenticated")
                .build()).build();
        kube.startOperator(operatorClient);
    }

    @AfterAll
    static void stop() {
        kube.stop();
        if (operatorClient != null) {
            operatorClient.close();
        }
    }

    @Test
    void theServiceAccountCannotDoMoreThanDeclared() {
        // Secrets are read and watched (the referenced ones re-validate at once); the admin token Secret is
        // created and applied, never updated; relayFor.credentials' Secrets are deleted when revoked
        for (String verb : List.of("get", "list", "watch", "create", "patch", "delete")) {
            assertThat(api.kubectl("auth", "can-i", verb, "secrets", "-n", "any", "--as", SERVICE_ACCOUNT).stdout())
                    .as(verb).startsWith("yes");
        }
        for (String verb : List.of("update")) {
            assertThat(api.kubectl("auth", "can-i", verb, "secrets", "-n", "any", "--as", SERVICE_ACCOUNT).stdout())
                    .as(verb).startsWith("no");
        }
    }

    @Test
    void theClusterNetworksAreListedNeverChanged() {
        // nodes and ServiceCIDRs: listed (ClusterNetworksReader), nothing else
        assertThat(api.kubectl("auth", "can-i", "list", "nodes", "--as", SERVICE_ACCOUNT).stdout()).startsWith("yes");
        assertThat(api.kubectl("auth", "can-i", "list", "servicecidrs.networking.k8s.io", "--as", SERVICE_ACCOUNT)
                .stdout()).startsWith("yes");
        for (String verb : List.of("watch", "create", "patch", "update", "delete")) {
            assertThat(api.kubectl("auth", "can-i", verb, "nodes", "--as", SERVICE_ACCOUNT).stdout()).as(verb).startsWith("no");
            assertThat(api.kubectl("auth", "can-i", verb, "servicecidrs.networking.k8s.io", "--as", SERVICE_ACCOUNT)
                    .stdout()).as(verb).startsWith("no");
        }
        // what ClusterNetworksReader reads, read with the operator's rights
        assertThat(operatorClient.nodes().list().getItems()).isNotNull();
        assertThat(operatorClient.resources(io.fabric8.kubernetes.api.model.networking.v1.ServiceCIDR.class).list()
                .getItems()).isNotEmpty();
        assertThat(operatorClient.services().inNamespace("default").withName("kubernetes").get()).isNotNull();
    }

    @Test
    void perNamespaceCredentialsAreIssuedRotatedRevokedAndRemovedWithTheDeclaredRights() {
        kube.namespace("rbac-mail", Map.of());
        kube.namespace("rbac-shop", Map.of());
        MailRelay relay = kube.create(Specs.fromYaml("apps", "rbac-mail", """
                relayFor:
                  namespaces: [rbac-shop, rbac-mail]
                  podSelector: {matchLabels: {role: mailer}}
                  credentials: {senderDomains: [shop.example]}
                outbound: {mode: mx}
                persistence: {type: EmptyDir}
                probe: {enabled: false}
                """));
        kube.awaitRelay("rbac-mail", "apps", observed(relay).and(r -> r.getStatus().relayFor != null
                && Integer.valueOf(2).equals(r.getStatus().relayFor.credentials)));
        assertThat(api.client().secrets().inNamespace("rbac-shop").withName("apps-smtp").get()).isNotNull();
        assertThat(kube.get("rbac-mail", "apps").getMetadata().getFinalizers())
                .containsExactly("mailrelays.mailrelay.io/finalizer");

        // rotated (the second informer on MailRelays), then deselected: the Secret goes
        String before = api.client().secrets().inNamespace("rbac-shop").withName("apps-smtp").get().getData().get("password");
        api.client().resources(MailRelay.class).inNamespace("rbac-mail").withName("apps").edit(r -> {
            r.getMetadata().setAnnotations(Map.of("mailrelay.io/rotate-credentials", "2"));
            return r;
        });
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> !before.equals(
                api.client().secrets().inNamespace("rbac-shop").withName("apps-smtp").get().getData().get("password")));
        MailRelay deselect = kube.get("rbac-mail", "apps");
        deselect.getSpec().relayFor.namespaces = List.of("rbac-mail");
        MailRelay deselected = kube.update(deselect);
        kube.awaitRelay("rbac-mail", "apps", observed(deselected).and(r -> r.getStatus().relayFor != null
                && Integer.valueOf(1).equals(r.getStatus().relayFor.credentials)));
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                .until(() -> api.client().secrets().inNamespace("rbac-shop").withName("apps-smtp").get() == null);

        // deleted: the finalizer removes the Secret no owner reference reaches, and then lets the MailRelay go
        api.client().resources(MailRelay.class).inNamespace("rbac-mail").withName("apps").delete();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                .until(() -> api.client().resources(MailRelay.class).inNamespace("rbac-mail").withName("apps").get() == null);
        assertThat(api.client().secrets().inNamespace("rbac-mail").withLabel("mailrelay.io/relay-name", "apps").list()
                .getItems()).isEmpty();
    }

    @Test
    void everyReconcilerPathWorksWithTheDeclaredRights() {
        String ns = "rbac";
        kube.namespace(ns, Map.of());
        kube.secret(ns, "smarthost-credentials", "Opaque", Map.of("username", "relay", "password", "pw"));
        MailRelay relay = kube.example("smarthost.yaml", ns);
        relay.getSpec().persistence = new io.mailrelay.api.Persistence();
        relay.getSpec().persistence.type = io.mailrelay.api.Persistence.Type.EmptyDir;
        relay = kube.create(relay);
        MailRelay applied = kube.awaitRelay(ns, "smarthost",
                observed(relay).and(conditionIs(Conditions.CONFIG_VALID, "True")));
        assertThat(api.client().policy().v1().podDisruptionBudget().inNamespace(ns).withName("smarthost").get()).isNotNull();

        // scaled to 0 (the budget goes), then a StatefulSet instead of the Deployment: both deletion paths run
        applied.getSpec().replicas = 0;
        MailRelay scaled = kube.update(applied);
        kube.awaitRelay(ns, "smarthost", observed(scaled).and(conditionIs(Conditions.CONFIG_VALID, "True")));
        MailRelay durable = kube.get(ns, "smarthost");
        durable.getSpec().persistence = null;
        durable.getSpec().replicas = 1;
        MailRelay changed = kube.update(durable);
        kube.awaitRelay(ns, "smarthost", observed(changed).and(conditionIs(Conditions.CONFIG_VALID, "True")));

        assertThat(api.client().apps().statefulSets().inNamespace(ns).withName("smarthost").get()).isNotNull();
        assertThat(api.client().apps().deployments().inNamespace(ns).list().getItems()).isEmpty();
        assertThat(api.client().policy().v1().podDisruptionBudget().inNamespace(ns).list().getItems()).isEmpty();
        assertThat(api.client().v1().events().inNamespace(ns).list().getItems())
                .extracting(e -> e.getReason() + ": " + e.getMessage())
                .anySatisfy(e -> assertThat(e).startsWith("Created: created Deployment smarthost"))
                .anySatisfy(e -> assertThat(e).startsWith("Created: created StatefulSet smarthost"));

        // a Pending spool claim is watched, listed and explained from its events with these rights
        api.client().persistentVolumeClaims().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder()
                .withNewMetadata().withName("spool-smarthost-0").withLabels(Map.of("app.kubernetes.io/name", "mailrelay",
                        "app.kubernetes.io/instance", "smarthost", "app.kubernetes.io/managed-by", "mailrelay-operator"))
                .endMetadata().withNewSpec().withAccessModes("ReadWriteOnce").withNewResources()
                .addToRequests("storage", new io.fabric8.kubernetes.api.model.Quantity("1Gi")).endResources().endSpec()
                .build()).create();
        MailRelay pending = kube.awaitRelay(ns, "smarthost", r -> KubeFixture.condition(r, Conditions.READY)
                .map(c -> "SpoolVolumePending".equals(c.getReason())).orElse(false));
        assertThat(KubeFixture.condition(pending, Conditions.READY).orElseThrow().getMessage())
                .startsWith("PersistentVolumeClaim spool-smarthost-0 is Pending: no event about it yet");
    }
}
