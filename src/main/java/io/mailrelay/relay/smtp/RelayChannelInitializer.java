package io.mailrelay.relay.smtp;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.protocols.api.Protocol;
import org.apache.james.protocols.api.ProtocolSession;
import org.apache.james.protocols.api.handler.CommandDispatcher;
import org.apache.james.protocols.api.handler.WiringException;
import org.apache.james.protocols.netty.BasicChannelInboundHandler;
import org.apache.james.protocols.netty.HandlerConstants;
import org.apache.james.protocols.netty.ProtocolMDCContextFactory;
import org.apache.james.protocols.smtp.SMTPProtocol;
import org.apache.james.protocols.smtp.SMTPProtocolHandlerChain;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.core.DataCmdHandler;
import org.apache.james.protocols.smtp.core.HeloCmdHandler;
import org.apache.james.protocols.smtp.core.MailCmdHandler;
import org.apache.james.protocols.smtp.core.NoopCmdHandler;
import org.apache.james.protocols.smtp.core.QuitCmdHandler;
import org.apache.james.protocols.smtp.core.RsetCmdHandler;
import org.apache.james.protocols.smtp.core.UnknownCmdHandler;
import org.apache.james.protocols.smtp.core.WelcomeMessageHandler;
import org.apache.james.protocols.smtp.core.esmtp.EhloCmdHandler;
import org.apache.james.protocols.smtp.core.esmtp.MailSizeEsmtpExtension;
import org.apache.james.protocols.smtp.core.esmtp.StartTlsCmdHandler;
import org.apache.james.util.MDCBuilder;

import io.mailrelay.config.DomainNames;
import io.mailrelay.config.HostPort;
import io.mailrelay.config.RecipientCheck;
import io.mailrelay.config.RelayConfig;
import io.mailrelay.relay.RelayRuntime;
import io.mailrelay.relay.auth.PasswordFile;
import io.mailrelay.relay.auth.SenderLoginUsers;
import io.mailrelay.relay.dkim.DkimSigner;
import io.mailrelay.relay.delivery.RecipientCallout;
import io.mailrelay.relay.policy.LocalDomainRule;
import io.mailrelay.relay.policy.RelayPolicy;
import io.mailrelay.relay.policy.WorkloadClients;
import io.mailrelay.relay.reload.ReloadingValue;
import io.mailrelay.relay.spool.MessageSpool;
import io.mailrelay.relay.tls.ReloadingStartTls;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;

/**
 * The relay's SMTP pipeline, built from James Protocols pieces but without its defaults: an explicit
 * handler chain (no PostmasterAbuseRcptHook, no in-memory message hook, no VRFY/EXPN) and an explicit
 * Netty pipeline: admission (421 on limits), optional PROXY header from trusted proxies, strict line framer, session gate,
 * timeouts, James' core handler. Everything of a connection runs on its event loop; spool I/O runs on
 * the {@code workers} executor.
 */
public final class RelayChannelInitializer extends ChannelInitializer<SocketChannel> implements AutoCloseable {
    private final RelayConfig config;
    private final RelayPolicy policy;
    private final WorkloadClients workloadClients = new WorkloadClients();
    private final Protocol protocol;
    private final ConnectionAdmission admission;
    private final Optional<ReloadingStartTls> tls;
    private final Optional<ReloadingValue<PasswordFile>> users;
    private final Optional<ReloadingValue<PasswordFile>> peerUsers;
    private final Optional<ReloadingValue<SenderLoginUsers>> senderLogins;
    private final SmtpLogins logins;
    private final RecipientVerifier verifier;

    /**
     * @param spoolWorkers runs every spool call
     * @param authWorkers runs the password checks (CPU-bound bcrypt), apart so that they never delay a commit
     */
    public RelayChannelInitializer(RelayConfig config, MessageSpool spool, Executor spoolWorkers,
            Executor authWorkers, RelayMetrics metrics, MeterRegistry registry, ChannelGroup sessions) throws IOException {
        this.config = config;
        this.tls = config.tls() == null ? Optional.empty() : Optional.of(new ReloadingStartTls(
                config.tls().certificateFile(), config.tls().keyFile(), config.tls().reloadInterval(),
                authWorkers));
        RelayConfig.Authentication auth = config.authentication();
        this.users = auth == null ? Optional.empty() : Optional.of(new ReloadingValue<>("users file",
                List.of(auth.usersFile()), auth.reloadInterval(), () -> PasswordFile.load(auth.usersFile())));
        RelayConfig.HandOff handOff = config.handOff();
        this.peerUsers = handOff == null ? Optional.empty() : Optional.of(new ReloadingValue<>("hand-off users file",
                List.of(handOff.usersFile()), handOff.reloadInterval(), () -> PasswordFile.load(handOff.usersFile())));
        RelayConfig.SenderLogins bound = config.senderLogins();
        this.senderLogins = bound == null ? Optional.empty() : Optional.of(new ReloadingValue<>("sender logins",
                List.of(bound.usersFile(), bound.loginMapsFile()), bound.reloadInterval(),
                () -> SenderLoginUsers.load(bound.usersFile(), bound.loginMapsFile())));
        this.logins = new SmtpLogins(config, users.<Supplier<PasswordFile>>map(u -> u::get).orElse(null),
                peerUsers.<Supplier<PasswordFile>>map(u -> u::get).orElse(null),
                senderLogins.<Supplier<SenderLoginUsers>>map(u -> u::get).orElse(null));
        this.verifier = recipientVerifier(config);
        this.policy = new RelayPolicy(config.allowedNetworks(),
                config.localDomains().stream().map(LocalDomainRule::of).toList(),
                Optional.ofNullable(config.senderRestrictions()).map(RelayConfig.SenderRestrictions::allowedSenderDomains),
                workloadClients::contains);
        this.admission = new ConnectionAdmission(config.limits().maxConnections(),
                config.limits().maxConnectionsPerClient(), !config.server().proxyProtocol(), this::exemptFromClientLimits,
                sessions, metrics);
        RejectionLog.silenceJames();
        this.protocol = new SMTPProtocol(chain(config, spool, spoolWorkers, authWorkers, metrics, registry),
                new RelaySmtpConfiguration(config));
    }

    private SMTPProtocolHandlerChain chain(RelayConfig config, MessageSpool spool, Executor spoolWorkers,
            Executor authWorkers, RelayMetrics metrics, MeterRegistry registry) throws IOException {
        MetricFactory noMetrics = new NoopJamesMetrics();
        RelayConfig.Limits limits = config.limits();
        AuthFailures authFailures = new AuthFailures(limits.maxAuthFailures(), limits.authLockout(), System::nanoTime);
        CommandDispatcher<SMTPSession> dispatcher = new CommandDispatcher<>();
        MessagesInFlight messages = new MessagesInFlight(limits.maxMessagesInFlight(), registry);

        SMTPProtocolHandlerChain chain = new SMTPProtocolHandlerChain(noMetrics, false);
        chain.add(new CommandGuard(dispatcher, SmtpLogins.offered(config), SmtpLogins.anyWithoutTls(config),
                authFailures, limits.maxErrors(), messages));
        chain.add(dispatcher);
        chain.add(new WelcomeMessageHandler());
        chain.add(new EhloCmdHandler(noMetrics));
        chain.add(new HeloCmdHandler(noMetrics));
        chain.add(new MailCmdHandler(noMetrics));
        chain.add(new OffLoopRcptCmdHandler(noMetrics, verifier));
        chain.add(new DataCmdHandler(noMetrics));
        chain.add(new RsetCmdHandler());
        chain.add(new NoopCmdHandler());
        chain.add(new QuitCmdHandler(noMetrics));
        chain.add(new UnknownCmdHandler(noMetrics));
        if (tls.isPresent()) {
            chain.add(new StartTlsCmdHandler());
        }
        // The data filter must be the first DataLineFilter: it consumes every line of the message.
        chain.add(new SpoolingDataFilter(spool, spoolWorkers, config.server().hostname(), limits.maxMessageSize(),
                limits.maxHops(), metrics, messages, DkimSigner.of(config.dkim(), registry)));
        chain.add(new MailSizeEsmtpExtension());
        chain.add(new MailTransactionHook(limits.maxMessagesPerClientPerMinute(),
                session -> exemptFromClientLimits(SessionFacts.clientAddress(session)) || logins.peer().session(session),
                admission::stopping, System::nanoTime));
        if (logins.senderLogins() != null) {
            chain.add(new SenderLoginHook(logins.senderLogins(), metrics));
        }
        chain.add(new SpoolSpaceGuard(spool, config.spool().minFreeSpace().bytes(), registry));
        chain.add(new RelayRcptHook(policy, limits.maxRecipients(), metrics, verifier,
                new MailLoops(config, RelayRuntime.selfAddresses(config), logins.peer()), logins.peer()));
        if (SmtpLogins.offered(config)) {
            chain.add(new OffLoopAuthCmdHandler(new PasswordAuthenticator(logins, authFailures, metrics), authWorkers));
        }
        try {
            chain.wireExtensibleHandlers();
        } catch (WiringException e) {
            throw new IllegalStateException("SMTP handler chain cannot be wired", e);
        }
        return chain;
    }

    private static RecipientVerifier recipientVerifier(RelayConfig config) {
        Map<String, HostPort> callouts = new HashMap<>();
        config.localDomains().stream().filter(local -> local.recipientCheck() == RecipientCheck.CALLOUT)
                .forEach(local -> callouts.put(DomainNames.normalize(local.domain()), local.deliverTo()));
        RecipientVerifier.Settings settings = RecipientVerifier.Settings.DEFAULT;
        return new RecipientVerifier(callouts, new RecipientCallout(config.server().hostname(), settings.timeout()),
                settings, System::nanoTime);
    }

    public WorkloadClients workloadClients() {
        return workloadClients;
    }

    /** allowedNetworks are not held to per-client limits, unless limits.exemptAllowedNetworks is false. */
    private boolean exemptFromClientLimits(InetAddress client) {
        return config.limits().exemptAllowedNetworks() && policy.isAllowedClient(client);
    }

    /**
     * From now on every new connection is answered {@code 421 4.3.2}, no session starts a new MAIL, and the
     * sessions outside a mail transaction are told 421 and closed.
     */
    public void stopAccepting() {
        admission.stopAccepting();
        admission.closeIdleSessions();
    }

    /** Undoes {@link #stopAccepting()} (a cancelled hand-off); the sessions closed meanwhile stay closed. */
    public void resumeAccepting() {
        admission.resumeAccepting();
    }

    /** Tells the sessions that have left their mail transaction since the last call 421 and closes them. */
    public void closeIdleSessions() {
        admission.closeIdleSessions();
    }

    public boolean tlsReloadIfChanged() {
        return tls.map(ReloadingStartTls::reloadIfChanged).orElse(false);
    }

    public boolean usersReloadIfChanged() {
        return users.map(ReloadingValue::reloadIfChanged).orElse(false);
    }

    public boolean senderLoginsReloadIfChanged() {
        return senderLogins.map(ReloadingValue::reloadIfChanged).orElse(false);
    }

    @Override
    protected void initChannel(SocketChannel channel) {
        ChannelPipeline pipeline = channel.pipeline();
        pipeline.addLast("admission", admission);
        if (config.server().proxyProtocol()) {
            pipeline.addLast(HandlerConstants.PROXY_HANDLER, new HAProxyMessageDecoder());
            pipeline.addLast("proxyGate", new ProxyHeaderGate(admission, config.server().trustedProxies(),
                    config.server().proxyHeaderTimeout()));
        }
        StrictLineFramer framer = new StrictLineFramer(config.limits().maxLineLength());
        pipeline.addLast(HandlerConstants.FRAMER, framer);
        pipeline.addLast("gate", new SessionGate(framer));
        pipeline.addLast(HandlerConstants.TIMEOUT_HANDLER, new Timeouts(config.limits().commandTimeout(),
                config.limits().idleTimeout()));
        pipeline.addLast(HandlerConstants.CORE_HANDLER, new BasicChannelInboundHandler(new NoDnsMdc(), protocol,
                tls.orElse(null), config.server().proxyProtocol()));
    }

    @Override
    public void close() {
        tls.ifPresent(ReloadingStartTls::close);
        users.ifPresent(ReloadingValue::close);
        peerUsers.ifPresent(ReloadingValue::close);
        senderLogins.ifPresent(ReloadingValue::close);
        verifier.close();
    }

    /** commandTimeout: no line from the client for that long; idleTimeout: no traffic either way. */
    private static final class Timeouts extends IdleStateHandler {
        Timeouts(Duration commandTimeout, Duration idleTimeout) {
            super(commandTimeout.toMillis(), 0, idleTimeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent event) {
            if (ctx.channel().attr(BasicChannelInboundHandler.SESSION_ATTRIBUTE_KEY).get() == null) {
                ctx.close(); // no session yet (PROXY header still missing): nothing to say
                return;
            }
            ctx.writeAndFlush(Unpooled.copiedBuffer(SmtpReply.TIMEOUT.line() + "\r\n", StandardCharsets.US_ASCII))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** James' default MDC factory resolves the client's host name (reverse DNS) on the event loop. */
    private static final class NoDnsMdc implements ProtocolMDCContextFactory {
        @Override
        public MDCBuilder onBound(Protocol protocol, ChannelHandlerContext ctx) {
            InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
            return MDCBuilder.create().addToContext(MDCBuilder.PROTOCOL, protocol.getName())
                    .addToContext(MDCBuilder.IP, remote.getAddress().getHostAddress());
        }

        @Override
        public MDCBuilder withContext(ProtocolSession session) {
            return MDCBuilder.create().addToContext(MDCBuilder.SESSION_ID, session.getSessionID());
        }
    }
}
