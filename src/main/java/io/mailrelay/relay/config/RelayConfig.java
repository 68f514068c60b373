package io.mailrelay.relay.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
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
        Limits limits, Spool spool, Delivery delivery, Admin admin, HandOff handOff) {

    public RelayConfig {
        server = Objects.requireNonNullElseGet(server, () -> new Server(null, null, null, null, null, null));
        allowedNetworks = allowedNetworks == null ? List.of() : List.copyOf(allowedNetworks);
        localDomains = localDomains == null ? List.of() : List.copyOf(localDomains);
        limits = Objects.requireNonNullElseGet(limits,
                () -> new Limits(null, null, null, null, null, null, null, null, null, null, null, null, null, null));
        spool = Objects.requireNonNullElseGet(spool, () -> new Spool(null, null, null, null));
        delivery = Objects.requireNonNullElseGet(delivery, () -> new Delivery(null, null, null, null, null));
        admin = Objects.requireNonNullElseGet(admin, () -> new Admin(null, null));
    }

    /**
     * Handing the queue to a peer replica ({@code POST /admin/drain}, docs/relay.md "Hand-off"). Absent: no hand-off,
     * no peer user.
     *
     * @param usersFile {@code user:<bcrypt hash>} lines (the authentication.usersFile format) of the peer users this
     *        relay accepts: authenticated users, exempt from the mail-loop rule, the per-client rate and sender
     *        restrictions
     * @param usernameFile with {@code passwordFile}: what this relay authenticates with when it hands its queue off
     * @param allowWithoutTls the peer users may AUTH before STARTTLS (a relay without {@code tls})
     * @param deliverFor after a drain request, how long the relay keeps delivering normally before it forwards what
     *        is left to the peer
     */
    public record HandOff(Path usersFile, Path usernameFile, Path passwordFile, Boolean allowWithoutTls,
            Duration deliverFor, Duration reloadInterval) {
        public HandOff {
            allowWithoutTls = Objects.requireNonNullElse(allowWithoutTls, false);
            deliverFor = Objects.requireNonNullElse(deliverFor, Duration.ofSeconds(30));
            reloadInterval = Objects.requireNonNullElse(reloadInterval, Duration.ofSeconds(30));
        }
    }

    /**
     * The queue admin endpoint on the management port ({@code /admin/queue}, docs/relay.md).
     *
     * @param tokenFile the bearer token every request must carry, polled every {@code reloadInterval}; without it
     *        every admin request is refused (403)
     */
    public record Admin(Path tokenFile, Duration reloadInterval) {
        public Admin {
            reloadInterval = Objects.requireNonNullElse(reloadInterval, Duration.ofSeconds(30));
        }
    }

    /**
     * @param trustedProxies the only socket peers whose PROXY header is read (the load balancer's own
     *        addresses); required when {@code proxyProtocol} is on, every other peer is dropped
     * @param proxyHeaderTimeout how long a trusted proxy may take to send the header (Postfix
     *        smtpd_upstream_proxy_timeout)
     */
    public record Server(String listenAddress, Integer port, String hostname, Boolean proxyProtocol,
            List<Cidr> trustedProxies, Duration proxyHeaderTimeout) {
        public Server {
            listenAddress = Objects.requireNonNullElse(listenAddress, "0.0.0.0");
            port = Objects.requireNonNullElse(port, 2525);
            hostname = Objects.requireNonNullElseGet(hostname, Server::localHostName);
            proxyProtocol = Objects.requireNonNullElse(proxyProtocol, false);
            trustedProxies = trustedProxies == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(trustedProxies));
            proxyHeaderTimeout = Objects.requireNonNullElse(proxyHeaderTimeout, Duration.ofSeconds(5));
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
     * @param exemptAllowedNetworks the per-client connection and message rate limits do not apply to
     *        {@code allowedNetworks} (Postfix smtpd_client_event_limit_exceptions)
     * @param maxHops most {@code Received:} headers a message may carry (Postfix hopcount_limit)
     * @param maxLineLength longest line of message data, CRLF included (commands stay at 512 octets)
     * @param maxMessagesInFlight messages being received (DATA to commit) at once, all connections together; past
     *        it DATA gets 421 4.3.2 (Postfix bounds it with the smtpd process limit, default_process_limit)
     */
    public record Limits(Long maxMessageSize, Integer maxRecipients, Integer maxConnections,
            Integer maxConnectionsPerClient, Integer maxMessagesPerClientPerMinute, Integer maxAuthFailures,
            Duration authLockout, Duration commandTimeout, Duration idleTimeout, Integer maxErrors,
            Boolean exemptAllowedNetworks, Integer maxHops, Integer maxLineLength, Integer maxMessagesInFlight) {
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
            maxErrors = Objects.requireNonNullElse(maxErrors, 20);
            exemptAllowedNetworks = Objects.requireNonNullElse(exemptAllowedNetworks, true);
            maxHops = Objects.requireNonNullElse(maxHops, 50);
            maxLineLength = Objects.requireNonNullElse(maxLineLength, 64 * 1024);
            maxMessagesInFlight = Objects.requireNonNullElse(maxMessagesInFlight, 100);
        }
    }

    /**
     * @param minFreeSpace below this much free space on the spool's file system MAIL is answered
     *        {@code 452 4.3.1} (Postfix queue_minfree); 0 turns the check off; an addition to the contract
     */
    public record Spool(Path directory, List<Duration> retrySchedule, Duration maxQueueLifetime, ByteSize minFreeSpace) {
        /** Room for a few messages at the default size limit being received at once. */
        public static final ByteSize DEFAULT_MIN_FREE_SPACE = ByteSize.ofMebibytes(100);

        public Spool {
            directory = Objects.requireNonNullElse(directory, Path.of("/var/spool/mailrelay"));
            retrySchedule = retrySchedule == null
                    ? List.of(Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMinutes(15),
                            Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofHours(2), Duration.ofHours(4))
                    : List.copyOf(retrySchedule);
            maxQueueLifetime = Objects.requireNonNullElse(maxQueueLifetime, Duration.ofDays(5));
            minFreeSpace = Objects.requireNonNullElse(minFreeSpace, DEFAULT_MIN_FREE_SPACE);
        }
    }

    /**
     * The delivery scheduler (docs/relay.md, "delivery"), with Postfix's defaults.
     *
     * @param processLimit SMTP client sessions at once (Postfix default_process_limit)
     * @param destinationConcurrencyLimit sessions at once to one destination (Postfix
     *        smtp_destination_concurrency_limit)
     * @param mxAddressLimit addresses one attempt may try, 0 for no limit (Postfix smtp_mx_address_limit)
     * @param mxSessionLimit sessions one attempt may use, 0 for no limit (Postfix smtp_mx_session_limit)
     * @param timeouts per SMTP stage (Postfix smtp_*_timeout)
     */
    public record Delivery(Integer processLimit, Integer destinationConcurrencyLimit, Integer mxAddressLimit,
            Integer mxSessionLimit, Timeouts timeouts) {
        public Delivery {
            processLimit = Objects.requireNonNullElse(processLimit, 100);
            destinationConcurrencyLimit = Objects.requireNonNullElse(destinationConcurrencyLimit, 20);
            mxAddressLimit = Objects.requireNonNullElse(mxAddressLimit, 5);
            mxSessionLimit = Objects.requireNonNullElse(mxSessionLimit, 2);
            timeouts = Objects.requireNonNullElseGet(timeouts,
                    () -> new Timeouts(null, null, null, null, null, null, null, null));
        }
    }

    /** Per stage of an SMTP client session; each field's Postfix name is smtp_&lt;field&gt;_timeout. */
    public record Timeouts(Duration connect, Duration helo, Duration starttls, Duration mail, Duration rcpt,
            Duration dataInit, Duration dataXfer, Duration dataDone) {
        public Timeouts {
            connect = Objects.requireNonNullElse(connect, Duration.ofSeconds(30));
            helo = Objects.requireNonNullElse(helo, Duration.ofSeconds(300));
            starttls = Objects.requireNonNullElse(starttls, Duration.ofSeconds(300));
            mail = Objects.requireNonNullElse(mail, Duration.ofSeconds(300));
            rcpt = Objects.requireNonNullElse(rcpt, Duration.ofSeconds(300));
            dataInit = Objects.requireNonNullElse(dataInit, Duration.ofSeconds(120));
            dataXfer = Objects.requireNonNullElse(dataXfer, Duration.ofSeconds(180));
            dataDone = Objects.requireNonNullElse(dataDone, Duration.ofSeconds(600));
        }
    }
}
