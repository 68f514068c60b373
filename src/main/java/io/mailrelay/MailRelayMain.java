package io.mailrelay;

import io.quarkus.picocli.runtime.PicocliRunner;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * The single entry point of the image. The first argument selects the mode (operator, relay, probe);
 * each mode gets the runtime defaults it needs before Quarkus boots, because some of them (whether an
 * HTTP listener exists, where logs go) cannot change once it has.
 */
@QuarkusMain
public final class MailRelayMain {

    private MailRelayMain() {
    }

    public static void main(String... args) {
        Mode.of(args).applyDefaults();
        Quarkus.run(PicocliRunner.class, args);
    }
}
