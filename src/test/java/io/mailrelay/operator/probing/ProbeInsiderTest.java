package io.mailrelay.operator.probing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.MailRelaySpec;
import io.mailrelay.api.RelayFor;
import io.mailrelay.operator.Specs;

/** The probe's verdict is an insider's when its vantage is trusted: in allowedNetworks or among relayFor's pods. */
@Tag("unit")
class ProbeInsiderTest {

    private static final InetAddress OPERATOR = address("10.244.1.7");

    @Test
    void anOutsiderIsNeitherAllowListedNorSelected() {
        MailRelay relay = relay(List.of("192.0.2.0/24"));
        assertThat(RelayProber.insider(relay, OPERATOR, Set.of("10.244.1.8", "10.244.2.7"))).isFalse();
        assertThat(RelayProber.insider(relay, OPERATOR, Set.of())).isFalse();
        assertThat(RelayProber.insider(relay(null), OPERATOR, Set.of())).isFalse();
    }

    @Test
    void theOperatorsPodSelectedByRelayForIsAnInsider() {
        assertThat(RelayProber.insider(relay(null), OPERATOR, Set.of("10.244.1.8", "10.244.1.7"))).isTrue();
        assertThat(RelayProber.insider(relay(List.of("192.0.2.0/24")), OPERATOR, Set.of("10.244.1.7"))).isTrue();
    }

    @Test
    void addressesCompareAsAddressesNotAsText() {
        InetAddress v6 = address("fd00:10:244::7");
        assertThat(RelayProber.insider(relay(null), v6, Set.of("fd00:10:244:0:0:0:0:7"))).isTrue();
        assertThat(RelayProber.insider(relay(null), v6, Set.of("fd00:10:244::8", "not-an-address"))).isFalse();
    }

    @Test
    void anAllowListedVantageIsAnInsiderAsBefore() {
        assertThat(RelayProber.insider(relay(List.of("10.244.0.0/16")), OPERATOR, Set.of())).isTrue();
        assertThat(RelayProber.insider(relay(List.of("10.244.0.0/16")), null, Set.of("10.244.1.7"))).isFalse();
    }

    private static MailRelay relay(List<String> allowedNetworks) {
        MailRelaySpec spec = Specs.minimal();
        spec.allowedNetworks = allowedNetworks;
        spec.relayFor = new RelayFor();
        spec.relayFor.podSelector = new LabelSelector();
        return Specs.relay("office", spec);
    }

    private static InetAddress address(String text) {
        return com.google.common.net.InetAddresses.forString(text);
    }
}
