package io.mailrelay.operator;

import static java.util.Objects.requireNonNullElse;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.MailRelayStatus;
import io.mailrelay.api.RelayForStatus;
import io.mailrelay.operator.check.ClusterNetworksReader;
import io.mailrelay.operator.check.ConfigProblem;
import io.mailrelay.operator.check.ReferencedSecrets;
import io.mailrelay.operator.check.RiskAnalysis;
import io.mailrelay.operator.check.SpoolVolumeChange;
import io.mailrelay.operator.probing.RelayProber;
import io.mailrelay.operator.identity.NamespaceCredentials;
import io.mailrelay.operator.identity.WorkloadClientsPusher;
import io.mailrelay.operator.queue.RelayQueueReader;
import io.mailrelay.operator.queue.ScaleDownPlan;
import io.mailrelay.operator.queue.ScaleDownSequencer;
import io.mailrelay.operator.render.ConfigHash;
import io.mailrelay.operator.naming.DependentNames;
import io.mailrelay.operator.render.DesiredState;
import io.mailrelay.operator.render.PodTemplateFactory;
import io.mailrelay.operator.render.RelayConfigRenderer;
import io.mailrelay.operator.render.SupportFactory;
import io.mailrelay.operator.render.WorkloadFactory;
import io.mailrelay.operator.status.ApplyFailure;
import io.mailrelay.api.Conditions;
import io.mailrelay.operator.status.RelayEvents;
import io.mailrelay.operator.status.Observations;
import io.mailrelay.operator.status.StatusComposer;
import io.mailrelay.operator.render.DkimSecrets;
import io.mailrelay.api.DkimRecordStatus;
import io.mailrelay.api.DkimSigning;
import io.mailrelay.operator.status.TransitionEvents;
import io.mailrelay.operator.status.WorkloadState;

/**
 * MailRelay → ConfigMap, admin token Secret, ServiceAccount, Service, NetworkPolicy, PodDisruptionBudget and a Deployment or
 * StatefulSet, all owned by the MailRelay and applied with server-side apply as {@code mailrelay-operator}.
 * A spec whose Secrets are missing or incomplete, or that would change the spool volumes of a running
 * StatefulSet, changes nothing that runs: it is only reported ({@code ConfigValid}). Objects the API server
 * refuses, or that exist under an owned name without being ours, are reported too ({@code Applied}), and
 * nothing is half-applied ({@link DependentApplier}). A scale-down of the StatefulSet and a persistence switch are
 * sequenced ({@link ScaleDownSequencer}): the pods that go away hand their queues to pods that stay before the
 * replicas are lowered or the old workload is deleted (condition {@code Draining}).
 * <p>
 * Triggered by MailRelay spec changes, by any change or deletion of an object of the {@link #OWNED_KINDS}
 * (informers that cache only objects labelled as ours, mapped to the MailRelay through the owner reference),
 * so that drift is re-applied within seconds, and by the Secrets a MailRelay references
 * ({@link ReferencedSecretSources}), so that a Secret created, fixed or broken is re-validated within seconds.
 * Secret changes never roll the pods: the relay reloads its Secrets. The periodic reconciliation
 * ({@code maxReconciliationInterval}) is only a safety net.
 */
@ControllerConfiguration(name = MailRelayReconciler.NAME, fieldManager = OperatorSettings.FIELD_MANAGER,
        maxReconciliationInterval = @MaxReconciliationInterval(interval = 3, timeUnit = TimeUnit.MINUTES))
public class MailRelayReconciler implements Reconciler<MailRelay>, Cleaner<MailRelay> {

    public static final String NAME = "mailrelay";

    /** How often a running scale-down looks at the leaving pods' queues again. */
    static final Duration DRAIN_RECHECK = Duration.ofSeconds(5);

    /** Every kind a MailRelay owns: a hand-made deletion or edit of any of them is repaired at once. */
    static final List<Class<? extends HasMetadata>> OWNED_KINDS = List.of(ConfigMap.class, ServiceAccount.class,
            Service.class, NetworkPolicy.class, PodDisruptionBudget.class, Deployment.class, StatefulSet.class);

    private final OperatorSettings settings;
    /** {@link #settings} with {@code relayUid: auto} decided for this cluster, at the first reconciliation. */
    private volatile OperatorSettings onCluster;
    private final RelayProber prober;
    private final RelayQueueReader queues;
    private final ScaleDownSequencer scaleDowns;
    private final WorkloadClientsPusher workloadClients;
    /** Nodes and the Service network, for the NetworkRisk check of allow-lists against this cluster. */
    private final ClusterNetworksReader clusterNetworks = new ClusterNetworksReader();
    /** The owned objects' informers and what was last applied to each: dependents are read from memory. */
    private final OwnedObjects ownedObjects = new OwnedObjects();
    /** The spool claims' informer (set up with the other event sources). */
    private volatile InformerEventSource<PersistentVolumeClaim, MailRelay> spoolClaims;

    /** Without probing, queue reading and scale-down hand-off (tests of the workload alone). */
    public MailRelayReconciler(OperatorSettings settings) {
        this(settings, null, null, null, null);
    }

    @Inject
    public MailRelayReconciler(OperatorSettings settings, RelayProber prober, RelayQueueReader queues,
            ScaleDownSequencer scaleDowns, WorkloadClientsPusher workloadClients) {
        this.settings = settings;
        this.prober = prober;
        this.queues = queues;
        this.scaleDowns = scaleDowns;
        this.workloadClients = workloadClients;
    }

    @Override
    public List<EventSource<?, MailRelay>> prepareEventSources(EventSourceContext<MailRelay> context) {
        // owned objects, found back through their owner reference; only ours (by label) are cached
        List<EventSource<?, MailRelay>> sources = new ArrayList<>(OWNED_KINDS.stream()
                .<EventSource<?, MailRelay>>map(kind -> ownedObjects.informer(kind, context)).toList());
        spoolClaims = SpoolClaims.eventSource(context);
        sources.add(spoolClaims);
        sources.addAll(ReferencedSecretSources.create(context));
        if (prober != null) {
            sources.add(prober.eventSource(context)); // a finished probe wakes its MailRelay's reconciliation
        }
        if (queues != null) {
            sources.add(queues.eventSource(context)); // so does a queue whose figures changed
        }
        if (workloadClients != null) {
            sources.add(workloadClients.eventSource(context)); // and a pod that relayFor may select
        }
        sources.add(NamespaceCredentials.rotationSource(context)); // and mailrelay.io/rotate-credentials changed
        return sources;
    }

    @Override
    public UpdateControl<MailRelay> reconcile(MailRelay relay, Context<MailRelay> context) {
        KubernetesClient client = context.getClient();
        RelayEvents events = new RelayEvents(client);
        // an ApplyFailedException goes to updateErrorStatus, which reports it, and JOSDK retries with back-off
        DependentApplier applier = new DependentApplier(client, ownedObjects);

        Map<String, Secret> referenced = context.getSecondaryResourcesAsStream(Secret.class)
                .collect(Collectors.toMap(secret -> secret.getMetadata().getName(), secret -> secret, (a, b) -> a));
        ReferencedSecrets secrets = ReferencedSecrets.check(relay.getSpec(), referenced::get);
        boolean persistent = WorkloadFactory.persistent(relay.getSpec());
        List<HasMetadata> owned = ownedWorkloads(applier, relay);
        HasMetadata running = preferred(owned, persistent);
        List<ConfigProblem> problems = new ArrayList<>(secrets.problems());
        // what the relay's own loader would refuse: nothing is applied, rather than pods that crash-loop
        RelayConfigRenderer.problems(relay.getSpec())
                .forEach(problem -> problems.add(new ConfigProblem(ConfigProblem.INVALID_VALUE, problem)));
        NamespaceCredentials.problems(relay)
                .forEach(problem -> problems.add(new ConfigProblem(ConfigProblem.INVALID_VALUE, problem)));
        for (HasMetadata workloadNow : owned) {
            problems.addAll(SpoolVolumeChange.check(workloadNow, persistent, relay.getSpec().persistence,
                    scaleDowns != null));
        }
        // a persistence switch: the workload of the other kind stays until its pods handed their queues on
        HasMetadata leaving = scaleDowns == null ? null : owned.stream()
                .filter(w -> w instanceof StatefulSet != persistent && SpoolVolumeChange.hasPods(w)).findFirst()
                .orElse(null);
        WorkloadState workload;
        List<DkimRecordStatus> dkim = null;
        NamespaceCredentials.Outcome credentials = null;
        String deployedVersion = "invalid";
        int replicasBefore = running instanceof StatefulSet statefulSet
                ? requireNonNullElse(statefulSet.getSpec().getReplicas(), 1) : WorkloadFactory.replicas(relay);
        ScaleDownPlan scaleDown = ScaleDownPlan.none(WorkloadFactory.replicas(relay));
        if (workloadClients != null) {
            // first, and also while the spec is invalid (the previous configuration keeps running): a pod that left
            // relayFor's selection must stop relaying before anything else is done
            workloadClients.push(client, relay);
        }
        if (problems.isEmpty()) {
            if (running instanceof StatefulSet && scaleDowns != null && leaving == null) {
                scaleDown = scaleDowns.sequence(client, relay, replicasBefore, WorkloadFactory.replicas(relay),
                        wasDraining(relay));
            }
            String relayYaml = RelayConfigRenderer.render(relay.getSpec());
            List<Secret> dkimSecrets = dkimSecrets(applier, relay);
            dkim = dkimRecords(client, relay, dkimSecrets);
            List<Secret> generated = new ArrayList<>(dkimSecrets);
            if (NamespaceCredentials.enabled(relay)) {
                credentials = NamespaceCredentials.issue(client, relay,
                        applier.currentOwned(relay, Secret.class, DependentNames.credentialsSecret(relay)));
                generated.add(SupportFactory.credentialsSecret(relay, credentials.usersFile(), credentials.loginMaps()));
            }
            // while leaving pods hand their queues on, the StatefulSet (and all that depends on its size) stays as is
            DesiredState desired = DesiredState.of(withReplicas(client, relay, scaleDown.replicas()),
                    settingsOnCluster(client), relayYaml, ConfigHash.of(relayYaml),
                    SupportFactory.adminToken(applier.currentOwned(relay, Secret.class, DependentNames.adminSecret(relay))),
                    SupportFactory.peerCredentials(applier.currentOwned(relay, Secret.class,
                            DependentNames.peerSecret(relay))), generated);
            workload = WorkloadState.of(applier.apply(relay, desired, leaving != null));
            if (leaving != null) {
                scaleDown = switchOver(client, relay, leaving, workload, applier);
            }
            applier.deleteIfOwned(relay, ServiceAccount.class, DependentNames.legacyServiceAccount(relay));
            if (credentials != null) {
                // after the relay's users file lost them: the Secrets of namespaces no longer selected
                NamespaceCredentials.revoke(client, relay, credentials.issued().stream()
                        .map(NamespaceCredentials.Issued::namespace).collect(Collectors.toSet()));
            } else if (hadCredentials(relay)) {
                NamespaceCredentials.revoke(client, relay, Set.of()); // relayFor.credentials removed
                applier.deleteIfOwned(relay, Secret.class, DependentNames.credentialsSecret(relay));
            }
            deployedVersion = relay.getMetadata().getGeneration() + "/" + desired.configHash();
            announceRollout(events, relay, running, desired);
        } else {
            workload = WorkloadState.of(running);
        }
        if (running instanceof StatefulSet || (running == null && persistent && problems.isEmpty())) {
            workload = workload.withPendingVolume(SpoolClaims.pending(client, spoolClaims, relay, workload));
        }
        if (prober != null) {
            if (workloadClients != null) { // a probe from a pod relayFor selects is an insider's
                prober.workloadClients(relay, workloadClients.addresses(relay));
            }
            prober.track(relay, problems.isEmpty() && workload.fullyAvailable(), deployedVersion);
        }
        if (queues != null) {
            queues.track(relay, workload.exists());
        }
        publish(relay, context, events, problems, workload, null, scaleDown, dkim, credentials);
        if (scaleDown.draining()) {
            return UpdateControl.<MailRelay>noUpdate().rescheduleAfter(DRAIN_RECHECK); // the queues change unseen
        }
        // a Pending claim changes nothing we watch while the provisioner keeps failing: look again
        if (workload.pendingVolume() != null) {
            return UpdateControl.<MailRelay>noUpdate().rescheduleAfter(SpoolClaims.RECHECK);
        }
        // a relay pod restarted in place lost its workload clients (kept in memory only): push again
        return relay.getSpec().relayFor == null ? UpdateControl.noUpdate()
                : UpdateControl.<MailRelay>noUpdate().rescheduleAfter(WorkloadClientsPusher.REFRESH);
    }

    /**
     * The finalizer's part: the namespace Secrets of relayFor.credentials, which no owner reference can delete.
     * JOSDK adds the finalizer to every MailRelay and removes it once this returns.
     */
    @Override
    public DeleteControl cleanup(MailRelay relay, Context<MailRelay> context) {
        if (NamespaceCredentials.enabled(relay) || hadCredentials(relay)) {
            NamespaceCredentials.revoke(context.getClient(), relay, Set.of());
        }
        return DeleteControl.defaultDelete();
    }

    /**
     * status.relayFor with relayFor.credentials' figures: this reconciliation's, else (it did not get that far) the
     * previous ones.
     */
    private static RelayForStatus withCredentials(MailRelay relay, RelayForStatus pushed,
            NamespaceCredentials.Outcome outcome) {
        RelayForStatus before = relay.getStatus() == null ? null : relay.getStatus().relayFor;
        if (!NamespaceCredentials.enabled(relay) || (outcome == null && (before == null || before.credentials == null))) {
            return pushed;
        }
        RelayForStatus status = pushed != null ? pushed : new RelayForStatus();
        if (outcome == null) {
            status.credentials = before.credentials;
            status.credentialNamespaces = before.credentialNamespaces;
            status.credentialsMessage = before.credentialsMessage;
            return status;
        }
        status.credentials = outcome.issued().size();
        status.credentialNamespaces = outcome.issued().stream().map(NamespaceCredentials.Issued::namespace)
                .sorted().toList();
        status.credentialsMessage = outcome.notIssued().isEmpty() ? null
                : outcome.notIssued().entrySet().stream().map(e -> e.getKey() + ": " + e.getValue())
                        .collect(Collectors.joining("; "));
        return status;
    }

    private static boolean hadCredentials(MailRelay relay) {
        return relay.getStatus() != null && relay.getStatus().relayFor != null
                && relay.getStatus().relayFor.credentials != null;
    }

    private OperatorSettings settingsOnCluster(KubernetesClient client) {
        OperatorSettings decided = onCluster;
        if (decided == null) {
            decided = settings.onCluster(() -> Platform.openShift(client));
            onCluster = decided;
        }
        return decided;
    }

    /**
     * One step of a persistence switch: once the new workload is fully available, the old pods are asked to hand
     * their queues to its pods; once they are all drained, the old workload is deleted.
     */
    private ScaleDownPlan switchOver(KubernetesClient client, MailRelay relay, HasMetadata leaving,
            WorkloadState fresh, DependentApplier applier) {
        String what = leaving instanceof Deployment
                ? "switching the spool from emptyDir (Deployment) to PersistentVolumeClaims (StatefulSet)"
                : "switching the spool from PersistentVolumeClaims (StatefulSet) to emptyDir (Deployment)";
        if (!fresh.fullyAvailable()) {
            return new ScaleDownPlan(what + ", waiting until the new pods are ready (" + fresh.describe() + ")", 0,
                    List.of(), List.of(), true);
        }
        ScaleDownPlan plan = scaleDowns.switchOver(client, relay, leaving.getKind(), what);
        if (!plan.draining()) {
            applier.deleteIfOwned(relay, leaving.getClass(), leaving.getMetadata().getName());
        }
        return plan;
    }

    private static boolean wasDraining(MailRelay relay) {
        return relay.getStatus() != null && Conditions.find(relay.getStatus().conditions, Conditions.DRAINING)
                .filter(c -> Conditions.TRUE.equals(c.getStatus())).isPresent();
    }

    /** The relay as the workload is to be rendered: with the replicas a running scale-down still keeps. */
    private static MailRelay withReplicas(KubernetesClient client, MailRelay relay, int replicas) {
        if (replicas == WorkloadFactory.replicas(relay)) {
            return relay;
        }
        MailRelay copy = client.getKubernetesSerialization().clone(relay);
        copy.getSpec().replicas = replicas;
        return copy;
    }

    /** Apply errors reach status through the same composer as every other status, then JOSDK retries. */
    @Override
    public ErrorStatusUpdateControl<MailRelay> updateErrorStatus(MailRelay relay, Context<MailRelay> context,
            Exception e) {
        ApplyFailure failure = DependentApplier.ApplyFailedException.of(e);
        try {
            KubernetesClient client = context.getClient();
            publish(relay, context, new RelayEvents(client), List.of(),
                    WorkloadState.of(preferred(ownedWorkloads(new DependentApplier(client, ownedObjects), relay),
                            WorkloadFactory.persistent(relay.getSpec()))),
                    failure, null, null, null);
        } catch (RuntimeException statusNotWritten) {
            e.addSuppressed(statusNotWritten);
        }
        return ErrorStatusUpdateControl.noStatusUpdate();
    }

    /**
     * Gathers what this reconciliation and the operator's observers (probe, queue reader, relayFor pusher) know, has
     * {@link StatusComposer} build the whole status from it, records its transitions and writes it.
     *
     * @param scaleDown this reconciliation's, null when it did not get that far (the Draining condition stays)
     * @param dkim      this reconciliation's DKIM records, null when it did not get that far (the previous ones stay)
     */
    private void publish(MailRelay relay, Context<MailRelay> context, RelayEvents events, List<ConfigProblem> problems,
            WorkloadState workload, ApplyFailure failure, ScaleDownPlan scaleDown, List<DkimRecordStatus> dkim,
            NamespaceCredentials.Outcome credentials) {
        MailRelayStatus before = relay.getStatus();
        Observations seen = Observations.of(problems,
                RiskAnalysis.analyse(relay.getSpec(), clusterNetworks.read(context.getClient())), workload)
                .withFailure(failure).withScaleDown(scaleDown).withDkim(dkim);
        if (prober != null) {
            seen = seen.withProbe(prober.latest(relay).orElse(null));
        }
        if (queues != null) {
            seen = seen.withPodsRead(queues.latest(relay).orElse(null), queues.latestUpstreams(relay).orElse(null));
        }
        seen = seen.withRelayFor(withCredentials(relay,
                workloadClients == null ? null : workloadClients.latest(relay).orElse(null), credentials));
        MailRelayStatus after = StatusComposer.compose(relay, seen, Instant.now());
        TransitionEvents.record(events, relay, before, after);
        if (sameStatus(context.getClient(), before, after)) {
            return; // a write that changes nothing would still cost a request, and wake every watcher of MailRelays
        }
        // cached, so that the next reconciliation compares with this status and never repeats an event
        PrimaryUpdateAndCacheUtils.ssaPatchStatusAndCacheResource(relay, statusOnly(relay, after), context);
    }

    private static boolean sameStatus(KubernetesClient client, MailRelayStatus before, MailRelayStatus after) {
        var json = client.getKubernetesSerialization();
        return before != null && json.convertValue(before, com.fasterxml.jackson.databind.JsonNode.class)
                .equals(json.convertValue(after, com.fasterxml.jackson.databind.JsonNode.class));
    }

    private static MailRelay statusOnly(MailRelay relay, MailRelayStatus status) {
        MailRelay patch = new MailRelay();
        patch.getMetadata().setName(relay.getMetadata().getName());
        patch.getMetadata().setNamespace(relay.getMetadata().getNamespace());
        patch.setStatus(status);
        return patch;
    }

    /** The relay's Deployment and StatefulSet that exist and are ours: both only in the middle of a switch. */
    private static List<HasMetadata> ownedWorkloads(DependentApplier applier, MailRelay relay) {
        List<HasMetadata> owned = new ArrayList<>();
        for (Class<? extends HasMetadata> type : List.of(StatefulSet.class, Deployment.class)) {
            HasMetadata workload = applier.currentOwned(relay, type, relay.getMetadata().getName());
            if (workload != null) {
                owned.add(workload);
            }
        }
        return owned;
    }

    /** The workload of the kind the spec wants, else the one that still runs (a refused switch). */
    private static HasMetadata preferred(List<HasMetadata> owned, boolean persistent) {
        Class<?> wanted = persistent ? StatefulSet.class : Deployment.class;
        return owned.stream().filter(wanted::isInstance).findFirst().orElse(owned.isEmpty() ? null : owned.get(0));
    }

    /** The generated DKIM keys' Secrets: each as it is on the cluster when it is ours, else a new key. */
    private static List<Secret> dkimSecrets(DependentApplier applier, MailRelay relay) {
        List<DkimSigning> signing = relay.getSpec().dkim == null ? List.of() : relay.getSpec().dkim;
        return signing.stream().filter(entry -> entry.secretName == null)
                .map(entry -> DkimSecrets.generatedSecret(relay, entry,
                        applier.currentOwned(relay, Secret.class, DependentNames.dkimSecret(relay, entry.selector))))
                .toList();
    }

    /** status.dkim: the generated keys from what is applied, the named Secrets as they are on the cluster. */
    private static List<DkimRecordStatus> dkimRecords(KubernetesClient client, MailRelay relay, List<Secret> generated) {
        List<DkimSigning> signing = relay.getSpec().dkim == null ? List.of() : relay.getSpec().dkim;
        return signing.stream().map(entry -> {
            String name = DkimSecrets.secretName(relay, entry);
            Secret secret = entry.secretName == null
                    ? generated.stream().filter(s -> s.getMetadata().getName().equals(name)).findFirst().orElse(null)
                    : client.secrets().inNamespace(relay.getMetadata().getNamespace()).withName(name).get();
            return DkimSecrets.record(relay, entry, secret);
        }).toList();
    }

    private static void announceRollout(RelayEvents events, MailRelay relay, HasMetadata running, DesiredState desired) {
        if (running == null || !running.getKind().equals(desired.workload().getKind())) {
            events.normal(relay, "Created", "created " + desired.workload().getKind() + " "
                    + desired.workload().getMetadata().getName() + " with its ConfigMap, Service, NetworkPolicy and ServiceAccount");
            return;
        }
        String runningHash = configHash(running);
        if (!desired.configHash().equals(runningHash)) {
            events.normal(relay, "ConfigChanged", "relay configuration changed: rolling the pods (config hash "
                    + runningHash + " -> " + desired.configHash() + ")");
        }
    }

    private static String configHash(HasMetadata workload) {
        Map<String, String> annotations;
        if (workload instanceof Deployment deployment) {
            annotations = deployment.getSpec().getTemplate().getMetadata().getAnnotations();
        } else {
            annotations = ((StatefulSet) workload).getSpec().getTemplate().getMetadata().getAnnotations();
        }
        return annotations == null ? null : annotations.get(PodTemplateFactory.CONFIG_HASH_ANNOTATION);
    }
}
