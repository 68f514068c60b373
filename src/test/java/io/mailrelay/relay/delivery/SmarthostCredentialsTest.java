package io.mailrelay.relay.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("unit")
class SmarthostCredentialsTest {

    @TempDir
    Path dir;

    @Test
    void readsTheFilesAgainEachTime() throws IOException {
        SmarthostCredentials credentials = DeliveryFixture.credentials(dir, "user", "old");
        assertThat(credentials.read().password()).isEqualTo("old");

        Files.writeString(credentials.passwordFile(), "new");
        assertThat(credentials.read()).isEqualTo(new SmarthostCredentials.UsernamePassword("user", "new"));
    }

    @Test
    void anEmptyOrMissingFileIsAnErrorNamingIt() throws IOException {
        SmarthostCredentials credentials = DeliveryFixture.credentials(dir, "user", "pw");
        Files.writeString(credentials.usernameFile(), "\n");
        assertThatThrownBy(credentials::read).hasMessageContaining(credentials.usernameFile().toString())
                .hasMessageContaining("is empty");

        Files.delete(credentials.passwordFile());
        Files.writeString(credentials.usernameFile(), "user");
        assertThatThrownBy(credentials::read).isInstanceOf(IOException.class)
                .hasMessageContaining(credentials.passwordFile().toString());
    }

    @Test
    void neverPrintsThePassword() throws IOException {
        assertThat(DeliveryFixture.credentials(dir, "user", "hunter2").read().toString()).doesNotContain("hunter2");
    }
}
