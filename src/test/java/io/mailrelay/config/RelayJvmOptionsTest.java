package io.mailrelay.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The rule "container memory limit -> JVM options" on both sides of its bounds. */
@Tag("unit")
class RelayJvmOptionsTest {

    private static List<String> options(String limit) {
        return RelayJvmOptions.forLimit(Optional.of(ByteSize.parse(limit)));
    }

    private static String option(List<String> options, String prefix) {
        return options.stream().filter(o -> o.startsWith(prefix)).findFirst().orElseThrow();
    }

    @Test
    void theHeapGetsWhatTheFixedPartLeavesAndAtMostHalf() {
        assertThat(option(options("160Mi"), "-Xmx")).isEqualTo("-Xmx32m"); // 160 - 128: the fixed part decides
        assertThat(option(options("192Mi"), "-Xmx")).isEqualTo("-Xmx64m");
        assertThat(option(options("256Mi"), "-Xmx")).isEqualTo("-Xmx128m"); // half decides from 256Mi on
        assertThat(option(options("512Mi"), "-Xmx")).isEqualTo("-Xmx256m");
        assertThat(option(options("4Gi"), "-Xmx")).isEqualTo("-Xmx2048m");
    }

    @Test
    void aLimitBelowTheMinimumIsSizedAsTheMinimum() {
        // the container's limit stays what the user set (the pod may then be OOM-killed); the JVM is not starved
        assertThat(options("64Mi")).isEqualTo(options("160Mi"));
        assertThat(options("128Mi")).isEqualTo(options("160Mi"));
        assertThat(options("161Mi")).isNotEqualTo(options("160Mi"));
    }

    @Test
    void smallLimitsGetTheSerialCollectorAndASmallNettyPoolLargeOnesG1() {
        List<String> small = options("192Mi");
        assertThat(small).contains("-XX:+UseSerialGC", "-Dio.netty.allocator.maxOrder=7", "-XX:MaxMetaspaceSize=80m",
                "-XX:TieredStopAtLevel=1").doesNotContain("-XX:+UseG1GC");
        assertThat(options("256Mi")).contains("-XX:+UseSerialGC").doesNotContain("-XX:TieredStopAtLevel=1");
        List<String> large = options("1Gi");
        assertThat(large).contains("-XX:+UseG1GC", "-XX:MaxMetaspaceSize=128m")
                .noneMatch(o -> o.startsWith("-Dio.netty.allocator"));
    }

    @Test
    void directMemoryIsASixteenthBetweenEightAnd64Mi() {
        assertThat(option(options("160Mi"), "-XX:MaxDirectMemorySize=")).isEqualTo("-XX:MaxDirectMemorySize=10m");
        assertThat(option(options("512Mi"), "-XX:MaxDirectMemorySize=")).isEqualTo("-XX:MaxDirectMemorySize=32m");
        assertThat(option(options("8Gi"), "-XX:MaxDirectMemorySize=")).isEqualTo("-XX:MaxDirectMemorySize=64m");
    }

    @Test
    void noLimitNoOptions() {
        assertThat(RelayJvmOptions.forLimit(Optional.empty())).isEmpty();
        assertThat(RelayJvmOptions.environment(Optional.empty())).isEmpty();
    }

    @Test
    void theEnvironmentCarriesTheOptionsAndTheMallocArenaLimit() {
        var env = RelayJvmOptions.environment(Optional.of(ByteSize.parse("192Mi")));
        assertThat(env).containsOnlyKeys("JAVA_TOOL_OPTIONS", "MALLOC_ARENA_MAX");
        assertThat(env.get("JAVA_TOOL_OPTIONS")).isEqualTo(String.join(" ", options("192Mi")));
    }
}
