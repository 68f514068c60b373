package io.mailrelay.operator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.Conditions;
import io.mailrelay.testing.AppProcess;
import io.mailrelay.testing.RealKubeApiServer;

/**
 * bench/operator-scale.sh: the packaged operator as its Deployment runs it ({@link PackagedOperator#startAsDeployed})
 * against a real API server (with a Service range large enough for the run), N MailRelays created at once, timed until
 * every one has its dependents and ConfigValid=True and Applied=True; then one spec change to all of them, timed until
 * every ConfigMap carries it. Samples the operator's resident set (/proc) and heap (its /q/metrics) throughout, and
 * counts the API server's requests (its /metrics) per MailRelay by verb and resource, the operator's reconciliations
 * and the CPU seconds of each process.
 * Prints each figure beside the target of issue "Fast and small". A benchmark, not a test: it asserts nothing.
 */
public final class OperatorScaleBench {

    private static final Duration LIMIT = Duration.ofMinutes(10);
    /** How long requests and reconciliations are still counted after a spec change has reached every ConfigMap. */
    private static final Duration SETTLE = Duration.ofSeconds(5);

    public static void main(String[] args) throws Exception {
        List<Integer> counts = args.length == 0 ? List.of(100, 1000) : java.util.Arrays.stream(args).map(Integer::valueOf).toList();
        RealKubeApiServer api = new RealKubeApiServer().withServiceRange("10.96.0.0/16");
        api.start();
        try {
            KubeFixture kube = new KubeFixture(api.client());
            kube.installCrdOnly();
            kube.namespace(KubeFixture.OPERATOR_NAMESPACE, Map.of());
            int metricsPort = io.mailrelay.testing.FreePort.pick();
            try (AppProcess operator = PackagedOperator.startAsDeployed(api, "quarkus.http.port=" + metricsPort)) {
                System.out.println("operator: " + operator);
                Sampler sampler = new Sampler(operator.pid(), metricsPort);
                Thread sampling = new Thread(sampler, "sampler");
                sampling.setDaemon(true);
                sampling.start();
                awaitUp(metricsPort);
                System.out.printf("operator idle: RSS %.0f MB, heap %.0f MB%n", sampler.rssMb(), sampler.heapMb());
                for (int count : counts) {
                    run(api, kube, count, sampler);
                }
            }
        } finally {
            api.stop();
        }
        System.out.printf("machine: %d cores, load average %s%n", Runtime.getRuntime().availableProcessors(),
                Files.readString(Path.of("/proc/loadavg")).trim());
        System.exit(0); // the clients' Vert.x event loops would keep the JVM alive
    }

    private static void run(RealKubeApiServer api, KubeFixture kube, int count, Sampler sampler) throws Exception {
        KubernetesClient client = api.client();
        String namespace = "scale-" + count;
        kube.namespace(namespace, Map.of());
        sampler.resetPeaks();
        Map<String, Double> requestsBefore = apiRequests(api);
        double reconcilesBefore = sampler.reconciliations();
        own.clear();
        Map<String, Double> cpuBefore = cpuSeconds();
        long start = System.nanoTime();
        ExecutorService creators = Executors.newFixedThreadPool(8);
        for (int i = 0; i < count; i++) {
            MailRelay relay = kube.example("minimal.yaml", namespace);
            relay.getMetadata().setName("relay-" + i);
            relay.getSpec().probe = new io.mailrelay.api.ProbeSpec();
            relay.getSpec().probe.enabled = false;
            creators.submit(() -> {
                client.resource(relay).create();
                own("POST mailrelays");
            });
        }
        creators.shutdown();
        creators.awaitTermination(LIMIT.toSeconds(), TimeUnit.SECONDS);
        double created = seconds(start);
        double reconciled = awaitAll(client, namespace, count, start, OperatorScaleBench::validAndApplied);
        Map<String, Double> requests = operatorRequests(apiRequests(api), requestsBefore);
        System.out.printf("%d MailRelays: created in %.1f s, all ConfigValid and Applied after %.1f s (target for 1,000: < 60 s); "
                + "operator peak RSS %.0f MB (target < 200 MB), peak heap %.0f MB; %.1f API requests per MailRelay by the "
                + "operator, %.2f reconciliations per MailRelay%n", count, created, reconciled, sampler.peakRssMb,
                sampler.peakHeapMb, total(requests) / count, (sampler.reconciliations() - reconcilesBefore) / count);
        printRequests(requests, count);
        printCpu(cpuBefore, reconciled);

        sampler.resetPeaks();
        requestsBefore = apiRequests(api);
        reconcilesBefore = sampler.reconciliations();
        own.clear();
        cpuBefore = cpuSeconds();
        long change = System.nanoTime();
        ExecutorService patchers = Executors.newFixedThreadPool(8);
        for (int i = 0; i < count; i++) {
            String name = "relay-" + i;
            patchers.submit(() -> {
                client.resources(MailRelay.class).inNamespace(namespace).withName(name).patch(
                        PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"limits\":{\"maxRecipients\":77}}}");
                own("GET mailrelays"); // Fabric8 reads the object before it patches it
                own("PATCH mailrelays");
            });
        }
        patchers.shutdown();
        patchers.awaitTermination(LIMIT.toSeconds(), TimeUnit.SECONDS);
        double propagated = awaitConfigMaps(client, namespace, count, change);
        // what the operator still does once the change is everywhere: status, events, re-reconciliations
        Thread.sleep(SETTLE.toMillis());
        requests = operatorRequests(apiRequests(api), requestsBefore);
        System.out.printf("%d MailRelays: a spec change to all of them reached every ConfigMap after %.1f s; "
                + "operator peak RSS %.0f MB, peak heap %.0f MB; %.1f API requests per MailRelay by the operator, "
                + "%.2f reconciliations per MailRelay (counted until %d s after)%n", count, propagated, sampler.peakRssMb,
                sampler.peakHeapMb, total(requests) / count, (sampler.reconciliations() - reconcilesBefore) / count,
                SETTLE.toSeconds());
        printRequests(requests, count);
        printCpu(cpuBefore, seconds(change));
    }

    private static boolean validAndApplied(MailRelay relay) {
        return relay.getStatus() != null && relay.getStatus().conditions != null
                && Conditions.find(relay.getStatus().conditions, Conditions.CONFIG_VALID)
                        .filter(c -> Conditions.TRUE.equals(c.getStatus())).isPresent()
                && Conditions.find(relay.getStatus().conditions, Conditions.APPLIED)
                        .filter(c -> Conditions.TRUE.equals(c.getStatus())).isPresent();
    }

    private static double awaitAll(KubernetesClient client, String namespace, int count, long start,
            Predicate<MailRelay> done) throws InterruptedException {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            long ready = client.resources(MailRelay.class).inNamespace(namespace).list().getItems().stream().filter(done).count();
            own("LIST mailrelays");
            if (ready == count) {
                return seconds(start);
            }
            Thread.sleep(500);
        }
        return Double.NaN;
    }

    private static double awaitConfigMaps(KubernetesClient client, String namespace, int count, long start)
            throws InterruptedException {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            long changed = client.configMaps().inNamespace(namespace).list().getItems().stream()
                    .map(ConfigMap::getData).filter(data -> data != null && data.getOrDefault("relay.yaml", "")
                            .contains("maxRecipients: 77")).count();
            own("LIST configmaps");
            if (changed == count) {
                return seconds(start);
            }
            Thread.sleep(500);
        }
        return Double.NaN;
    }

    /**
     * apiserver_request_total by verb and resource (with subresource and dry run), over every client: the API server
     * cannot tell them apart, so the benchmark counts its own requests ({@link #own}) and {@link #operatorRequests}
     * takes them off.
     */
    private static Map<String, Double> apiRequests(RealKubeApiServer api) {
        own("GET /metrics");
        String metrics = api.client().raw("/metrics");
        Map<String, Double> byKind = new TreeMap<>();
        Matcher matcher = Pattern.compile("(?m)^apiserver_request_total\\{([^}]*)\\} ([0-9.e+]+)$").matcher(metrics);
        while (matcher.find()) {
            Map<String, String> labels = new HashMap<>();
            Matcher label = Pattern.compile("(\\w+)=\"([^\"]*)\"").matcher(matcher.group(1));
            while (label.find()) {
                labels.put(label.group(1), label.group(2));
            }
            String resource = labels.getOrDefault("resource", "");
            String key = labels.get("verb") + " " + (resource.isEmpty() ? "(no resource)" : resource)
                    + (labels.getOrDefault("subresource", "").isEmpty() ? "" : "/" + labels.get("subresource"))
                    + (labels.getOrDefault("dry_run", "").isEmpty() ? "" : " (dry run)");
            byKind.merge(key, Double.parseDouble(matcher.group(2)), Double::sum);
        }
        return byKind;
    }

    /** The benchmark's own requests since the last {@code own.clear()}, by the keys of {@link #apiRequests}. */
    private static final Map<String, AtomicLong> own = new ConcurrentHashMap<>();

    private static void own(String key) {
        own.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
    }

    /** What the API server counted since {@code before}, less the benchmark's own requests. */
    private static Map<String, Double> operatorRequests(Map<String, Double> after, Map<String, Double> before) {
        Map<String, Double> delta = new TreeMap<>();
        after.forEach((key, value) -> {
            double mine = own.containsKey(key) ? own.get(key).get() : 0;
            double counted = value - before.getOrDefault(key, 0.0) - mine;
            if (counted > 0) {
                delta.put(key, counted);
            }
        });
        delta.remove("GET (no resource)"); // /metrics, the sampler's and ours
        return delta;
    }

    /**
     * CPU seconds (user + system) of this benchmark's processes by command name: kube-apiserver, etcd, the operator's
     * JVM (java) and this one, which shows where the time of a run went on a machine shared with others.
     */
    private static Map<String, Double> cpuSeconds() {
        Map<String, Double> cpu = new TreeMap<>();
        java.util.stream.Stream.concat(java.util.stream.Stream.of(ProcessHandle.current()), ProcessHandle.current().descendants())
                .forEach(process -> {
                    try {
                        String stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
                        String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        double seconds = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0; // USER_HZ
                        String key = process.pid() == ProcessHandle.current().pid() ? "benchmark (java)" : name;
                        cpu.merge(key, seconds, Double::sum);
                    } catch (IOException | RuntimeException gone) {
                        // ended meanwhile
                    }
                });
        return cpu;
    }

    private static void printCpu(Map<String, Double> before, double wallSeconds) {
        StringBuilder line = new StringBuilder(String.format("    CPU seconds in these %.1f s (2 cores: at most %.1f):",
                wallSeconds, 2 * wallSeconds));
        cpuSeconds().forEach((name, seconds) -> line.append(String.format(" %s %.1f,", name,
                seconds - before.getOrDefault(name, 0.0))));
        System.out.println(line.substring(0, line.length() - 1));
    }

    private static double total(Map<String, Double> requests) {
        return requests.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    private static void printRequests(Map<String, Double> requests, int count) {
        requests.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> System.out.printf("    %-45s %8.0f  %6.2f per MailRelay%n", e.getKey(), e.getValue(),
                        e.getValue() / count));
    }

    private static void awaitUp(int port) throws InterruptedException {
        for (int i = 0; i < 600; i++) {
            try (var socket = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    /** The operator's resident set from /proc and its heap from /q/metrics, every 200 ms. */
    static final class Sampler implements Runnable {
        private final long pid;
        private final int metricsPort;
        private final java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        volatile double peakRssMb;
        volatile double peakHeapMb;
        private final AtomicLong samples = new AtomicLong();

        Sampler(long pid, int metricsPort) {
            this.pid = pid;
            this.metricsPort = metricsPort;
        }

        void resetPeaks() {
            peakRssMb = rssMb();
            peakHeapMb = heapMb();
        }

        @Override
        public void run() {
            while (true) {
                peakRssMb = Math.max(peakRssMb, rssMb());
                peakHeapMb = Math.max(peakHeapMb, heapMb());
                samples.incrementAndGet();
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        double rssMb() {
            try {
                return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                        .map(l -> Double.parseDouble(l.replaceAll("[^0-9]", "")) / 1024).findFirst().orElse(0.0);
            } catch (IOException e) {
                return 0;
            }
        }

        double heapMb() {
            return metric("(?m)^jvm_memory_used_bytes\\{[^}]*area=\"heap\"[^}]*\\} ([0-9.E+e-]+)$") / (1024 * 1024);
        }

        /** JOSDK's count of reconciliations run (its execution timer), over all resources. */
        double reconciliations() {
            return metric("(?m)^reconciliations_execution_duration_seconds_count(?:\\{[^}]*\\})? ([0-9.E+e-]+)$");
        }

        /** The sum of the operator's metric lines that {@code line} matches (group 1: the value). */
        private double metric(String line) {
            try {
                String metrics = http.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + metricsPort + "/q/metrics")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                double total = 0;
                Matcher matcher = Pattern.compile(line).matcher(metrics);
                while (matcher.find()) {
                    total += Double.parseDouble(matcher.group(1));
                }
                return total;
            } catch (IOException | InterruptedException | RuntimeException e) {
                return 0;
            }
        }
    }
}
