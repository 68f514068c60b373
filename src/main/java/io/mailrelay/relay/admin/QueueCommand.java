package io.mailrelay.relay.admin;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;

import io.mailrelay.config.InvalidConfigException;
import io.mailrelay.config.RelayConfig;
import io.mailrelay.relay.config.RelayConfigLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code mailrelay queue list|flush|delete|hold|release|bounce}: the relay's admin endpoint from inside its pod
 * ({@code kubectl exec deploy/<name> -- mailrelay queue list}), with the token of the relay's own admin.tokenFile.
 * Exit status 0 when done, 1 when the relay refused or failed, 2 for a bad command line or config.
 */
@Command(name = "queue", mixinStandardHelpOptions = true,
        description = "See and steer the relay's queue (like Postfix's mailq, postqueue -f, postsuper -d/-h/-H).")
public class QueueCommand {

    /** Where the operator mounts relay.yaml in a relay pod. */
    static final String DEFAULT_CONFIG = "/etc/mailrelay/config/relay.yaml";

    @Spec
    CommandSpec spec;

    @Option(names = "--config", defaultValue = DEFAULT_CONFIG, scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "the relay's relay.yaml, for admin.tokenFile (default ${DEFAULT-VALUE})")
    Path config;

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "the relay's management HTTP server (default ${DEFAULT-VALUE})")
    URI url;

    @Option(names = { "-o", "--output" }, defaultValue = "table", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "table or json (default ${DEFAULT-VALUE})")
    String output;

    /** Calls the endpoint; prints the JSON (-o json) or what {@code table} makes of it. */
    private int call(String method, String path, Function<JsonNode, String> table) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!output.equals("table") && !output.equals("json")) {
            err.println("-o: \"" + output + "\" is not table or json");
            err.flush();
            return 2;
        }
        String token;
        try {
            RelayConfig relay = RelayConfigLoader.load(config);
            if (relay.admin().tokenFile() == null) {
                err.println(config + ": no admin.tokenFile: the admin endpoint is off");
                err.flush();
                return 2;
            }
            token = new String(AdminTokenFile.read(relay.admin().tokenFile()), StandardCharsets.UTF_8);
        } catch (InvalidConfigException | IOException | IllegalArgumentException e) {
            err.println(e.getMessage());
            err.flush();
            return 2;
        }
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            HttpRequest request = HttpRequest.newBuilder(url.resolve(path)).timeout(Duration.ofSeconds(60))
                    .header("Authorization", "Bearer " + token).header("Accept", "application/json")
                    .method(method, HttpRequest.BodyPublishers.noBody()).build();
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode body = AdminRoutes.JSON.readTree(response.body());
            if (response.statusCode() != 200) {
                err.println("relay answered " + response.statusCode() + ": "
                        + (body.has("error") ? body.get("error").asText() : response.body()));
                err.flush();
                return 1;
            }
            out.println(output.equals("json") ? AdminRoutes.JSON.writerWithDefaultPrettyPrinter()
                    .writeValueAsString(body) : table.apply(body));
            out.flush();
            return 0;
        } catch (IOException e) {
            err.println("cannot reach the relay at " + url + ": " + e.getMessage());
            err.flush();
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The queued messages (mailq).")
    int list() {
        return call("GET", "/admin/queue", QueueTable::render);
    }

    @Command(name = "flush", mixinStandardHelpOptions = true,
            description = "Retry now: every deferred message (postqueue -f), or the one given (postqueue -i).")
    int flush(@Parameters(arity = "0..1", paramLabel = "ID") String id) {
        return call("POST", id == null ? "/admin/queue/flush" : "/admin/queue/" + id + "/flush", QueueTable::result);
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete a message without notifying anyone (postsuper -d).")
    int delete(@Parameters(paramLabel = "ID") String id) {
        return call("POST", "/admin/queue/" + id + "/delete", QueueTable::result);
    }

    @Command(name = "hold", mixinStandardHelpOptions = true,
            description = "Put a message on hold: not delivered until released, also across restarts (postsuper -h).")
    int hold(@Parameters(paramLabel = "ID") String id) {
        return call("POST", "/admin/queue/" + id + "/hold", QueueTable::result);
    }

    @Command(name = "release", mixinStandardHelpOptions = true,
            description = "Release a held message and try it now (postsuper -H).")
    int release(@Parameters(paramLabel = "ID") String id) {
        return call("POST", "/admin/queue/" + id + "/release", QueueTable::result);
    }

    @Command(name = "bounce", mixinStandardHelpOptions = true,
            description = "Return a message to its sender now, with a delivery status notification.")
    int bounce(@Parameters(paramLabel = "ID") String id) {
        return call("POST", "/admin/queue/" + id + "/bounce", QueueTable::result);
    }
}
