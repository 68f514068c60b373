package io.mailrelay.operator.queue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.mailrelay.api.MailRelay;
import io.mailrelay.relay.admin.DrainReport;

/**
 * Carries out a {@link ScaleDownPlan} for one reconciliation: reads the drain reports of the pods that go away,
 * asks those not yet draining to hand their queues to their survivors ({@code POST /admin/drain} with the survivor's
 * SMTP address), and returns the plan, whose {@code replicas} the StatefulSet gets.
 */
public final class ScaleDownSequencer {
    private static final Logger LOG = Logger.getLogger(ScaleDownSequencer.class);

    private final RelayAdminClient admin;
    private final boolean addressOverride;

    public ScaleDownSequencer(Duration timeout, boolean addressOverride) {
        this.admin = new RelayAdminClient(timeout);
        this.addressOverride = addressOverride;
    }

    /**
     * @param current the StatefulSet's spec.replicas now; @param wanted the MailRelay's
     * @param wasDraining the MailRelay's Draining condition was True: a drain may have to be cancelled
     */
    public ScaleDownPlan sequence(KubernetesClient client, MailRelay relay, int current, int wanted,
            boolean wasDraining) {
        boolean scalingDown = wanted < current && wanted > 0;
        if (!scalingDown && !wasDraining) {
            return ScaleDownPlan.none(wanted);
        }
        String name = relay.getMetadata().getName();
        Map<String, RelayPods.Address> pods = RelayPods.addresses(client, relay, addressOverride);
        String token = RelayPods.adminToken(client, relay);
        Map<String, String> smtp = new HashMap<>();
        pods.forEach((pod, address) -> smtp.put(pod, address.smtp()));
        Map<String, DrainReport> reports = new HashMap<>();
        for (int ordinal = 0; ordinal < current; ordinal++) {
            String pod = name + "-" + ordinal;
            RelayPods.Address address = pods.get(pod);
            if (address != null) {
                report(relay, pod, address, token).ifPresent(report -> reports.put(pod, report));
            }
        }
        ScaleDownPlan plan = ScaleDownPlan.of(name, current, wanted, smtp, reports);
        ask(relay, pods, token, plan);
        return plan;
    }

    /**
     * A persistence switch: the pods of the old workload kind hand their queues to the ready pods of the new one.
     *
     * @param oldKind "Deployment" or "StatefulSet": the workload that goes
     */
    public ScaleDownPlan switchOver(KubernetesClient client, MailRelay relay, String oldKind, String what) {
        Map<String, RelayPods.Address> pods = RelayPods.addresses(client, relay, addressOverride);
        String token = RelayPods.adminToken(client, relay);
        List<String> oldPods = new ArrayList<>();
        List<String> newPods = new ArrayList<>();
        Map<String, String> smtp = new HashMap<>();
        Map<String, DrainReport> reports = new HashMap<>();
        new TreeMap<>(pods).forEach((pod, address) -> {
            smtp.put(pod, address.smtp());
            if (oldKind.equals(address.workload())) {
                oldPods.add(pod);
                report(relay, pod, address, token).ifPresent(report -> reports.put(pod, report));
            } else if (address.ready()) {
                newPods.add(pod);
            }
        });
        ScaleDownPlan plan = ScaleDownPlan.switchOver(what, oldPods, newPods, smtp, reports);
        ask(relay, pods, token, plan);
        return plan;
    }

    private Optional<DrainReport> report(MailRelay relay, String pod, RelayPods.Address address,
            String token) {
        if (token == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(admin.drain(address.admin(), token));
        } catch (IOException e) {
            LOG.warnf("drain of %s/%s at %s not read: %s", relay.getMetadata().getNamespace(), pod, address.admin(),
                    e.getMessage());
            return Optional.empty();
        }
    }

    /** POST /admin/drain to the leaving pods not asked yet, DELETE to those that stay. */
    private void ask(MailRelay relay, Map<String, RelayPods.Address> pods, String token, ScaleDownPlan plan) {
        String namespace = relay.getMetadata().getNamespace();
        for (ScaleDownPlan.Leaving leaving : plan.leaving()) {
            if (leaving.step() == ScaleDownPlan.Step.ASK) {
                String address = pods.get(leaving.pod()).admin();
                try {
                    admin.startDrain(address, token, leaving.peerSmtp());
                    LOG.infof("%s/%s: draining, its queue goes to %s (%s)", namespace, leaving.pod(), leaving.peerPod(),
                            leaving.peerSmtp());
                } catch (IOException e) {
                    LOG.warnf("%s/%s at %s refused the drain: %s", namespace, leaving.pod(), address, e.getMessage());
                }
            }
        }
        for (String pod : plan.resume()) {
            String address = pods.get(pod).admin();
            try {
                admin.cancelDrain(address, token);
                LOG.infof("%s/%s stays: its drain is cancelled, it takes mail again", namespace, pod);
            } catch (IOException e) {
                LOG.warnf("%s/%s at %s refused to cancel its drain: %s", namespace, pod, address, e.getMessage());
            }
        }
    }
}
