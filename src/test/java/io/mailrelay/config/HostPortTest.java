package io.mailrelay.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mailrelay.config.HostPort;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Tag("unit")
class HostPortTest {

    @Test
    void parsesHostNamesAndBracketedIpv6Literals() {
        assertThat(HostPort.parse("mail.example.com:25")).isEqualTo(new HostPort("mail.example.com", 25));
        assertThat(HostPort.parse("[2001:db8::1]:587")).isEqualTo(new HostPort("2001:db8::1", 587));
        assertThat(new HostPort("2001:db8::1", 587)).hasToString("[2001:db8::1]:587");
        assertThat(new HostPort("127.0.0.1", 2525)).hasToString("127.0.0.1:2525");
    }

    @ParameterizedTest
    @ValueSource(strings = { "mail.example.com", "2001:db8::1:25", ":25", "host:0", "host:65536", "host:x" })
    void rejectsWhatIsNotHostColonPortNamingTheValue(String text) {
        assertThatThrownBy(() -> HostPort.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"" + text + "\"");
    }

    @Test
    void refusesAPortOutOfRangeOrAnEmptyHost() {
        assertThatThrownBy(() -> new HostPort("host", 0)).hasMessageContaining("not in 1..65535");
        assertThatThrownBy(() -> new HostPort(" ", 25)).hasMessageContaining("host must not be empty");
    }

    @Test
    void aProbeTargetMayLeaveThePortOutOrGiveABareIpv6Literal() {
        assertThat(HostPort.parse("mail.example", HostPort.SMTP_PORT)).isEqualTo(new HostPort("mail.example", 25));
        assertThat(HostPort.parse("[2001:db8::1]", 2525)).isEqualTo(new HostPort("2001:db8::1", 2525));
        assertThat(HostPort.parse("2001:db8::", 2525)).isEqualTo(new HostPort("2001:db8::", 2525));
        assertThat(HostPort.parse("[2001:db8::1]:587", 25)).isEqualTo(new HostPort("2001:db8::1", 587));
    }
}
