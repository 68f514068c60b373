package io.mailrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The users file follows its Kubernetes Secret mount (symlink swap of {@code ..data}), polled every second. */
@Tag("smtp")
class RelayUsersReloadSmtpTest {

    private static Map<String, byte[]> users(String... lines) {
        return Map.of("users", String.join("", lines).getBytes(StandardCharsets.UTF_8));
    }

    /** The AUTH reply for a fresh TLS session from its own client address. */
    private static String auth(RelayFixture relay, String user, String password) {
        try (RawSmtp smtp = relay.connectOverTls("127.0.0.40")) {
            return smtp.command("AUTH PLAIN " + RelayFixture.plain(user, password));
        }
    }

    @Test
    void changedUsersApplyToNewAuthAndABrokenUpdateKeepsThePreviousUsers() {
        RelayFixture.Builder builder = RelayFixture.builder();
        SecretMount secret = new SecretMount(builder.dir().resolve("auth-secret"))
                .update(users(RelayFixture.userLine("alice", "first-Pa55")));
        try (RelayFixture relay = builder.usersFile(secret.file("users"), "1s").extraYaml("""
                limits:
                  maxAuthFailures: 1000
                """).start()) {
            assertThat(auth(relay, "alice", "first-Pa55")).startsWith("235");

            // password rotated, a user added
            secret.update(users(RelayFixture.userLine("alice", "second-Pa55"), RelayFixture.userLine("bob", "bob-Pa55")));
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> auth(relay, "alice", "second-Pa55").startsWith("235"));
            assertThat(auth(relay, "alice", "first-Pa55")).startsWith("535 5.7.8");
            assertThat(auth(relay, "bob", "bob-Pa55")).startsWith("235");

            // a file that is not a users file: refused, the previous users stay in force
            secret.update(users("alice:plain-text-password\n"));
            assertThat(relay.server.reloadUsersIfChanged()).isFalse();
            assertThat(auth(relay, "alice", "second-Pa55")).startsWith("235");
            assertThat(auth(relay, "alice", "plain-text-password")).startsWith("535 5.7.8");

            // a user removed by a valid update can no longer authenticate
            secret.update(users(RelayFixture.userLine("alice", "second-Pa55")));
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> auth(relay, "bob", "bob-Pa55").startsWith("535"));
            assertThat(auth(relay, "alice", "second-Pa55")).startsWith("235");
        }
    }
}
