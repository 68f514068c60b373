package io.mailrelay.relay.delivery;

import static io.mailrelay.relay.delivery.DeliveryFixture.FAST_RETRY;
import static io.mailrelay.relay.delivery.DeliveryFixture.loopback;
import static io.mailrelay.relay.delivery.DeliveryFixture.routes;
import static io.mailrelay.relay.delivery.DeliveryFixture.unusedSmarthost;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.mailrelay.relay.spool.FileMessageSpool;
import io.mailrelay.relay.spool.SpoolBurstWriter;
import io.mailrelay.relay.spool.SpooledMessage;
import io.mailrelay.testing.Exec;
import io.mailrelay.testing.SinkMessage;
import io.mailrelay.testing.SmtpSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** kill -9 of a process writing into the spool loses no committed message, and each is delivered exactly once. */
@Tag("smtp")
class CrashRecoveryTest {

    private static final Pattern MESSAGE_ID = Pattern.compile("Message-ID: <(burst-\\d+)@sender.test>");

    @TempDir
    Path dir;

    @Test
    void everyCommittedMessageSurvivesKillNineAndIsDeliveredExactlyOnce() throws Exception {
        Process writer = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), SpoolBurstWriter.class.getName(), dir.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<String> committed = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(writer.getInputStream(),
                StandardCharsets.US_ASCII))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.matches("[0-9a-f]{22}")) { // a line cut short by the kill is not a printed id
                    committed.add(line);
                }
                if (committed.size() == 150) {
                    // SIGKILL in the middle of the burst (not Process.destroy, which would close our pipe);
                    // ids printed before it are still read from the pipe until EOF
                    Exec.run("kill", "-9", String.valueOf(writer.pid())).assertSuccess();
                }
            }
        }
        assertThat(writer.waitFor()).isNotZero().isEqualTo(137);

        FileMessageSpool recovered = new FileMessageSpool(dir);
        Set<String> spooled = recovered.queued().stream().map(SpooledMessage::id).collect(Collectors.toSet());
        assertThat(spooled).containsAll(committed);
        assertThat(spooled.size()).isBetween(committed.size(), committed.size() + 1); // + the one committed unprinted

        try (SmtpSink sink = new SmtpSink().start(); DeliveryService service = DeliveryFixture.start(recovered,
                routes(Map.of("example.test", loopback(sink.port())), unusedSmarthost(), FAST_RETRY),
                new SimpleMeterRegistry())) {
            assertThat(service.drain(Duration.ofSeconds(120))).isTrue();
            List<String> deliveredIds = new ArrayList<>();
            for (SinkMessage message : sink.messages()) {
                Matcher matcher = MESSAGE_ID.matcher(message.text());
                assertThat(matcher.find()).as("a burst message").isTrue();
                deliveredIds.add(matcher.group(1));
            }
            assertThat(deliveredIds).hasSize(spooled.size()).doesNotHaveDuplicates();
        }
        assertThat(new FileMessageSpool(dir).depth()).isZero();
    }
}
