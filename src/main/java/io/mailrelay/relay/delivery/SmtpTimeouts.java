package io.mailrelay.relay.delivery;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How long the SMTP client waits in each stage of a session, with Postfix's names and defaults: a next hop that
 * stalls in one stage is given up at that stage's limit, not at one timeout for everything.
 *
 * @param connect TCP connection (smtp_connect_timeout)
 * @param helo the greeting, EHLO/HELO, and AUTH (smtp_helo_timeout)
 * @param starttls STARTTLS and the TLS handshake (smtp_starttls_timeout)
 * @param mail MAIL FROM (smtp_mail_timeout)
 * @param rcpt each RCPT TO (smtp_rcpt_timeout)
 * @param dataInit DATA until its 354 (smtp_data_init_timeout)
 * @param dataXfer the message content, without progress (smtp_data_xfer_timeout)
 * @param dataDone the final "." until its reply (smtp_data_done_timeout)
 */
public record SmtpTimeouts(Duration connect, Duration helo, Duration starttls, Duration mail, Duration rcpt,
        Duration dataInit, Duration dataXfer, Duration dataDone) {

    public static final SmtpTimeouts DEFAULT = new SmtpTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(300),
            Duration.ofSeconds(300), Duration.ofSeconds(300), Duration.ofSeconds(300), Duration.ofSeconds(120),
            Duration.ofSeconds(180), Duration.ofSeconds(600));

    /** RSET and QUIT: fixed at Postfix's smtp_rset_timeout and smtp_quit_timeout. */
    static final Duration RSET = Duration.ofSeconds(20);
    static final Duration QUIT = Duration.ofSeconds(300);

    public SmtpTimeouts {
        byPostfixName(connect, helo, starttls, mail, rcpt, dataInit, dataXfer, dataDone).forEach((name, value) -> {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive: " + value);
            }
        });
    }

    /** The same limit for every stage (the recipient callout, which waits briefly for anything). */
    public static SmtpTimeouts uniform(Duration timeout) {
        return new SmtpTimeouts(timeout, timeout, timeout, timeout, timeout, timeout, timeout, timeout);
    }

    /** The longest stage: a backstop read timeout under the per-stage watchdog. */
    Duration longest() {
        return byPostfixName(connect, helo, starttls, mail, rcpt, dataInit, dataXfer, dataDone).values().stream()
                .max(Duration::compareTo).orElseThrow();
    }

    private static Map<String, Duration> byPostfixName(Duration connect, Duration helo, Duration starttls,
            Duration mail, Duration rcpt, Duration dataInit, Duration dataXfer, Duration dataDone) {
        Map<String, Duration> named = new LinkedHashMap<>();
        named.put("smtp_connect_timeout", connect);
        named.put("smtp_helo_timeout", helo);
        named.put("smtp_starttls_timeout", starttls);
        named.put("smtp_mail_timeout", mail);
        named.put("smtp_rcpt_timeout", rcpt);
        named.put("smtp_data_init_timeout", dataInit);
        named.put("smtp_data_xfer_timeout", dataXfer);
        named.put("smtp_data_done_timeout", dataDone);
        return named;
    }
}
