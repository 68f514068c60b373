package io.mailrelay.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Quantity;

/**
 * The spool volume. Durable unless {@link #type} says {@code EmptyDir}: the only way to ask for a queue that
 * dies with its pod. No CRD default on {@code type} or {@code size}: the API server applies defaults on every
 * read too, and an absent type must stay distinguishable from an asked-for one (docs/operator.md).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.type) || !has(self.enabled) || !self.enabled || self.type == 'PersistentVolumeClaim'",
        message = "persistence.enabled: true contradicts persistence.type: EmptyDir; drop the deprecated enabled",
        fieldPath = ".enabled")
public class Persistence {

    /** Spelled as Kubernetes spells the volume sources. */
    public enum Type {
        PersistentVolumeClaim, EmptyDir
    }

    public static final String DEFAULT_SIZE = "1Gi";

    @JsonPropertyDescription("PersistentVolumeClaim (the default): a StatefulSet with a volume per pod; the queue survives "
            + "rollouts, restarts and evictions. EmptyDir: a Deployment whose queue is lost with its pod (condition "
            + "SpoolEphemeral True); only when set here.")
    public Type type;

    @JsonPropertyDescription("Deprecated, use type. true means type PersistentVolumeClaim. false is ignored: v0.1 wrote it "
            + "into every persistence object as a default, so it does not say that an emptyDir was wanted.")
    public Boolean enabled;

    @JsonPropertyDescription("StorageClass of the spool volumes. Default: the cluster's default class.")
    public String storageClassName;

    @JsonPropertyDescription("Size of each spool volume: the PersistentVolumeClaim's request, or the emptyDir's sizeLimit. "
            + "Default 1Gi.")
    public Quantity size;

    @JsonPropertyDescription("Below this much free space on the spool's file system the relay answers MAIL with "
            + "452 4.3.1 Insufficient system storage (Postfix queue_minfree); 0 turns the check off. "
            + "Default: 100Mi, or a tenth of size when that is smaller.")
    public Quantity minFreeSpace;

    /** True only when the spec asks for an emptyDir spool in so many words. */
    public static boolean ephemeral(Persistence persistence) {
        return persistence != null && persistence.type == Type.EmptyDir;
    }

    /** The spool volume's size: the spec's, or the default. */
    public static Quantity size(Persistence persistence) {
        return persistence == null || persistence.size == null ? new Quantity(DEFAULT_SIZE) : persistence.size;
    }
}
