package io.mailrelay.operator;

import static io.mailrelay.operator.KubeFixture.conditionIs;
import static io.mailrelay.operator.KubeFixture.observed;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.mailrelay.api.DkimRecordStatus;
import io.mailrelay.api.MailRelay;
import io.mailrelay.config.DkimKey;
import io.mailrelay.config.RelayYaml;
import io.mailrelay.api.Conditions;
import io.mailrelay.testing.RealKubeApiServer;

/**
 * spec.dkim against a real API server: the operator generates the missing keys into Secrets it owns, once, keeps
 * them across reconciliations and a spec change, mounts them and renders relay.yaml's dkim; status.dkim shows the
 * DNS records (kubectl describe mr), the generated ones and the one of a Secret the user made.
 */
@Tag("kube")
class DkimKubeTest {

    @RegisterExtension
    static final OperatorUnderTest operator = new OperatorUnderTest();
    static final RealKubeApiServer api = operator.api;
    static final KubeFixture kube = operator.kube;

    private static String pem(Secret secret) {
        return new String(Base64.getDecoder().decode(secret.getData().get("private.pem")), StandardCharsets.US_ASCII);
    }

    private static Secret secret(String ns, String name) {
        return api.client().secrets().inNamespace(ns).withName(name).get();
    }

    @Test
    void generatedKeysAreMadeOnceKeptAndPublishedInTheStatus() throws Exception {
        String ns = "dkim";
        kube.namespace(ns, Map.of());
        DkimKey own = DkimKey.generate(DkimKey.Algorithm.RSA);
        api.client().resource(new SecretBuilder().withNewMetadata().withName("example-org-dkim").withNamespace(ns)
                .endMetadata().addToStringData("private.pem", own.privateKeyPem()).build()).create();
        MailRelay relay = kube.create(kube.example("dkim.yaml", ns));
        MailRelay ready = kube.awaitRelay(ns, "dkim", observed(relay).and(conditionIs(Conditions.CONFIG_VALID, "True"))
                .and(r -> r.getStatus().dkim != null && r.getStatus().dkim.size() == 3));

        Secret rsa = secret(ns, "dkim-dkim-rsa2026");
        Secret ed = secret(ns, "dkim-dkim-ed2026");
        assertThat(rsa.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(owner -> assertThat(owner.getName()).isEqualTo("dkim"));
        DkimKey rsaKey = DkimKey.parse(pem(rsa), "rsa");
        DkimKey edKey = DkimKey.parse(pem(ed), "ed");
        assertThat(rsaKey.algorithm()).isEqualTo(DkimKey.Algorithm.RSA);
        assertThat(edKey.algorithm()).isEqualTo(DkimKey.Algorithm.ED25519);
        assertThat(api.client().secrets().inNamespace(ns).withName("dkim-dkim-s1").get()).as("a named Secret: none made")
                .isNull();

        List<DkimRecordStatus> records = ready.getStatus().dkim;
        assertThat(records).extracting(r -> r.name).containsExactly("rsa2026._domainkey.example.com",
                "ed2026._domainkey.example.com", "s1._domainkey.example.org");
        assertThat(records).extracting(r -> r.record).containsExactly(rsaKey.dnsRecord(), edKey.dnsRecord(),
                own.dnsRecord());
        assertThat(records.get(0).record).startsWith("v=DKIM1; k=rsa; p=MIIBIjAN");
        assertThat(records.get(1).record).startsWith("v=DKIM1; k=ed25519; p=");

        // mounted and rendered: what the relay would read
        StatefulSet workload = api.client().apps().statefulSets().inNamespace(ns).withName("dkim").get();
        assertThat(workload.getSpec().getTemplate().getSpec().getVolumes()).filteredOn(v -> v.getName().startsWith("dkim-"))
                .extracting(v -> v.getSecret().getSecretName())
                .containsExactly("dkim-dkim-rsa2026", "dkim-dkim-ed2026", "example-org-dkim");
        String yaml = api.client().configMaps().inNamespace(ns).withName("dkim-config").get().getData().get("relay.yaml");
        assertThat(RelayYaml.read(yaml).dkim().domains()).extracting(d -> d.keyFile().toString())
                .containsExactly("/etc/mailrelay/dkim/0/private.pem", "/etc/mailrelay/dkim/1/private.pem",
                        "/etc/mailrelay/dkim/2/private.pem");

        String describe = api.kubectl("describe", "mr", "dkim", "-n", ns).assertSuccess().stdout();
        String excerpt = describe.substring(describe.lastIndexOf("  Dkim:"));
        System.out.println("kubectl describe mr dkim -n " + ns + " (excerpt):\n"
                + excerpt.lines().takeWhile(line -> !line.startsWith("  Endpoint") && !line.startsWith("  Observed"))
                        .reduce("", (a, b) -> a + b + "\n"));
        assertThat(describe).contains("rsa2026._domainkey.example.com").contains(rsaKey.dnsRecord().substring(0, 60));

        // a spec change and more reconciliations: the same keys
        MailRelay changed = kube.get(ns, "dkim");
        changed.getSpec().allowedNetworks = List.of("10.20.0.0/16", "10.30.0.0/16");
        kube.update(changed);
        kube.awaitRelay(ns, "dkim", r -> r.getStatus().allowedNetworkCount == 2
                && Long.valueOf(r.getMetadata().getGeneration()).equals(r.getStatus().observedGeneration));
        assertThat(pem(secret(ns, "dkim-dkim-rsa2026"))).isEqualTo(pem(rsa));
        assertThat(pem(secret(ns, "dkim-dkim-ed2026"))).isEqualTo(pem(ed));
        assertThat(kube.get(ns, "dkim").getStatus().dkim).extracting(r -> r.record)
                .containsExactly(rsaKey.dnsRecord(), edKey.dnsRecord(), own.dnsRecord());
    }
}
