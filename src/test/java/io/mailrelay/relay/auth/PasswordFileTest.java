package io.mailrelay.relay.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.mailrelay.relay.RelayFixture;

@Tag("unit")
class PasswordFileTest {

    @TempDir
    Path dir;

    /** htpasswd -B hashes at cost 5 by default: an unknown user must cost cost 5 too, not a fixed 10. */
    @Test
    void anUnknownUserIsCheckedAtTheCostOfTheFilesHashes() throws Exception {
        Path users = Files.writeString(dir.resolve("users"),
                RelayFixture.userLine("alice", "pw-a", 5) + RelayFixture.userLine("bob", "pw-b", 5));
        assertThat(PasswordFile.load(users).dummyCost()).isEqualTo(5);
    }

    /** Mixed costs: the most expensive one, so that no unknown name answers faster than a real user. */
    @Test
    void withMixedCostsTheDummyTakesTheHighest() throws Exception {
        Path users = Files.writeString(dir.resolve("users"), RelayFixture.userLine("alice", "pw-a", 4)
                + RelayFixture.userLine("bob", "pw-b", 7) + RelayFixture.userLine("carol", "pw-c", 6));
        PasswordFile file = PasswordFile.load(users);
        assertThat(file.dummyCost()).isEqualTo(7);
        assertThat(file.verify("mallory", "pw-b")).isFalse(); // the dummy never lets anyone in
    }

    @Test
    void userNamesCompareCaseSensitively() throws Exception {
        Path users = Files.writeString(dir.resolve("users"), RelayFixture.userLine("Bob.Smith", "pw"));
        PasswordFile file = PasswordFile.load(users);
        assertThat(file.verify("Bob.Smith", "pw")).isTrue();
        assertThat(file.verify("bob.smith", "pw")).isFalse();
        assertThat(file.verify("BOB.SMITH", "pw")).isFalse();
    }

    @Test
    void aNameTheSessionCannotCarryIsRefusedAtLoad() throws Exception {
        Path users = Files.writeString(dir.resolve("users"), RelayFixture.userLine("a@b@c", "pw"));
        assertThatThrownBy(() -> PasswordFile.load(users)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("line 1: \"a@b@c\" is not a usable user name");
    }
}
