package io.mailrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.mailrelay.config.HostPort;
import io.mailrelay.config.InvalidConfigException;
import io.mailrelay.config.OutboundMode;
import io.mailrelay.config.SmarthostTls;
import io.mailrelay.relay.config.RelayConfigLoader;
import io.mailrelay.relay.delivery.DeliverySettings;
import io.mailrelay.relay.delivery.RetryPolicy;
import io.mailrelay.relay.delivery.SmarthostCredentials;
import io.mailrelay.relay.delivery.SmarthostSettings;
import io.mailrelay.relay.delivery.SmtpTimeouts;

/** relay.yaml as parsed → what delivery runs with. */
@Tag("unit")
class RelayRuntimeTest {

    @TempDir
    Path dir;

    private DeliverySettings settingsOf(String yaml) throws Exception {
        Path file = Files.writeString(dir.resolve("relay.yaml"), yaml);
        return RelayRuntime.deliverySettings(RelayConfigLoader.load(file));
    }

    @Test
    void mapsLocalDomainsSmarthostWithCredentialFilesAndRetrySchedule() throws Exception {
        // as Kubernetes mounts Secret keys: the value, then the newline the file had
        Path username = Files.writeString(dir.resolve("username"), "relay-user\n");
        Path password = Files.writeString(dir.resolve("password"), " pa ss:w0rd \r\n"); // spaces are part of it
        Path ca = Files.writeString(dir.resolve("ca.crt"), "");

        DeliverySettings settings = settingsOf("""
                server:
                  hostname: relay.example.test
                localDomains:
                  - domain: Example.TEST
                    deliverTo: "mail.example.test:2525"
                  - domain: v6.test
                    deliverTo: "[2001:db8::25]:25"
                outbound:
                  mode: smarthost
                  smarthost:
                    host: smtp.provider.test
                    port: 465
                    tls: opportunistic
                    verifyCertificate: false
                    trustedCaFile: %s
                    usernameFile: %s
                    passwordFile: %s
                spool:
                  directory: %s
                  retrySchedule: [30s, 2m, 1h]
                  maxQueueLifetime: 3d
                """.formatted(ca, username, password, dir.resolve("spool")));

        assertThat(settings).isEqualTo(new DeliverySettings("relay.example.test",
                Map.of("example.test", new HostPort("mail.example.test", 2525), "v6.test",
                        new HostPort("2001:db8::25", 25)),
                OutboundMode.SMARTHOST,
                new SmarthostSettings(new HostPort("smtp.provider.test", 465), SmarthostTls.OPPORTUNISTIC, false, ca,
                        new SmarthostCredentials(username, password)),
                DeliverySettings.MxSettings.DEFAULT,
                new RetryPolicy(List.of(Duration.ofSeconds(30), Duration.ofMinutes(2), Duration.ofHours(1)),
                        Duration.ofDays(3)),
                DeliverySettings.Limits.DEFAULT, SmtpTimeouts.DEFAULT));
        assertThat(settings.smarthost().credentials().read())
                .isEqualTo(new SmarthostCredentials.UsernamePassword("relay-user", " pa ss:w0rd "));
        assertThat(settings.retry().delayAfter(7)).isEqualTo(Duration.ofHours(1)); // the last interval repeats
    }

    @Test
    void smarthostDefaultsAreRequiredVerifiedTlsOnPort587WithoutAuth() throws Exception {
        DeliverySettings settings = settingsOf("""
                server:
                  hostname: relay.example.test
                outbound:
                  mode: smarthost
                  smarthost:
                    host: smtp.provider.test
                """);

        assertThat(settings.smarthost()).isEqualTo(new SmarthostSettings(new HostPort("smtp.provider.test", 587),
                SmarthostTls.REQUIRED, true, null, null));
        assertThat(settings.smarthost().authenticates()).isFalse();
        assertThat(settings.localRoutes()).isEmpty();
        assertThat(settings.retry()).isEqualTo(RetryPolicy.DEFAULT);
    }

    @Test
    void mxModeHasNoSmarthost() throws Exception {
        DeliverySettings settings = settingsOf("""
                server:
                  hostname: relay.example.test
                outbound:
                  mode: mx
                """);

        assertThat(settings.mode()).isEqualTo(OutboundMode.MX);
        assertThat(settings.smarthost()).isNull();
        assertThat(settings.mx()).isEqualTo(DeliverySettings.MxSettings.DEFAULT);
    }

    @Test
    void schedulerDefaultsAreThoseOfPostfix() throws Exception {
        DeliverySettings settings = settingsOf("""
                server:
                  hostname: relay.example.test
                outbound:
                  mode: mx
                """);

        assertThat(settings.limits()).isEqualTo(new DeliverySettings.Limits(100, 20, 5, 2));
        assertThat(settings.timeouts()).isEqualTo(new SmtpTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(300),
                Duration.ofSeconds(300), Duration.ofSeconds(300), Duration.ofSeconds(300), Duration.ofSeconds(120),
                Duration.ofSeconds(180), Duration.ofSeconds(600)));
    }

    @Test
    void deliverySectionSetsEveryLimitAndStageTimeout() throws Exception {
        DeliverySettings settings = settingsOf("""
                server:
                  hostname: relay.example.test
                outbound:
                  mode: mx
                delivery:
                  processLimit: 8
                  destinationConcurrencyLimit: 3
                  mxAddressLimit: 0
                  mxSessionLimit: 4
                  timeouts:
                    connect: 1s
                    helo: 2s
                    starttls: 3s
                    mail: 4s
                    rcpt: 5s
                    dataInit: 6s
                    dataXfer: 7s
                    dataDone: 8s
                """);

        assertThat(settings.limits()).isEqualTo(new DeliverySettings.Limits(8, 3, 0, 4));
        assertThat(settings.timeouts()).isEqualTo(new SmtpTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(2),
                Duration.ofSeconds(3), Duration.ofSeconds(4), Duration.ofSeconds(5), Duration.ofSeconds(6),
                Duration.ofSeconds(7), Duration.ofSeconds(8)));
    }

    @Test
    void deliverySectionRefusesZeroWorkersNegativeCapsZeroTimeoutsAndUnknownFields() {
        assertThatThrownBy(() -> settingsOf("""
                delivery:
                  processLimit: 0
                  destinationConcurrencyLimit: 0
                  mxAddressLimit: -1
                  mxSessionLimit: -2
                  timeouts:
                    dataDone: 0s
                """)).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("delivery.processLimit: must be greater than 0")
                .hasMessageContaining("delivery.destinationConcurrencyLimit: must be greater than 0")
                .hasMessageContaining("delivery.mxAddressLimit: must be 0 (no limit) or more")
                .hasMessageContaining("delivery.mxSessionLimit: must be 0 (no limit) or more")
                .hasMessageContaining("delivery.timeouts.dataDone: must be longer than 0");
        assertThatThrownBy(() -> settingsOf("""
                delivery:
                  timeouts:
                    data: 5m
                """)).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("delivery.timeouts.data: unknown field");
    }
}
