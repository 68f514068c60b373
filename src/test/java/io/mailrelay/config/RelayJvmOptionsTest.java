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
    void theHeapGetsWhatTheFixedPartLeavesAndAtMostAThird() {
        assertThat(option(options("128Mi"), "-Xmx")).isEqualTo("-Xmx24m"); // 128 - 104: the fixed part decides
        assertThat(option(options("150Mi"), "-Xmx")).isEqualTo("-Xmx46m");
        assertThat(option(options("192Mi"), "-Xmx")).isEqualTo("-Xmx64m"); // a third decides from 156Mi on
        assertThat(option(options("256Mi"), "-Xmx")).isEqualTo("-Xmx85m");
        assertThat(option(options("512Mi"), "-Xmx")).isEqualTo("-Xmx170m");
        assertThat(option(options("4Gi"), "-Xmx")).isEqualTo("-Xmx1365m");
    }

    @Test
    void aLimitBelowTheMinimumIsSizedAsTheMinimum() {
        // the container's limit stays what the user set (the pod may then be OOM-killed); the JVM is not starved
        assertThat(options("64Mi")).isEqualTo(options("128Mi"));
        assertThat(options("100Mi")).isEqualTo(options("128Mi"));
        assertThat(options("129Mi")).isNotEqualTo(options("128Mi"));
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
        assertThat(option(options("128Mi"), "-XX:MaxDirectMemorySize=")).isEqualTo("-XX:MaxDirectMemorySize=8m");
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
    void theHeapStartsSmall() {
        assertThat(option(options("128Mi"), "-Xms")).isEqualTo("-Xms8m");
        assertThat(option(options("4Gi"), "-Xms")).isEqualTo("-Xms8m");
    }

    @Test
    void theEnvironmentCarriesTheOptionsAndGlibcsMallocSettings() {
        var env = RelayJvmOptions.environment(Optional.of(ByteSize.parse("192Mi")));
        assertThat(env).containsOnlyKeys("JAVA_TOOL_OPTIONS", "MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_",
                "MALLOC_TRIM_THRESHOLD_");
        assertThat(env.get("JAVA_TOOL_OPTIONS")).isEqualTo(String.join(" ", options("192Mi")));
        assertThat(env).containsEntry("MALLOC_ARENA_MAX", "2").containsEntry("MALLOC_MMAP_THRESHOLD_", "131072")
                .containsEntry("MALLOC_TRIM_THRESHOLD_", "131072");
    }
}
