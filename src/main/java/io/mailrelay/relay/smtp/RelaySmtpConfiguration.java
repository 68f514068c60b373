package io.mailrelay.relay.smtp;

import java.util.Optional;

import org.apache.james.protocols.api.OidcSASLConfiguration;
import org.apache.james.protocols.smtp.SMTPConfiguration;

import io.mailrelay.config.RelayConfig;

/**
 * What James' own handlers read. Relaying is never decided here: {@link #isRelayingAllowed} is always
 * false so that no James handler can open the relay; {@link RelayRcptHook} decides every recipient.
 */
final class RelaySmtpConfiguration implements SMTPConfiguration {
    private final RelayConfig config;

    RelaySmtpConfiguration(RelayConfig config) {
        this.config = config;
    }

    @Override
    public String getHelloName() {
        return config.server().hostname();
    }

    @Override
    public String getGreeting() {
        return config.server().hostname() + " ESMTP ready";
    }

    @Override
    public String getSoftwareName() {
        return "mailrelay";
    }

    @Override
    public long getMaxMessageSize() {
        return config.limits().maxMessageSize();
    }

    @Override
    public boolean isRelayingAllowed(String remoteIP) {
        return false;
    }

    /** AUTH is announced only where it may be used: after STARTTLS, unless allowWithoutTls (users or peers). */
    @Override
    public boolean isAuthAnnounced(String remoteIP, boolean tlsStarted) {
        return SmtpLogins.offered(config) && (tlsStarted || SmtpLogins.anyWithoutTls(config));
    }

    @Override
    public boolean useHeloEhloEnforcement() {
        return true;
    }

    @Override
    public boolean useAddressBracketsEnforcement() {
        return true;
    }

    @Override
    public boolean isPlainAuthEnabled() {
        return SmtpLogins.offered(config);
    }

    @Override
    public Optional<OidcSASLConfiguration> saslConfiguration() {
        return Optional.empty();
    }
}
