package io.mailrelay.relay.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.time.Duration;

import org.junit.jupiter.api.Test;

/** The watchdog's alarms: one pending per session whatever the number of stages it went through. */
class StageWatchdogTest {

    private static final Duration LONG = Duration.ofMinutes(10);
    private static final SmtpTimeouts TIMEOUTS = new SmtpTimeouts(LONG, LONG, LONG, LONG, LONG, LONG, LONG, LONG);

    @Test
    void aSessionKeepsOneAlarmPendingHoweverManyStagesItEnters() throws Exception {
        int before = StageWatchdog.pendingAlarms();
        try (Socket socket = new Socket()) { // never connected: only an expiry would close it
            StageWatchdog watchdog = new StageWatchdog(TIMEOUTS);
            watchdog.watch(socket);
            for (int message = 0; message < 1_000; message++) { // a cached connection carries many messages
                watchdog.enter(SmtpStage.MAIL);
                watchdog.enter(SmtpStage.RCPT);
                watchdog.enter(SmtpStage.DATA_INIT);
                watchdog.enter(SmtpStage.DATA_XFER);
                watchdog.enter(SmtpStage.DATA_DONE);
                watchdog.enter(SmtpStage.RSET);
            }
            assertThat(StageWatchdog.pendingAlarms()).isLessThanOrEqualTo(before + 1);

            watchdog.stop();
            assertThat(StageWatchdog.pendingAlarms()).isLessThanOrEqualTo(before);
            assertThat(watchdog.expired()).isNull();
            assertThat(socket.isClosed()).isFalse();
        }
    }
}
