package io.mailrelay.relay.reload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.mailrelay.relay.SecretMount;

/** Change detection of ReloadingValue, driven by hand (the poll interval is far longer than the test). */
@Tag("unit")
class ReloadingValueTest {
    private static final Duration NEVER_DURING_THE_TEST = Duration.ofHours(1);

    @TempDir
    Path dir;

    private final AtomicInteger loads = new AtomicInteger();

    /** Parses the "number" key as an int, counting the loads; anything else is an invalid update. */
    private ReloadingValue<Integer> watch(SecretMount secret) throws IOException {
        return new ReloadingValue<>("number", List.of(secret.file("number")), NEVER_DURING_THE_TEST, () -> {
            loads.incrementAndGet();
            return Integer.parseInt(Files.readString(secret.file("number")).strip());
        });
    }

    private static Map<String, byte[]> number(String text) {
        return Map.of("number", text.getBytes());
    }

    @Test
    void reloadsOnlyWhenTheContentChangedAndKeepsTheLastValidValue() throws IOException {
        SecretMount secret = new SecretMount(dir).update(number("1"));
        try (ReloadingValue<Integer> value = watch(secret)) {
            assertThat(value.get()).isEqualTo(1);

            secret.update(number("1")); // a new ..data target with the same content: nothing to do
            assertThat(value.reloadIfChanged()).isFalse();
            assertThat(loads).hasValue(1);

            secret.update(number("2"));
            assertThat(value.reloadIfChanged()).isTrue();
            assertThat(value.get()).isEqualTo(2);

            secret.update(number("two"));
            assertThat(value.reloadIfChanged()).isFalse();
            assertThat(value.get()).isEqualTo(2);
            // still invalid: tried again at every poll, still kept
            assertThat(value.reloadIfChanged()).isFalse();
            assertThat(value.get()).isEqualTo(2);

            secret.update(number("3"));
            assertThat(value.reloadIfChanged()).isTrue();
            assertThat(value.get()).isEqualTo(3);
        }
    }

    @Test
    void aMissingFileKeepsTheValue() throws IOException {
        SecretMount secret = new SecretMount(dir).update(number("5"));
        try (ReloadingValue<Integer> value = watch(secret)) {
            Files.delete(dir.resolve("..data"));
            assertThat(value.reloadIfChanged()).isFalse();
            assertThat(value.get()).isEqualTo(5);
        }
    }

    @Test
    void anInvalidFirstLoadFailsTheConstruction() {
        SecretMount secret = new SecretMount(dir).update(number("five"));
        assertThatThrownBy(() -> watch(secret)).isInstanceOf(NumberFormatException.class);
    }

    @Test
    void pollsEveryInterval() throws Exception {
        SecretMount secret = new SecretMount(dir).update(number("1"));
        try (ReloadingValue<Integer> value = new ReloadingValue<>("number", List.of(secret.file("number")),
                Duration.ofMillis(50), () -> Integer.parseInt(Files.readString(secret.file("number")).strip()))) {
            secret.update(number("7"));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> value.get() == 7);
        }
    }
}
