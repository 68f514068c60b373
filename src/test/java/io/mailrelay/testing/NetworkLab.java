package io.mailrelay.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Network namespaces a test creates, links with veth pairs and configures (addresses, routes, iptables),
 * and deletes at {@link #close()}: nothing is ever added to the host's own namespace (the network rule of
 * docs/testing.md). Needs root (CAP_NET_ADMIN) and a kernel with network namespaces and NAT; see
 * {@link #unavailable()}.
 */
public final class NetworkLab implements AutoCloseable {

    private final String prefix;
    private final List<String> namespaces = new ArrayList<>();
    private int links;

    /** @param prefix a short name unique to the test (namespace and interface names derive from it) */
    public NetworkLab(String prefix) {
        this.prefix = prefix + (ProcessHandle.current().pid() % 100000);
    }

    /**
     * Why this machine cannot run such a test, or empty when it can: a namespace is created, given a NAT rule
     * with iptables, and deleted.
     */
    public static Optional<String> unavailable() {
        String probe = "mrlabcheck" + (ProcessHandle.current().pid() % 100000);
        try {
            Exec.Result add = Exec.run("ip", "netns", "add", probe);
            if (add.exitCode() != 0) {
                return Optional.of("cannot create a network namespace (root and CAP_NET_ADMIN needed): " + add.stderr().strip());
            }
            Exec.Result nat = Exec.run("ip", "netns", "exec", probe, "iptables", "-t", "nat", "-A", "POSTROUTING",
                    "-o", "lo", "-j", "MASQUERADE");
            if (nat.exitCode() != 0) {
                return Optional.of("iptables cannot add a nat rule in a network namespace (kernel without NAT, or"
                        + " iptables not installed: scripts/test-deps.sh): " + nat.stderr().strip());
            }
            return Optional.empty();
        } catch (RuntimeException e) {
            return Optional.of("cannot run ip/iptables: " + e.getMessage());
        } finally {
            Exec.run("ip", "netns", "del", probe);
        }
    }

    /** Creates namespace {@code name} (returned with the lab's prefix) with its loopback up. */
    public String namespace(String name) {
        String namespace = prefix + "-" + name;
        ok(Exec.run("ip", "netns", "add", namespace));
        namespaces.add(namespace);
        ok(exec(namespace, "ip", "link", "set", "lo", "up"));
        return namespace;
    }

    /** A veth pair between two namespaces, each end with its address (CIDR notation), both up. */
    public void link(String namespaceA, String addressA, String namespaceB, String addressB) {
        String a = "v" + prefix.hashCode() % 10000 + "a" + links;
        String b = "v" + prefix.hashCode() % 10000 + "b" + links;
        links++;
        ok(Exec.run("ip", "link", "add", a, "netns", namespaceA, "type", "veth", "peer", "name", b, "netns", namespaceB));
        ok(exec(namespaceA, "ip", "addr", "add", addressA, "dev", a));
        ok(exec(namespaceA, "ip", "link", "set", a, "up"));
        ok(exec(namespaceB, "ip", "addr", "add", addressB, "dev", b));
        ok(exec(namespaceB, "ip", "link", "set", b, "up"));
    }

    /** Runs a command inside the namespace. */
    public Exec.Result exec(String namespace, String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        full.addAll(List.of(command));
        return Exec.run(full, Map.of(), 300);
    }

    /** As {@link #exec}, failing on a non-zero exit. */
    public void run(String namespace, String... command) {
        ok(exec(namespace, command));
    }

    private static void ok(Exec.Result result) {
        result.assertSuccess();
    }

    @Override
    public void close() {
        for (String namespace : namespaces) {
            Exec.run("ip", "netns", "del", namespace); // its veth ends and iptables rules go with it
        }
        namespaces.clear();
    }
}
