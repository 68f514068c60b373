package io.mailrelay.relay.smtp;

import org.apache.james.core.Username;
import org.apache.james.protocols.api.OidcSASLConfiguration;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.AuthHook;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.jboss.logging.Logger;

import io.mailrelay.relay.auth.PasswordFile;

/**
 * AUTH PLAIN/LOGIN against the users file. James runs AUTH even when it was not announced and sets
 * neither the user nor the relaying flag itself, so this hook refuses AUTH without TLS (unless
 * allowWithoutTls), enforces the per-IP lockout, and marks the session authenticated on success.
 */
final class PasswordAuthHook implements AuthHook {
    private static final Logger LOG = Logger.getLogger(PasswordAuthHook.class);

    static final HookResult ENCRYPTION_REQUIRED = HookResult.builder().hookReturnCode(HookReturnCode.deny())
            .smtpReturnCode("538").smtpDescription("5.7.11 Encryption required for requested authentication mechanism")
            .build();
    static final HookResult LOCKED_OUT = HookResult.builder()
            .hookReturnCode(HookReturnCode.disconnected(HookReturnCode.Action.DENYSOFT))
            .smtpReturnCode("421").smtpDescription("4.7.0 Too many authentication failures, try again later").build();

    private final PasswordFile passwords;
    private final boolean allowWithoutTls;
    private final AuthFailures failures;
    private final RelayMetrics metrics;

    PasswordAuthHook(PasswordFile passwords, boolean allowWithoutTls, AuthFailures failures, RelayMetrics metrics) {
        this.passwords = passwords;
        this.allowWithoutTls = allowWithoutTls;
        this.failures = failures;
        this.metrics = metrics;
    }

    @Override
    public HookResult doAuth(SMTPSession session, Username username, String password) {
        if (!session.isTLSStarted() && !allowWithoutTls) {
            return ENCRYPTION_REQUIRED;
        }
        String client = SessionFacts.clientIp(session);
        if (failures.isLockedOut(client)) {
            return LOCKED_OUT;
        }
        if (username != null && password != null && passwords.verify(username.asString(), password)) {
            failures.succeeded(client);
            session.setUsername(username);
            session.setRelayingAllowed(true);
            return HookResult.builder().hookReturnCode(HookReturnCode.ok()).smtpReturnCode("235")
                    .smtpDescription("2.7.0 Authentication successful").build();
        }
        failures.failed(client);
        metrics.authFailed();
        LOG.infof("authentication failed: client=%s user=%s", client, username == null ? "" : username.asString());
        return HookResult.builder().hookReturnCode(HookReturnCode.deny()).smtpReturnCode("535")
                .smtpDescription("5.7.8 Error: authentication failed").build();
    }

    @Override
    public HookResult doSasl(SMTPSession session, OidcSASLConfiguration configuration, String initialResponse) {
        return HookResult.DECLINED;
    }
}
