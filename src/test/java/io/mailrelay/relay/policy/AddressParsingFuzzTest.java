package io.mailrelay.relay.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Tag;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mailrelay.config.Cidr;
import io.mailrelay.config.DomainNames;
import io.mailrelay.config.RecipientCheck;
import io.mailrelay.config.RecipientPattern;

/**
 * Fuzz tests of the address parsing the relay policy stands on ({@link MailboxAddress}, {@link RecipientPattern},
 * {@link RelayPolicy}). In a normal test run Jazzer replays the committed corpus
 * ({@code src/test/resources/io/mailrelay/relay/policy/AddressParsingFuzzTestInputs/<method>/}, one input a file, the
 * bytes of an address as a client would send them); {@code JAZZER_FUZZ=1} fuzzes (docs/testing.md). Properties: no
 * exception at all, and no address accepted from an outsider that delivery would route anywhere but to a local
 * domain (percent hack, bang path, source route, quoted {@code @}, a domain other than the one after the last @).
 */
@Tag("unit")
class AddressParsingFuzzTest {
    private static final InetAddress OUTSIDER = InetAddress.getLoopbackAddress();
    private static final Set<String> LOCAL = Set.of("example.org", "list.example.org", "callout.example.org",
            "[192.0.2.1]");
    private static final RelayPolicy POLICY = new RelayPolicy(List.of(Cidr.parse("198.51.100.0/24")), List.of(
            LocalDomainRule.unchecked("example.org"),
            new LocalDomainRule("list.example.org", RecipientCheck.LIST, List.of(
                    RecipientPattern.parse("*-team@list.example.org").orElseThrow(),
                    RecipientPattern.parse("CEO@List.Example.Org").orElseThrow())),
            new LocalDomainRule("callout.example.org", RecipientCheck.CALLOUT, List.of()),
            LocalDomainRule.unchecked("[192.0.2.1]")), Optional.empty());

    private static String text(byte[] data) {
        return new String(data, StandardCharsets.UTF_8);
    }

    @FuzzTest(maxDuration = "20s")
    void recipientFromAnOutsider(byte[] data) {
        String recipient = text(data);
        RelayDecision decision = POLICY.decide(OUTSIDER, false, "someone@example.net", recipient);
        if (decision.reason() != RelayDecision.Reason.LOCAL_DOMAIN
                && decision.reason() != RelayDecision.Reason.VERIFY_RECIPIENT) {
            assertThat(decision.accepted()).as("%s from an outsider", recipient).isFalse();
            return;
        }
        // accepted (or accepted once the domain's server agrees): it must go to a local domain, by delivery's rule
        String bare = recipient.trim();
        if (bare.startsWith("<") && bare.endsWith(">")) {
            bare = bare.substring(1, bare.length() - 1);
        }
        int at = bare.lastIndexOf('@');
        assertThat(at).as("%s has a domain", recipient).isPositive();
        String routedDomain = DomainNames.normalize(bare.substring(at + 1));
        assertThat(LOCAL).as("delivery routes %s to a local domain", recipient).contains(routedDomain);
        String localPart = bare.substring(0, at);
        assertThat(localPart).as("no source route, percent hack, bang path or quoted @ in %s", recipient)
                .doesNotStartWith("@").doesNotContain("@").doesNotContain("%").doesNotContain("!");
        MailboxAddress parsed = MailboxAddress.parse(recipient).orElseThrow();
        assertThat(parsed.domain()).isEqualTo(routedDomain);
        assertThat(MailboxAddress.parse(parsed.localPart() + "@" + parsed.domain())).as("round trip of %s", recipient)
                .contains(parsed);
        if (routedDomain.equals("list.example.org")) {
            assertThat(parsed.localPart().toLowerCase()).as("listed: %s", recipient).matches(".*-team|ceo");
        }
    }

    @FuzzTest(maxDuration = "10s")
    void mailboxAddress(byte[] data) {
        String address = text(data);
        Optional<MailboxAddress> parsed = MailboxAddress.parse(address);
        parsed.filter(mailbox -> !mailbox.routesElsewhere()).ifPresent(mailbox -> {
            assertThat(DomainNames.normalize(mailbox.domain())).as("%s: normalized domain", address)
                    .isEqualTo(mailbox.domain());
            assertThat(MailboxAddress.parse(mailbox.localPart() + "@" + mailbox.domain())).as("round trip of %s", address)
                    .contains(mailbox);
        });
    }

    @FuzzTest(maxDuration = "10s")
    void recipientPattern(byte[] data) {
        String text = text(data);
        Optional<RecipientPattern> pattern = RecipientPattern.parse(text);
        if (pattern.isEmpty()) {
            return;
        }
        assertThat(pattern.get().toString()).isEqualTo(text);
        assertThat(pattern.get().domain()).isEqualTo(DomainNames.normalize(text.substring(text.lastIndexOf('@') + 1)));
        // a pattern without * matches the very address it spells
        int at = text.lastIndexOf('@');
        if (text.substring(0, at).indexOf('*') < 0) {
            MailboxAddress.parse(text).filter(mailbox -> mailbox.domain().equals(pattern.get().domain()))
                    .filter(mailbox -> mailbox.localPart().equals(text.substring(0, at)))
                    .ifPresent(mailbox -> assertThat(pattern.get().matches(mailbox.localPart(), mailbox.domain())).as("%s matches itself", text).isTrue());
        }
    }
}
