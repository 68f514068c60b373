package io.mailrelay.relay.delivery;

import java.time.Duration;
import java.util.Locale;
import java.util.function.Function;

/** Where an SMTP client session stands, each stage with its own time limit (Postfix's name for it). */
enum SmtpStage {
    GREETING("smtp_helo_timeout", SmtpTimeouts::helo),
    HELO("smtp_helo_timeout", SmtpTimeouts::helo),
    STARTTLS("smtp_starttls_timeout", SmtpTimeouts::starttls),
    MAIL("smtp_mail_timeout", SmtpTimeouts::mail),
    RCPT("smtp_rcpt_timeout", SmtpTimeouts::rcpt),
    DATA_INIT("smtp_data_init_timeout", SmtpTimeouts::dataInit),
    DATA_XFER("smtp_data_xfer_timeout", SmtpTimeouts::dataXfer),
    DATA_DONE("smtp_data_done_timeout", SmtpTimeouts::dataDone),
    RSET("smtp_rset_timeout", t -> SmtpTimeouts.RSET),
    QUIT("smtp_quit_timeout", t -> SmtpTimeouts.QUIT);

    final String postfixName;
    private final Function<SmtpTimeouts, Duration> limit;

    SmtpStage(String postfixName, Function<SmtpTimeouts, Duration> limit) {
        this.postfixName = postfixName;
        this.limit = limit;
    }

    Duration limit(SmtpTimeouts timeouts) {
        return limit.apply(timeouts);
    }

    /** The stage a command starts; AUTH and anything else belongs to the session set-up (HELO). */
    static SmtpStage of(String command) {
        String verb = command.split(" ", 2)[0].toUpperCase(Locale.ROOT);
        return switch (verb) {
            case "STARTTLS" -> STARTTLS;
            case "MAIL" -> MAIL;
            case "RCPT" -> RCPT;
            case "DATA" -> DATA_INIT;
            case "." -> DATA_DONE;
            case "RSET" -> RSET;
            case "QUIT" -> QUIT;
            default -> HELO;
        };
    }
}
