package io.mailrelay.proof;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.mailrelay.testing.PostfixInstance;
import io.mailrelay.testing.SinkMessage;
import io.mailrelay.testing.SmtpSink;
import io.mailrelay.testing.Swaks;

/** Proves the real SMTP peers work here: swaks, Postfix's smtp-sink, and a whole Postfix instance. */
@Tag("smtp")
class SmtpPeersProofTest {

    @RegisterExtension
    static final SmtpSink sink = new SmtpSink();

    @Test
    void smtpSinkReceivesWhatSwaksSends() {
        Swaks.send(sink.host(), sink.port(),
                "--from", "alice@sender.test", "--to", "bob@receiver.test",
                "--header", "Subject: proof of peers", "--body", "hello from swaks").assertSuccess();

        assertThat(sink.messages()).singleElement().satisfies(message -> {
            assertThat(message.mailFrom()).isEqualTo("alice@sender.test");
            assertThat(message.recipients()).containsExactly("bob@receiver.test");
            assertThat(message.clientAddress()).isEqualTo("127.0.0.1");
            assertThat(message.text()).contains("Subject: proof of peers").contains("hello from swaks");
        });
    }

    @Test
    void postfixRelaysForItsNetworksAndRefusesOthers() {
        try (PostfixInstance postfix = PostfixInstance.builder()
                .set("mynetworks", "127.0.0.2/32")
                .set("smtpd_relay_restrictions", "permit_mynetworks, reject_unauth_destination")
                .relayTo(sink.host(), sink.port())
                .start()) {

            // from 127.0.0.3, outside mynetworks: Postfix refuses to relay
            var refused = Swaks.send(postfix.host(), postfix.port(), "--local-interface", "127.0.0.3",
                    "--from", "spammer@outside.test", "--to", "victim@elsewhere.test");
            assertThat(refused.exitCode()).isNotZero();
            assertThat(refused.stdout()).contains("554 5.7.1").contains("Relay access denied");

            // from 127.0.0.2, inside mynetworks: relayed to the sink
            Swaks.send(postfix.host(), postfix.port(), "--local-interface", "127.0.0.2",
                    "--from", "app@inside.test", "--to", "customer@elsewhere.test",
                    "--header", "Subject: relayed by postfix").assertSuccess();

            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !sink.messages().isEmpty());
            SinkMessage relayed = sink.messages().get(0);
            assertThat(relayed.recipients()).containsExactly("customer@elsewhere.test");
            assertThat(relayed.text()).contains("Subject: relayed by postfix");
        }
    }
}
