package io.mailrelay.relay.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.mailrelay.config.HostPort;

/** Which next hops are the relay itself (a mail loop), without any DNS. */
@Tag("unit")
class SelfAddressesTest {
    private static final int PORT = 2525;
    private final SelfAddresses self = new SelfAddresses("relay.example.com", "127.0.0.1", PORT);

    private static HostPort hop(String host, int port) {
        return new HostPort(host, port);
    }

    @Test
    void theRelaysOwnHostnameIsSelfOnAnyPortWhateverItsCaseOrTrailingDot() {
        assertThat(self.isSelf(hop("relay.example.com", 25))).isTrue();
        assertThat(self.isSelf(hop("Relay.Example.COM.", 587))).isTrue();
        assertThat(self.isSelf(hop("mail.example.com", PORT))).as("another name, not resolved").isFalse();
        assertThat(self.isSelf(hop("relay.example.com.evil.test", 25))).isFalse();
    }

    @Test
    void loopbackAndTheListenAddressAreSelfOnlyOnTheRelaysOwnPort() {
        assertThat(self.isSelf(hop("127.0.0.1", PORT))).isTrue();
        assertThat(self.isSelf(hop("127.0.0.7", PORT))).as("all of 127/8 is this host").isTrue();
        assertThat(self.isSelf(hop("::1", PORT))).isTrue();
        assertThat(self.isSelf(hop("localhost", PORT))).isTrue();
        assertThat(self.isSelf(hop("127.0.0.1", 25))).as("another server on this host").isFalse();
        assertThat(self.isSelf(hop("localhost", 25))).isFalse();
        assertThat(self.isSelf(hop("192.0.2.10", PORT))).as("a remote address is never this host").isFalse();
    }

    @Test
    void listeningOnTheWildcardEveryAddressOfThisHostIsSelf() {
        SelfAddresses wildcard = new SelfAddresses("relay.example.com", "0.0.0.0", PORT);
        assertThat(wildcard.isSelf(hop("0.0.0.0", PORT))).isTrue();
        assertThat(wildcard.isSelf(hop("127.0.0.1", PORT))).isTrue();
        assertThat(wildcard.isSelf(hop("192.0.2.10", PORT))).isFalse();
        SelfAddresses specific = new SelfAddresses("relay.example.com", "192.0.2.1", PORT);
        assertThat(specific.isSelf(hop("192.0.2.1", PORT))).as("its listen address, not on this host here").isTrue();
        assertThat(specific.isSelf(hop("192.0.2.2", PORT))).isFalse();
    }

    @Test
    void withOnlyTheHostnameKnownAddressesAreNeverSelf() {
        SelfAddresses named = SelfAddresses.named("relay.example.com");
        assertThat(named.isSelf(hop("127.0.0.1", PORT))).isFalse();
        assertThat(named.isSelf(hop("relay.example.com", 25))).isTrue();
    }

    @Test
    void aNextHopKeepsTheTargetsBeforeTheFirstThatIsSelfAndLoopsWhenTheBestIsSelf() throws NextHopException {
        NextHop backupIsSelf = NextHop.opportunistic("MX of example.org",
                List.of(hop("192.0.2.10", PORT), hop("127.0.0.1", PORT), hop("192.0.2.11", PORT)));
        assertThat(self.withoutSelf(backupIsSelf, "example.org").targets()).containsExactly(hop("192.0.2.10", PORT));

        NextHop clean = NextHop.opportunistic("MX of example.org", List.of(hop("192.0.2.10", PORT)));
        assertThat(self.withoutSelf(clean, "example.org")).isSameAs(clean);

        NextHop bestIsSelf = NextHop.opportunistic("MX of example.org",
                List.of(hop("relay.example.com", 25), hop("192.0.2.10", PORT)));
        assertThatThrownBy(() -> self.withoutSelf(bestIsSelf, "example.org"))
                .isInstanceOfSatisfying(NextHopException.class, e -> {
                    assertThat(e.outcome().kind()).isEqualTo(Outcome.Kind.PERMANENT);
                    assertThat(e.outcome().reply()).isEqualTo("554 5.4.6 mail for example.org loops back to myself");
                });
    }
}
