package io.mailrelay.operator;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The requests an API server counted ({@code apiserver_request_total} of its /metrics), as "VERB
 * resource[/subresource]": what an operator sent, whatever its client logs. A dry run counts under its verb: it costs
 * the server as much.
 */
final class ApiServerRequests {

    /** The verbs that write. */
    static final Set<String> WRITES = Set.of("APPLY", "PATCH", "POST", "PUT", "DELETE", "DELETECOLLECTION");

    private final KubernetesClient client;
    private final Set<String> verbs;
    private final Set<String> resources;

    /** @param resources the resources counted (the API server's own requests, such as its leases', left out) */
    ApiServerRequests(KubernetesClient client, Set<String> verbs, Set<String> resources) {
        this.client = client;
        this.verbs = verbs;
        this.resources = resources;
    }

    /** The requests counted so far. */
    Map<String, Double> now() {
        Map<String, Double> writes = new TreeMap<>();
        Matcher line = Pattern.compile("(?m)^apiserver_request_total\\{([^}]*)\\} ([0-9.e+]+)$")
                .matcher(client.raw("/metrics"));
        while (line.find()) {
            Map<String, String> labels = new TreeMap<>();
            Matcher label = Pattern.compile("(\\w+)=\"([^\"]*)\"").matcher(line.group(1));
            while (label.find()) {
                labels.put(label.group(1), label.group(2));
            }
            if (verbs.contains(labels.get("verb")) && resources.contains(labels.get("resource"))) {
                String subresource = labels.getOrDefault("subresource", "");
                writes.merge(labels.get("verb") + " " + labels.get("resource")
                        + (subresource.isEmpty() ? "" : "/" + subresource), Double.parseDouble(line.group(2)), Double::sum);
            }
        }
        return writes;
    }

    /** The requests counted since {@code before} (from {@link #now}). */
    Map<String, Double> since(Map<String, Double> before) {
        Map<String, Double> delta = new TreeMap<>();
        now().forEach((key, value) -> {
            double counted = value - before.getOrDefault(key, 0.0);
            if (counted > 0) {
                delta.put(key, counted);
            }
        });
        return delta;
    }
}
