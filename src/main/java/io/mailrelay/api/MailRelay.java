package io.mailrelay.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A hardened SMTP relay: the operator turns it into a workload and reports whether it is ready and closed. */
@Group(MailRelay.GROUP)
@Version(MailRelay.VERSION)
@ShortNames("mr")
@Categories("mail") // kubectl get mail
@AdditionalPrinterColumn(name = "Ready", type = Type.STRING,
        jsonPath = ".status.conditions[?(@.type==\"Ready\")].status")
@AdditionalPrinterColumn(name = "Replicas", type = Type.INTEGER, jsonPath = ".status.readyReplicas")
@AdditionalPrinterColumn(name = "Relay", type = Type.STRING, jsonPath = ".status.probe.verdict")
@AdditionalPrinterColumn(name = "Queue", type = Type.INTEGER, jsonPath = ".status.queue.depth")
@AdditionalPrinterColumn(name = "Oldest", type = Type.STRING, jsonPath = ".status.queue.oldestAge")
@AdditionalPrinterColumn(name = "Endpoint", type = Type.STRING, jsonPath = ".status.endpoint")
@AdditionalPrinterColumn(name = "Age", type = Type.DATE, jsonPath = ".metadata.creationTimestamp")
// kubectl get mr -o wide
@AdditionalPrinterColumn(name = "Allowed", type = Type.STRING, jsonPath = ".spec.allowedNetworks", priority = 1)
@AdditionalPrinterColumn(name = "Outbound", type = Type.STRING, jsonPath = ".spec.outbound.mode", priority = 1)
@AdditionalPrinterColumn(name = "Last-Probe", type = Type.DATE, jsonPath = ".status.probe.lastRunTime", priority = 1)
@AdditionalPrinterColumn(name = "Upstream", type = Type.STRING,
        jsonPath = ".status.conditions[?(@.type==\"UpstreamReady\")].reason", priority = 1)
public class MailRelay extends CustomResource<MailRelaySpec, MailRelayStatus> implements Namespaced {

    public static final String GROUP = "mailrelay.io";
    public static final String VERSION = "v1alpha1";

    @Override
    protected MailRelaySpec initSpec() {
        return new MailRelaySpec();
    }

    @Override
    protected MailRelayStatus initStatus() {
        return new MailRelayStatus();
    }
}
