package io.mailrelay.operator;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.mailrelay.operator.render.RelayUid;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The operator's settings ({@code mailrelay.*}, or {@code MAILRELAY_*} in the environment), each default here and
 * only here (docs/operator.md, "Configuration"). {@link OperatorProducers} turns them into the plain values
 * the reconciler, the prober and the queue reader take.
 */
@ConfigMapping(prefix = "mailrelay")
public interface OperatorConfig {

    /** Image of relay pods whose MailRelay names none: the operator's own (one image, three modes). */
    @WithDefault("mailrelay/mailrelay-operator:${quarkus.application.version}")
    String relayImage();

    /** Default: the Kubernetes client's namespace, in a pod its ServiceAccount's (the probe runs there). */
    Optional<String> operatorNamespace();

    /** Secret names, e.g. for a private registry that holds the operator's own image. */
    Optional<List<String>> relayImagePullSecrets();

    /** auto (OpenShift: the SCC assigns them; elsewhere the image's 10025), none, or a UID: see RelayUid. */
    @WithDefault(RelayUid.AUTO_VALUE)
    String relayUid();

    Probe probe();

    Queue queue();

    LeaderElectionSettings leaderElection();

    /** Open-relay probing of every MailRelay (docs/operator.md, "Probing"). */
    interface Probe {
        /** A local address the probe binds to (an IP literal). */
        Optional<String> sourceAddress();

        /** The operator's address as the relays see it; default POD_IP (downward API). */
        Optional<String> operatorAddress();

        /** Out-of-cluster runs only: probe the host:port in a MailRelay's mailrelay.io/probe-address annotation. */
        @WithDefault("false")
        boolean addressOverride();

        @WithDefault("2")
        int maxConcurrent();

        @WithDefault("8")
        int maxTargets();

        @WithDefault("probe.example")
        String testDomain();

        @WithDefault("10s")
        Duration timeout();

        @WithDefault("2m")
        Duration maxDuration();
    }

    /** Reading the relay pods' queues and upstream checks, and every other call to their admin endpoints. */
    interface Queue {
        @WithDefault("30s")
        Duration interval();

        @WithDefault("5s")
        Duration timeout();
    }

    interface LeaderElectionSettings {
        @WithDefault("true")
        boolean enabled();

        @WithDefault("mailrelay-operator")
        String leaseName();

        /** How long a standby waits for a leader that stopped renewing (crashed, partitioned) before taking over. */
        @WithDefault("15s")
        Duration leaseDuration();

        @WithDefault("10s")
        Duration renewDeadline();

        @WithDefault("2s")
        Duration retryPeriod();

        /** Default: POD_NAME (downward API), else host name and process id, unique per replica. */
        Optional<String> identity();
    }
}
