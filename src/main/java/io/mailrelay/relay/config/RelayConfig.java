package io.mailrelay.relay.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonProperty;

import io.mailrelay.relay.HostPort;
import io.mailrelay.relay.policy.Cidr;
import io.mailrelay.relay.policy.LocalDomainRule;
import io.mailrelay.relay.policy.RecipientCheck;
import io.mailrelay.relay.policy.RecipientPattern;

/**
 * The relay's configuration file (docs/relay.md), as parsed; {@link RelayConfigLoader} parses and
 * validates it. Absent sections and fields take the documented defaults.
 */
public record RelayConfig(Server server, List<Cidr> allowedNetworks, List<LocalDomain> localDomains,
        Authentication authentication, Tls tls, Outbound outbound, SenderRestrictions senderRestrictions,
        Limits limits, Spool spool) {

    public RelayConfig {
        server = Objects.requireNonNullElseGet(server, () -> new Server(null, null, null, null));
        allowedNetworks = allowedNetworks == null ? List.of() : List.copyOf(allowedNetworks);
        localDomains = localDomains == null ? List.of() : List.copyOf(localDomains);
        limits = Objects.requireNonNullElseGet(limits,
                () -> new Limits(null, null, null, null, null, null, null, null, null, null));
        spool = Objects.requireNonNullElseGet(spool, () -> new Spool(null, null, null));
    }

    public record Server(String listenAddress, Integer port, String hostname, Boolean proxyProtocol) {
        public Server {
            listenAddress = Objects.requireNonNullElse(listenAddress, "0.0.0.0");
            port = Objects.requireNonNullElse(port, 2525);
            hostname = Objects.requireNonNullElseGet(hostname, Server::localHostName);
            proxyProtocol = Objects.requireNonNullElse(proxyProtocol, false);
        }

        private static String localHostName() {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                return "localhost";
            }
        }
    }

    /**
     * @param recipientCheck how recipients are checked for clients that may not relay; default callout
     * @param recipients the patterns of recipientCheck list (see {@link RecipientPattern})
     */
    public record LocalDomain(String domain, HostPort deliverTo, RecipientCheck recipientCheck,
            List<String> recipients) {
        public LocalDomain {
            recipientCheck = Objects.requireNonNullElse(recipientCheck, RecipientCheck.CALLOUT);
            recipients = recipients == null ? List.of() : List.copyOf(recipients);
        }

        /** The policy's view; the validator made sure every pattern parses. */
        public LocalDomainRule rule() {
            return new LocalDomainRule(domain, recipientCheck,
                    recipients.stream().map(text -> RecipientPattern.parse(text).orElseThrow()).toList());
        }
    }

    /** SMTP AUTH PLAIN/LOGIN against a bcrypt users file, polled every {@code reloadInterval} for changes. */
    public record Authentication(Path usersFile, Boolean allowWithoutTls, Duration reloadInterval) {
        public Authentication {
            allowWithoutTls = Objects.requireNonNullElse(allowWithoutTls, false);
            reloadInterval = Objects.requireNonNullElse(reloadInterval, Duration.ofSeconds(30));
        }
    }

    /** STARTTLS certificate; the files are polled every {@code reloadInterval} and reloaded when they change. */
    public record Tls(Path certificateFile, Path keyFile, Duration reloadInterval) {
        public Tls {
            reloadInterval = Objects.requireNonNullElse(reloadInterval, Duration.ofSeconds(30));
        }
    }

    public record Outbound(OutboundMode mode, Smarthost smarthost) {
    }

    public enum OutboundMode {
        @JsonProperty("smarthost") SMARTHOST,
        @JsonProperty("mx") MX
    }

    public record Smarthost(String host, Integer port, SmarthostTls tls, Boolean verifyCertificate,
            Path trustedCaFile, Path usernameFile, Path passwordFile) {
        public Smarthost {
            port = Objects.requireNonNullElse(port, 587);
            tls = Objects.requireNonNullElse(tls, SmarthostTls.REQUIRED);
            verifyCertificate = Objects.requireNonNullElse(verifyCertificate, true);
        }
    }

    public enum SmarthostTls {
        @JsonProperty("required") REQUIRED,
        @JsonProperty("opportunistic") OPPORTUNISTIC,
        @JsonProperty("none") NONE
    }

    public record SenderRestrictions(List<String> allowedSenderDomains) {
        public SenderRestrictions {
            allowedSenderDomains = allowedSenderDomains == null ? List.of() : List.copyOf(allowedSenderDomains);
        }
    }

    /**
     * @param maxErrors commands answered with an error (4xx/5xx, unknown commands included) before the
     *        session is ended with 421 (Postfix smtpd_hard_error_limit); an addition to the contract
     */
    public record Limits(Long maxMessageSize, Integer maxRecipients, Integer maxConnections,
            Integer maxConnectionsPerClient, Integer maxMessagesPerClientPerMinute, Integer maxAuthFailures,
            Duration authLockout, Duration commandTimeout, Duration idleTimeout, Integer maxErrors) {
        public Limits {
            maxMessageSize = Objects.requireNonNullElse(maxMessageSize, 26_214_400L);
            maxRecipients = Objects.requireNonNullElse(maxRecipients, 100);
            maxConnections = Objects.requireNonNullElse(maxConnections, 500);
            maxConnectionsPerClient = Objects.requireNonNullElse(maxConnectionsPerClient, 20);
            maxMessagesPerClientPerMinute = Objects.requireNonNullElse(maxMessagesPerClientPerMinute, 120);
            maxAuthFailures = Objects.requireNonNullElse(maxAuthFailures, 5);
            authLockout = Objects.requireNonNullElse(authLockout, Duration.ofMinutes(15));
            commandTimeout = Objects.requireNonNullElse(commandTimeout, Duration.ofMinutes(5));
            idleTimeout = Objects.requireNonNullElse(idleTimeout, Duration.ofMinutes(5));
            maxErrors = Objects.requireNonNullElse(maxErrors, 10);
        }
    }

    public record Spool(Path directory, List<Duration> retrySchedule, Duration maxQueueLifetime) {
        public Spool {
            directory = Objects.requireNonNullElse(directory, Path.of("/var/spool/mailrelay"));
            retrySchedule = retrySchedule == null
                    ? List.of(Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMinutes(15),
                            Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofHours(2), Duration.ofHours(4))
                    : List.copyOf(retrySchedule);
            maxQueueLifetime = Objects.requireNonNullElse(maxQueueLifetime, Duration.ofDays(5));
        }
    }
}
