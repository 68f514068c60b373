package io.mailrelay.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Quantity;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!self.enabled || has(self.size)",
        message = "persistence.size is required when persistence.enabled is true", fieldPath = ".size")
public class Persistence {

    @JsonPropertyDescription("true: a StatefulSet with a PersistentVolumeClaim per pod for the spool. Default false (emptyDir).")
    @Default("false")
    public Boolean enabled;

    @JsonPropertyDescription("StorageClass of the spool volumes. Default: the cluster's default class.")
    public String storageClassName;

    @JsonPropertyDescription("Size of each spool volume (e.g. 1Gi), required when enabled.")
    public Quantity size;

    @JsonPropertyDescription("Below this much free space on the spool's file system the relay answers MAIL with "
            + "452 4.3.1 Insufficient system storage (Postfix queue_minfree); 0 turns the check off. "
            + "Default: 100Mi, or a tenth of size when that is smaller.")
    public Quantity minFreeSpace;
}
