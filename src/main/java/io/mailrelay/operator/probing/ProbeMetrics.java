package io.mailrelay.operator.probing;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * Prometheus view of the probes: per relay the last verdict, the worst over its targets (0 closed, 1 open,
 * 2 inconclusive, unreachable or proxy-only, 3 probed from inside the allow-list) and the last probe's duration; runs counted by verdict.
 */
public final class ProbeMetrics {

    public static final String VERDICT = "mailrelay.probe.verdict";
    public static final String DURATION = "mailrelay.probe.duration.seconds";
    public static final String RUNS = "mailrelay.probe.runs";

    private final MeterRegistry registry;
    private final Map<String, RelayGauges> gauges = new ConcurrentHashMap<>();

    private record RelayGauges(AtomicLong verdict, AtomicLong durationMillis, Meter verdictMeter, Meter durationMeter) {
    }

    public ProbeMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void record(String namespace, String name, ProbeRun run) {
        String verdict = run.verdict().name();
        Counter.builder(RUNS).description("Open-relay probe runs by verdict").tag("verdict", verdict)
                .register(registry).increment();
        RelayGauges relay = gauges.computeIfAbsent(namespace + "/" + name, key -> register(namespace, name));
        relay.verdict().set(code(run));
        relay.durationMillis().set(run.durationMillis());
    }

    void forget(String namespace, String name) {
        RelayGauges relay = gauges.remove(namespace + "/" + name);
        if (relay != null) {
            registry.remove(relay.verdictMeter());
            registry.remove(relay.durationMeter());
        }
    }

    private RelayGauges register(String namespace, String name) {
        Tags tags = Tags.of("namespace", namespace, "name", name);
        AtomicLong verdict = new AtomicLong(-1);
        AtomicLong duration = new AtomicLong();
        Meter verdictMeter = Gauge.builder(VERDICT, verdict, AtomicLong::get).tags(tags)
                .description("Last probe verdict: 0 closed, 1 open, 2 inconclusive, 3 probed from inside the allow-list")
                .register(registry);
        Meter durationMeter = Gauge.builder(DURATION, duration, d -> Duration.ofMillis(d.get()).toMillis() / 1000.0)
                .tags(tags).description("Duration of the last probe").register(registry);
        return new RelayGauges(verdict, duration, verdictMeter, durationMeter);
    }

    /** 2 also for Unreachable and ProxyOnly: no proof either way. */
    private static long code(ProbeRun run) {
        return switch (run.verdict()) {
            case Closed -> 0;
            case Open -> 1;
            case Insider -> 3;
            case Inconclusive, ProxyOnly, Unreachable -> 2;
        };
    }
}
