package io.mailrelay.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The relay JVM's memory options for a container memory limit: the one rule "limit -> -Xmx, direct memory, metaspace,
 * code cache, collector, Netty allocator", which the operator renders into the relay container's
 * {@code JAVA_TOOL_OPTIONS} and {@code bench/relay-memory.sh} runs the relay with ({@code main}). Without a limit
 * nothing is rendered: the image's {@code -XX:MaxRAMPercentage=75} then sizes the heap from the node's memory.
 *
 * <p>What the budget of a 128 MiB pod goes to (measured with {@code -XX:NativeMemoryTracking=summary}, docs/benchmarks.md):
 * the heap, then a fixed part that does not grow with the limit (class metadata of Quarkus, Vert.x, Jackson, James,
 * Netty and Angus Mail about 35 MB, symbols, compiled code, thread stacks, glibc's arenas), then direct buffers (Netty,
 * NIO). So the heap gets
 * what the fixed part leaves, at most a third of the limit (the live set is about 11 MB under 20 sessions, but with
 * 24m the collector runs full collections back to back and throughput falls below Postfix's, docs/benchmarks.md),
 * and the caps keep each other part from growing into the rest.
 */
public final class RelayJvmOptions {

    private static final long MIB = 1L << 20;
    /**
     * Smaller limits are sized as this one (the pod then risks an OOM kill): the relay ran the 20-session benchmark
     * and 4 x 20 MB at once and sustained rounds in it, but its 24m heap costs throughput (docs/benchmarks.md).
     */
    public static final long MINIMUM_LIMIT = 128 * MIB;
    /**
     * What the container needs besides the heap, measured at the peak of 4 x 20 MB at once (docs/benchmarks.md): about
     * 80 MB of anonymous memory (NMT: metaspace and class space 35, symbols 8, compiled code 7 to 14 with C1 only,
     * thread stacks 3 to 5, and native allocations NMT does not see) plus 20 MB of file pages (the CDS archive,
     * libjvm), which the cgroup charges too.
     */
    static final long NON_HEAP = 104 * MIB;
    /**
     * Below this only C1 compiles: about half the compiled code and none of C2's arenas, at some peak throughput; but
     * an RSA signature (DKIM) is 7 times slower, so a relay that signs with RSA gets this limit by default.
     */
    static final long C2_FROM = 256 * MIB;
    /** A limit this large leaves the G1 collector's overhead affordable (pause times stay low with bigger heaps). */
    static final long G1_FROM = 1024 * MIB;
    /** glibc's default mmap threshold, fixed: set, it no longer grows with the largest buffer freed. */
    static final long MALLOC_THRESHOLD = 128 * 1024;

    private RelayJvmOptions() {
    }

    /** The options for a container limited to {@code limit}; empty without a limit. */
    public static List<String> forLimit(Optional<ByteSize> limit) {
        if (limit.isEmpty()) {
            return List.of();
        }
        long bytes = Math.max(limit.get().bytes(), MINIMUM_LIMIT);
        long heap = Math.min(bytes / 3, bytes - NON_HEAP);
        long direct = Math.max(8 * MIB, Math.min(bytes / 16, 64 * MIB));
        List<String> options = new ArrayList<>();
        options.add("-Xmx" + heap / MIB + "m");
        options.add("-Xms" + Math.min(heap, 8 * MIB) / MIB + "m");
        options.add("-XX:MaxDirectMemorySize=" + direct / MIB + "m");
        options.add("-XX:MaxMetaspaceSize=" + (bytes >= 256 * MIB ? 128 : 80) + "m");
        options.add("-XX:ReservedCodeCacheSize=" + (bytes >= 256 * MIB ? 64 : 32) + "m");
        options.add("-Xss512k");
        if (bytes < C2_FROM) {
            options.add("-XX:TieredStopAtLevel=1");
        }
        options.add(bytes >= G1_FROM ? "-XX:+UseG1GC" : "-XX:+UseSerialGC");
        // Netty's pooled allocator: one arena per event loop would hold a 4 MiB chunk each, 1 MiB chunks
        // (maxOrder 7) and two arenas keep the direct memory of idle sessions small
        if (bytes < G1_FROM) {
            options.add("-Dio.netty.allocator.numDirectArenas=2");
            options.add("-Dio.netty.allocator.numHeapArenas=2");
            options.add("-Dio.netty.allocator.maxOrder=7");
        }
        return List.copyOf(options);
    }

    /**
     * The relay container's environment for {@code limit}: {@code JAVA_TOOL_OPTIONS}, which the JVM reads besides its
     * command line (so the image's ENTRYPOINT and {@code JAVA_OPTS_APPEND} stay as they are, and an explicit -Xmx here
     * overrides the image's -XX:MaxRAMPercentage), and glibc's malloc settings. {@code MALLOC_ARENA_MAX=2}: glibc gives
     * each thread that allocates natively an arena of its own, up to 8 per core, whose free pages stay resident.
     * {@code MALLOC_MMAP_THRESHOLD_} and {@code MALLOC_TRIM_THRESHOLD_} at 128 KiB: a large native buffer (the JDK's
     * I/O allocates them outside NMT's sight) is mapped and unmapped on its own instead of staying in the arena once
     * glibc's dynamic threshold has risen to its size (11 MB less peak under 4 x 20 MB, docs/benchmarks.md). Empty
     * without a limit.
     */
    public static Map<String, String> environment(Optional<ByteSize> limit) {
        List<String> options = forLimit(limit);
        if (options.isEmpty()) {
            return Map.of();
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("JAVA_TOOL_OPTIONS", String.join(" ", options));
        env.put("MALLOC_ARENA_MAX", "2");
        env.put("MALLOC_MMAP_THRESHOLD_", String.valueOf(MALLOC_THRESHOLD));
        env.put("MALLOC_TRIM_THRESHOLD_", String.valueOf(MALLOC_THRESHOLD));
        return env;
    }

    /**
     * {@code java -cp app.jar io.mailrelay.config.RelayJvmOptions 128Mi}: prints the environment for that limit as
     * shell assignments, one a line ({@code bench/relay-memory.sh}).
     */
    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: RelayJvmOptions LIMIT (bytes or a quantity such as 128Mi)");
            System.exit(2);
        }
        environment(Optional.of(ByteSize.parse(args[0])))
                .forEach((name, value) -> System.out.println(name + "='" + value + "'"));
    }
}
