package io.mailrelay.operator;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.function.Consumer;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.quarkiverse.operatorsdk.runtime.api.ConfigurationServiceCustomizer;

/**
 * Leader election through a Lease in the operator's namespace, so that several operator replicas can run
 * while exactly one reconciles, probes and writes status: JOSDK starts event processing (and so every
 * reconciliation, and with it the probe schedule) only once this replica holds the Lease, and exits the
 * process when it loses it, so that the Deployment restarts it as a standby.
 *
 * <p>Off when the operator's namespace is unknown (a development run outside a cluster without
 * {@code mailrelay.operator-namespace}), with a warning: there is nowhere to keep the Lease.
 */
@Singleton
public class LeaderElection implements ConfigurationServiceCustomizer {

    private static final Logger LOG = Logger.getLogger(LeaderElection.class);

    @Inject
    OperatorConfig config;

    @Inject
    OperatorSettings settings;

    @Override
    public Consumer<ConfigurationServiceOverrider> overrider() {
        return overrider -> configuration().ifPresent(overrider::withLeaderElectionConfiguration);
    }

    Optional<LeaderElectionConfiguration> configuration() {
        OperatorConfig.LeaderElectionSettings lease = config.leaderElection();
        if (!lease.enabled()) {
            LOG.info("leader election is off (mailrelay.leader-election.enabled=false): run one replica only");
            return Optional.empty();
        }
        String namespace = settings.operatorNamespace();
        if (namespace == null) {
            LOG.warn("leader election is off: the operator's namespace is unknown (not in a pod, and neither "
                    + "mailrelay.operator-namespace nor the Kubernetes client's namespace is set); run one replica only");
            return Optional.empty();
        }
        if (!(lease.leaseDuration().compareTo(lease.renewDeadline()) > 0
                && lease.renewDeadline().compareTo(lease.retryPeriod()) > 0)) {
            throw new IllegalArgumentException("mailrelay.leader-election needs lease-duration > renew-deadline > "
                    + "retry-period, got " + lease.leaseDuration() + ", " + lease.renewDeadline() + ", "
                    + lease.retryPeriod());
        }
        String self = lease.identity().filter(id -> !id.isBlank()).orElseGet(LeaderElection::defaultIdentity);
        LOG.infof("leader election on: Lease %s/%s as %s (lease %s)", namespace, lease.leaseName(), self,
                lease.leaseDuration());
        LeaderCallbacks callbacks = new LeaderCallbacks(
                () -> LOG.infof("%s is the leader: reconciling and probing", self),
                () -> LOG.infof("%s lost the lease", self),
                leader -> LOG.infof("leader is now %s", leader));
        return Optional.of(new LeaderElectionConfiguration(lease.leaseName(), namespace, lease.leaseDuration(),
                lease.renewDeadline(), lease.retryPeriod(), self, callbacks, true));
    }

    private static String defaultIdentity() {
        String pod = System.getenv("POD_NAME");
        if (pod != null && !pod.isBlank()) {
            return pod;
        }
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        return host + "-" + ProcessHandle.current().pid();
    }
}
