package io.mailrelay.operator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.Conditions;
import io.mailrelay.testing.AppProcess;
import io.mailrelay.testing.RealKubeApiServer;

/**
 * bench/operator-scale.sh: the packaged operator against a real API server (with a Service range large enough for the
 * run), N MailRelays created at once, timed until every one has its dependents and ConfigValid=True and Applied=True;
 * then one spec change to all of them, timed until every ConfigMap carries it. Samples the operator's resident set
 * (/proc) and heap (its /q/metrics) throughout, and counts the API server's requests (its /metrics) per MailRelay.
 * Prints each figure beside the target of issue "Fast and small". A benchmark, not a test: it asserts nothing.
 */
public final class OperatorScaleBench {

    private static final Duration LIMIT = Duration.ofMinutes(10);

    public static void main(String[] args) throws Exception {
        List<Integer> counts = args.length == 0 ? List.of(100, 1000) : java.util.Arrays.stream(args).map(Integer::valueOf).toList();
        RealKubeApiServer api = new RealKubeApiServer(List.of("--service-cluster-ip-range=10.96.0.0/16"));
        api.start();
        try {
            KubeFixture kube = new KubeFixture(api.client());
            kube.installCrdOnly();
            kube.namespace(KubeFixture.OPERATOR_NAMESPACE, Map.of());
            int metricsPort = io.mailrelay.testing.FreePort.pick();
            try (AppProcess operator = PackagedOperator.start(api, "quarkus.http.port=" + metricsPort)) {
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
    }

    private static void run(RealKubeApiServer api, KubeFixture kube, int count, Sampler sampler) throws Exception {
        KubernetesClient client = api.client();
        String namespace = "scale-" + count;
        kube.namespace(namespace, Map.of());
        sampler.resetPeaks();
        double requestsBefore = apiRequests(api);
        long start = System.nanoTime();
        ExecutorService creators = Executors.newFixedThreadPool(8);
        for (int i = 0; i < count; i++) {
            MailRelay relay = kube.example("minimal.yaml", namespace);
            relay.getMetadata().setName("relay-" + i);
            relay.getSpec().probe = new io.mailrelay.api.ProbeSpec();
            relay.getSpec().probe.enabled = false;
            creators.submit(() -> client.resource(relay).create());
        }
        creators.shutdown();
        creators.awaitTermination(LIMIT.toSeconds(), TimeUnit.SECONDS);
        double created = seconds(start);
        double reconciled = awaitAll(client, namespace, count, start, OperatorScaleBench::validAndApplied);
        double requests = apiRequests(api) - requestsBefore;
        System.out.printf("%d MailRelays: created in %.1f s, all ConfigValid and Applied after %.1f s (target for 1,000: < 60 s); "
                + "operator peak RSS %.0f MB (target < 200 MB), peak heap %.0f MB; %.1f API requests per MailRelay "
                + "(all clients, the benchmark's own creates and reads included)%n", count, created, reconciled, sampler.peakRssMb,
                sampler.peakHeapMb, requests / count);

        sampler.resetPeaks();
        long change = System.nanoTime();
        ExecutorService patchers = Executors.newFixedThreadPool(8);
        for (int i = 0; i < count; i++) {
            String name = "relay-" + i;
            patchers.submit(() -> client.resources(MailRelay.class).inNamespace(namespace).withName(name)
                    .edit(r -> {
                        r.getSpec().limits = r.getSpec().limits == null ? new io.mailrelay.api.Limits() : r.getSpec().limits;
                        r.getSpec().limits.maxRecipients = 77;
                        return r;
                    }));
        }
        patchers.shutdown();
        patchers.awaitTermination(LIMIT.toSeconds(), TimeUnit.SECONDS);
        double propagated = awaitConfigMaps(client, namespace, count, change);
        System.out.printf("%d MailRelays: a spec change to all of them reached every ConfigMap after %.1f s; "
                + "operator peak RSS %.0f MB, peak heap %.0f MB%n", count, propagated, sampler.peakRssMb, sampler.peakHeapMb);
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
            if (changed == count) {
                return seconds(start);
            }
            Thread.sleep(500);
        }
        return Double.NaN;
    }

    /** The sum of apiserver_request_total over every verb, resource and client. */
    private static double apiRequests(RealKubeApiServer api) {
        String metrics = api.client().raw("/metrics");
        double total = 0;
        Matcher matcher = Pattern.compile("(?m)^apiserver_request_total\\{[^}]*\\} ([0-9.e+]+)$").matcher(metrics);
        while (matcher.find()) {
            total += Double.parseDouble(matcher.group(1));
        }
        return total;
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
            try {
                String metrics = http.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + metricsPort + "/q/metrics")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                double total = 0;
                Matcher matcher = Pattern.compile("(?m)^jvm_memory_used_bytes\\{[^}]*area=\"heap\"[^}]*\\} ([0-9.E+e-]+)$")
                        .matcher(metrics);
                while (matcher.find()) {
                    total += Double.parseDouble(matcher.group(1));
                }
                return total / (1024 * 1024);
            } catch (IOException | InterruptedException | RuntimeException e) {
                return 0;
            }
        }
    }
}
