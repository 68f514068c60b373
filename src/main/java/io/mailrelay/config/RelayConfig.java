package io.mailrelay.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * relay.yaml (docs/relay.md): the one contract between the operator, which renders it ({@link RelayYaml#write}), and
 * the relay, which reads it ({@link RelayYaml#read}, {@link RelayConfigRules}). As parsed, absent fields are null;
 * {@link #withDefaults()} is what the relay runs.
 */
public record RelayConfig(Server server, List<Cidr> allowedNetworks, List<LocalDomain> localDomains,
        Authentication authentication, Tls tls, Outbound outbound, SenderRestrictions senderRestrictions,
        Limits limits, Spool spool, Delivery delivery, Admin admin, HandOff handOff, UpstreamCheck upstreamCheck,
        Dkim dkim, SenderLogins senderLogins) {

    public RelayConfig {
        allowedNetworks = allowedNetworks == null ? List.of() : List.copyOf(allowedNetworks);
        localDomains = localDomains == null ? List.of() : List.copyOf(localDomains);
    }

    /**
     * The configuration the relay runs: every absent section and field with its documented default (the server's
     * host name: this host's). The parsed file keeps what was written, so that the operator can render it.
     */
    public RelayConfig withDefaults() {
        return new RelayConfig(orEmpty(server, () -> new Server(null, null, null, null, null, null)).withDefaults(),
                allowedNetworks, localDomains.stream().map(domain -> domain == null ? null : domain.withDefaults()).toList(),
                authentication == null ? null : authentication.withDefaults(),
                tls == null ? null : tls.withDefaults(),
                outbound == null ? null : outbound.withDefaults(),
                senderRestrictions,
                orEmpty(limits, () -> new Limits(null, null, null, null, null, null, null, null, null, null, null, null,
                        null, null)).withDefaults(),
                orEmpty(spool, () -> new Spool(null, null, null, null)).withDefaults(),
                orEmpty(delivery, () -> new Delivery(null, null, null, null, null)).withDefaults(),
                orEmpty(admin, () -> new Admin(null, null)).withDefaults(),
                handOff == null ? null : handOff.withDefaults(),
                orEmpty(upstreamCheck, () -> new UpstreamCheck(null, null, null)).withDefaults(),
                dkim == null ? null : dkim.withDefaults(),
                senderLogins == null ? null : senderLogins.withDefaults());
    }

    /** This configuration with another {@code senderLogins} section. */
    public RelayConfig withSenderLogins(SenderLogins logins) {
        return new RelayConfig(server, allowedNetworks, localDomains, authentication, tls, outbound, senderRestrictions,
                limits, spool, delivery, admin, handOff, upstreamCheck, dkim, logins);
    }

    private static <T> T orEmpty(T section, Supplier<T> empty) {
        return section != null ? section : empty.get();
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
        /** This section with the documented default of every absent field. */
        public HandOff withDefaults() {
            return new HandOff(usersFile,
                    usernameFile,
                    passwordFile,
                    Objects.requireNonNullElse(allowWithoutTls, false),
                    Objects.requireNonNullElse(deliverFor, Duration.ofSeconds(30)),
                    Objects.requireNonNullElse(reloadInterval, Duration.ofSeconds(30)));
        }
    }

    /**
     * The queue admin endpoint on the management port ({@code /admin/queue}, docs/relay.md).
     *
     * @param tokenFile the bearer token every request must carry, polled every {@code reloadInterval}; without it
     *        every admin request is refused (403)
     */
    public record Admin(Path tokenFile, Duration reloadInterval) {
        /** This section with the documented default of every absent field. */
        public Admin withDefaults() {
            return new Admin(tokenFile,
                    Objects.requireNonNullElse(reloadInterval, Duration.ofSeconds(30)));
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
            trustedProxies = trustedProxies == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(trustedProxies));
        }

        /** This section with the documented default of every absent field. */
        public Server withDefaults() {
            return new Server(Objects.requireNonNullElse(listenAddress, "0.0.0.0"),
                    Objects.requireNonNullElse(port, 2525),
                    Objects.requireNonNullElseGet(hostname, Server::localHostName),
                    Objects.requireNonNullElse(proxyProtocol, false),
                    trustedProxies,
                    Objects.requireNonNullElse(proxyHeaderTimeout, Duration.ofSeconds(5)));
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
            recipients = recipients == null ? List.of() : List.copyOf(recipients);
        }

        /** This section with the documented default of every absent field. */
        public LocalDomain withDefaults() {
            return new LocalDomain(domain,
                    deliverTo,
                    Objects.requireNonNullElse(recipientCheck, RecipientCheck.CALLOUT),
                    recipients);
        }
    }

    /** SMTP AUTH PLAIN/LOGIN against a bcrypt users file, polled every {@code reloadInterval} for changes. */
    public record Authentication(Path usersFile, Boolean allowWithoutTls, Duration reloadInterval) {
        /** This section with the documented default of every absent field. */
        public Authentication withDefaults() {
            return new Authentication(usersFile,
                    Objects.requireNonNullElse(allowWithoutTls, false),
                    Objects.requireNonNullElse(reloadInterval, Duration.ofSeconds(30)));
        }
    }

    /**
     * Users each bound to the envelope senders they may use (Postfix smtpd_sender_login_maps with
     * reject_sender_login_mismatch, for these users): they AUTH like {@code authentication}'s users and relay, and
     * MAIL FROM is refused with {@code 553 5.7.1} unless {@code loginMapsFile} names the user as an owner of the
     * sender address or its {@code @domain} (the null sender included: nobody owns it). Both files are polled every
     * {@code reloadInterval} and reloaded together; the users file may be empty (nobody logs in that way).
     *
     * @param usersFile {@code user:<bcrypt hash>} lines, the format of {@code authentication.usersFile}
     * @param loginMapsFile {@code <address or @domain> <user>[, <user>...]} lines ({@link SenderLoginMaps})
     * @param allowWithoutTls these users may AUTH before STARTTLS (passwords in clear)
     */
    public record SenderLogins(Path usersFile, Path loginMapsFile, Boolean allowWithoutTls, Duration reloadInterval) {
        /** This section with the documented default of every absent field. */
        public SenderLogins withDefaults() {
            return new SenderLogins(usersFile,
                    loginMapsFile,
                    Objects.requireNonNullElse(allowWithoutTls, false),
                    Objects.requireNonNullElse(reloadInterval, Duration.ofSeconds(30)));
        }
    }

    /** STARTTLS certificate; the files are polled every {@code reloadInterval} and reloaded when they change. */
    public record Tls(Path certificateFile, Path keyFile, Duration reloadInterval) {
        /** This section with the documented default of every absent field. */
        public Tls withDefaults() {
            return new Tls(certificateFile,
                    keyFile,
                    Objects.requireNonNullElse(reloadInterval, Duration.ofSeconds(30)));
        }
    }

    /**
     * Where mail that is not for a local domain goes (docs/relay.md, "Routing"): {@code recipientRoutes} (Postfix
     * transport_maps) before {@code senderRoutes} (Postfix sender_dependent_relayhost_maps with
     * smtp_sender_dependent_authentication) before {@code smarthost} (Postfix relayhost) or MX.
     *
     * @param recipientRoutes a recipient domain's own smarthost
     * @param senderRoutes an envelope sender domain's own smarthost, with its own credentials
     */
    public record Outbound(OutboundMode mode, Smarthost smarthost, List<Route> recipientRoutes,
            List<Route> senderRoutes) {
        public Outbound {
            recipientRoutes = recipientRoutes == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(recipientRoutes));
            senderRoutes = senderRoutes == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(senderRoutes));
        }

        /** Without routes (what the file was before they existed). */
        public Outbound(OutboundMode mode, Smarthost smarthost) {
            this(mode, smarthost, null, null);
        }

        public Outbound withDefaults() {
            return new Outbound(mode, smarthost == null ? null : smarthost.withDefaults(),
                    recipientRoutes.stream().map(route -> route == null ? null : route.withDefaults()).toList(),
                    senderRoutes.stream().map(route -> route == null ? null : route.withDefaults()).toList());
        }
    }

    /**
     * One domain's own smarthost: in {@code outbound.recipientRoutes} the recipient's domain, in
     * {@code outbound.senderRoutes} the envelope sender's. The domain matches exactly (case and a trailing dot
     * ignored), not its subdomains.
     */
    public record Route(String domain, Smarthost smarthost) {
        public Route withDefaults() {
            return new Route(domain, smarthost == null ? null : smarthost.withDefaults());
        }
    }

    /**
     * @param port default 587, or 465 with {@code tls: implicit}
     * @param tls default required (STARTTLS)
     * @param rateLimit optional: what the provider allows this relay to send through it (absent: no limit)
     * @param clientCertificateFile with {@code clientKeyFile}: the PEM certificate chain this relay presents in the
     *        TLS handshake (a certificate-based connector, as Microsoft 365's; Postfix smtp_tls_cert_file)
     * @param clientKeyFile its PEM key (Postfix smtp_tls_key_file)
     */
    public record Smarthost(String host, Integer port, SmarthostTls tls, Boolean verifyCertificate,
            Path trustedCaFile, Path usernameFile, Path passwordFile, RateLimit rateLimit, Path clientCertificateFile,
            Path clientKeyFile) {

        /** Without a client certificate. */
        public Smarthost(String host, Integer port, SmarthostTls tls, Boolean verifyCertificate, Path trustedCaFile,
                Path usernameFile, Path passwordFile, RateLimit rateLimit) {
            this(host, port, tls, verifyCertificate, trustedCaFile, usernameFile, passwordFile, rateLimit, null, null);
        }

        /** This section with the documented default of every absent field. */
        public Smarthost withDefaults() {
            SmarthostTls mode = Objects.requireNonNullElse(tls, SmarthostTls.REQUIRED);
            return new Smarthost(host,
                    Objects.requireNonNullElse(port, mode.defaultPort()),
                    mode,
                    Objects.requireNonNullElse(verifyCertificate, true),
                    trustedCaFile,
                    usernameFile,
                    passwordFile,
                    rateLimit,
                    clientCertificateFile,
                    clientKeyFile);
        }
    }

    /**
     * Outbound rate limits of one smarthost (docs/relay.md, "Rate limits"), per relay process: over a limit,
     * deliveries wait, they are never bounced for it. Each field is optional; at least one is set.
     *
     * @param messagesPerSecond at most this many transactions (messages) with the smarthost overlap any 1-second
     *        window, as the smarthost sees them (Postfix has only smtp_destination_rate_delay, a fixed delay)
     * @param recipientsPerDay at most this many recipients accepted by the smarthost in any rolling 24 hours (SES,
     *        Google Workspace: 10,000 per user); the count is kept in the spool directory across restarts
     */
    public record RateLimit(Integer messagesPerSecond, Integer recipientsPerDay) {
    }

    public record SenderRestrictions(List<String> allowedSenderDomains) {
        public SenderRestrictions {
            allowedSenderDomains = allowedSenderDomains == null ? List.of() : List.copyOf(allowedSenderDomains);
        }

        /** This section with the documented default of every absent field. */
        public SenderRestrictions withDefaults() {
            return new SenderRestrictions(allowedSenderDomains);
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
        /** This section with the documented default of every absent field. */
        public Limits withDefaults() {
            return new Limits(Objects.requireNonNullElse(maxMessageSize, 26_214_400L),
                    Objects.requireNonNullElse(maxRecipients, 100),
                    Objects.requireNonNullElse(maxConnections, 500),
                    Objects.requireNonNullElse(maxConnectionsPerClient, 20),
                    Objects.requireNonNullElse(maxMessagesPerClientPerMinute, 120),
                    Objects.requireNonNullElse(maxAuthFailures, 5),
                    Objects.requireNonNullElse(authLockout, Duration.ofMinutes(15)),
                    Objects.requireNonNullElse(commandTimeout, Duration.ofMinutes(5)),
                    Objects.requireNonNullElse(idleTimeout, Duration.ofMinutes(5)),
                    Objects.requireNonNullElse(maxErrors, 20),
                    Objects.requireNonNullElse(exemptAllowedNetworks, true),
                    Objects.requireNonNullElse(maxHops, 50),
                    Objects.requireNonNullElse(maxLineLength, 64 * 1024),
                    Objects.requireNonNullElse(maxMessagesInFlight, 100));
        }
    }

    /**
     * @param minFreeSpace below this much free space on the spool's file system MAIL is answered
     *        {@code 452 4.3.1} (Postfix queue_minfree); 0 turns the check off; an addition to the contract
     */
    public record Spool(Path directory, List<Duration> retrySchedule, Duration maxQueueLifetime, ByteSize minFreeSpace) {
        /** Room for a few messages at the default size limit being received at once. */
        public static final ByteSize DEFAULT_MIN_FREE_SPACE = ByteSize.ofMebibytes(100);

        /** This section with the documented default of every absent field. */
        public Spool withDefaults() {
            return new Spool(Objects.requireNonNullElse(directory, Path.of("/var/spool/mailrelay")),
                    retrySchedule == null ? List.of(Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMinutes(15), Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofHours(2), Duration.ofHours(4)) : List.copyOf(retrySchedule),
                    Objects.requireNonNullElse(maxQueueLifetime, Duration.ofDays(5)),
                    Objects.requireNonNullElse(minFreeSpace, DEFAULT_MIN_FREE_SPACE));
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
        /** This section with the documented default of every absent field. */
        public Delivery withDefaults() {
            return new Delivery(Objects.requireNonNullElse(processLimit, 100),
                    Objects.requireNonNullElse(destinationConcurrencyLimit, 20),
                    Objects.requireNonNullElse(mxAddressLimit, 5),
                    Objects.requireNonNullElse(mxSessionLimit, 2),
                    orEmpty(timeouts, () -> new Timeouts(null, null, null, null, null, null, null, null)).withDefaults());
        }
    }

    /** Per stage of an SMTP client session; each field's Postfix name is smtp_&lt;field&gt;_timeout. */
    public record Timeouts(Duration connect, Duration helo, Duration starttls, Duration mail, Duration rcpt,
            Duration dataInit, Duration dataXfer, Duration dataDone) {
        /** This section with the documented default of every absent field. */
        public Timeouts withDefaults() {
            return new Timeouts(Objects.requireNonNullElse(connect, Duration.ofSeconds(30)),
                    Objects.requireNonNullElse(helo, Duration.ofSeconds(300)),
                    Objects.requireNonNullElse(starttls, Duration.ofSeconds(300)),
                    Objects.requireNonNullElse(mail, Duration.ofSeconds(300)),
                    Objects.requireNonNullElse(rcpt, Duration.ofSeconds(300)),
                    Objects.requireNonNullElse(dataInit, Duration.ofSeconds(120)),
                    Objects.requireNonNullElse(dataXfer, Duration.ofSeconds(180)),
                    Objects.requireNonNullElse(dataDone, Duration.ofSeconds(600)));
        }
    }
}
