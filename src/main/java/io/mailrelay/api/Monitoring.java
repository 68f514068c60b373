package io.mailrelay.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.kubernetes.api.model.LabelSelector;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class Monitoring {

    @JsonPropertyDescription("Namespaces whose pods may scrape /q/metrics on port 8080 (e.g. the Prometheus namespace). "
            + "Unset: no pod may reach the metrics port.")
    public LabelSelector namespaceSelector;
}
