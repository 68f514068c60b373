package io.mailrelay.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Tag;

/** The one duration parser: relay.yaml's strict format, and the command line's (the probe) that adds ms and ISO-8601. */
@Tag("unit")
class DurationsTest {

    @Test
    void theConfigurationFormatIsAWholeNumberAndOneUnit() {
        assertThat(Durations.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse(" 5m ")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Durations.parse("5d")).isEqualTo(Duration.ofDays(5));
        assertThat(Durations.format(Duration.ofMinutes(90))).isEqualTo("90m");
        assertThat(Durations.parse(Durations.format(Duration.ofDays(2)))).isEqualTo(Duration.ofDays(2));
    }

    @ParameterizedTest
    @ValueSource(strings = { "500ms", "PT10S", "10", "1w", "1234567890s", "-5s", "" })
    void theConfigurationRefusesEverythingElseNamingTheValue(String text) {
        assertThatThrownBy(() -> Durations.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"" + text + "\" is not a valid duration");
    }

    @Test
    void theCommandLineAlsoTakesMillisecondsAndIso8601() {
        assertThat(Durations.parseCommandLine("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parseCommandLine("10s")).isEqualTo(Duration.ofSeconds(10));
        assertThat(Durations.parseCommandLine("2d")).isEqualTo(Duration.ofDays(2));
        assertThat(Durations.parseCommandLine("PT1M30S")).isEqualTo(Duration.ofSeconds(90));
        assertThatThrownBy(() -> Durations.parseCommandLine("soon")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'soon' is not a duration like 500ms, 10s, 5m or 1h");
    }
}
