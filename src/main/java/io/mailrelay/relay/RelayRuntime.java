package io.mailrelay.relay;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import io.mailrelay.config.HostPort;
import io.mailrelay.config.OutboundMode;
import io.mailrelay.config.RelayConfig;
import io.mailrelay.config.UpstreamCheck;
import io.mailrelay.relay.admin.QueueAdmin;
import io.mailrelay.relay.admin.UpstreamReport;
import io.mailrelay.relay.delivery.DeliveryService;
import io.mailrelay.relay.delivery.DeliverySettings;
import io.mailrelay.relay.delivery.RetryPolicy;
import io.mailrelay.relay.delivery.SelfAddresses;
import io.mailrelay.relay.delivery.SmarthostCredentials;
import io.mailrelay.relay.delivery.SmarthostSettings;
import io.mailrelay.relay.delivery.SmtpTimeouts;
import io.mailrelay.relay.delivery.UpstreamChecker;
import io.mailrelay.relay.spool.FileMessageSpool;
import io.mailrelay.relay.spool.MessageSpool;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * What relay mode runs besides the SMTP listener: the durable spool and the delivery service that
 * empties it. Started before the listener (so a restart resumes delivering what an earlier run spooled)
 * and drained after it (so a scale-down does not strand mail).
 */
public final class RelayRuntime implements AutoCloseable {

    private final FileMessageSpool spool;
    private final DeliveryService delivery;
    private final UpstreamChecker upstreams;
    private final boolean upstreamCheckEnabled;

    private RelayRuntime(FileMessageSpool spool, DeliveryService delivery, UpstreamChecker upstreams,
            boolean upstreamCheckEnabled) {
        this.spool = spool;
        this.delivery = delivery;
        this.upstreams = upstreams;
        this.upstreamCheckEnabled = upstreamCheckEnabled;
    }

    /** Starts delivery, and the upstream check (its first round at once, in the background). */
    public static RelayRuntime start(RelayConfig config, MeterRegistry registry) throws IOException {
        FileMessageSpool spool = new FileMessageSpool(config.spool().directory());
        DeliverySettings settings = deliverySettings(config);
        DeliveryService delivery = new DeliveryService(spool, settings, registry, selfAddresses(config));
        delivery.start();
        UpstreamCheck check = config.upstreamCheck();
        UpstreamChecker upstreams = new UpstreamChecker(settings, check.interval(), check.certificateExpiryWarning(),
                registry, Clock.systemUTC(), selfAddresses(config));
        if (check.enabled()) {
            upstreams.start();
        }
        return new RelayRuntime(spool, delivery, upstreams, check.enabled());
    }

    /** {@code GET /admin/upstreams}: the upstream check's latest results. */
    public UpstreamReport upstreams() {
        return UpstreamReport.of(upstreamCheckEnabled, upstreams.latest());
    }

    public MessageSpool spool() {
        return spool;
    }

    /** The queue as the admin endpoint shows and steers it. */
    public QueueAdmin queueAdmin(MeterRegistry registry) {
        return new QueueAdmin(spool, delivery, registry);
    }

    /** Every message waiting for a retry is tried again at once. */
    public void retryNow() {
        delivery.retryNow();
    }

    /** From now on the queue goes to {@code peer} instead of its next hops, null: to them again (DeliveryService#handOffTo). */
    public void handOffTo(SmarthostSettings peer) {
        delivery.handOffTo(peer);
    }

    /** Keeps delivering until the queue is empty or {@code grace} ran out; true when empty. */
    public boolean drain(Duration grace) {
        return delivery.drain(grace);
    }

    @Override
    public void close() {
        upstreams.close();
        delivery.close();
    }

    /** The relay's own hostname, listen address and port: next hops that would loop back (see SelfAddresses). */
    public static SelfAddresses selfAddresses(RelayConfig config) {
        return new SelfAddresses(config.server().hostname(), config.server().listenAddress(), config.server().port());
    }

    /** What delivery (and the routing table the SMTP server's loop check shares) runs with. */
    public static DeliverySettings deliverySettings(RelayConfig config) {
        Map<String, HostPort> routes = new LinkedHashMap<>();
        config.localDomains().forEach(local -> routes.put(local.domain(), local.deliverTo()));
        RelayConfig.Outbound outbound = config.outbound();
        OutboundMode mode = outbound.mode();
        return new DeliverySettings(config.server().hostname(), routes, mode,
                mode == OutboundMode.SMARTHOST ? smarthost(outbound.smarthost()) : null,
                DeliverySettings.MxSettings.DEFAULT,
                new RetryPolicy(config.spool().retrySchedule(), config.spool().maxQueueLifetime()),
                limits(config.delivery()), timeouts(config.delivery().timeouts()),
                new DeliverySettings.Routes(routes(outbound.recipientRoutes()), routes(outbound.senderRoutes())));
    }

    private static Map<String, SmarthostSettings> routes(java.util.List<RelayConfig.Route> routes) {
        Map<String, SmarthostSettings> byDomain = new LinkedHashMap<>();
        routes.forEach(route -> byDomain.put(route.domain(), smarthost(route.smarthost())));
        return byDomain;
    }

    private static DeliverySettings.Limits limits(RelayConfig.Delivery delivery) {
        return new DeliverySettings.Limits(delivery.processLimit(), delivery.destinationConcurrencyLimit(),
                delivery.mxAddressLimit(), delivery.mxSessionLimit());
    }

    private static SmtpTimeouts timeouts(RelayConfig.Timeouts t) {
        return new SmtpTimeouts(t.connect(), t.helo(), t.starttls(), t.mail(), t.rcpt(), t.dataInit(), t.dataXfer(),
                t.dataDone());
    }

    private static SmarthostSettings smarthost(RelayConfig.Smarthost smarthost) {
        // the validator made sure both files are given together and readable; delivery reads them per connection
        SmarthostCredentials credentials = smarthost.usernameFile() == null ? null
                : new SmarthostCredentials(smarthost.usernameFile(), smarthost.passwordFile());
        SmarthostSettings.ClientCertificate client = smarthost.clientCertificateFile() == null ? null
                : new SmarthostSettings.ClientCertificate(smarthost.clientCertificateFile(), smarthost.clientKeyFile());
        return new SmarthostSettings(new HostPort(smarthost.host(), smarthost.port()), smarthost.tls(),
                smarthost.verifyCertificate(), smarthost.trustedCaFile(), credentials, smarthost.rateLimit(), client);
    }
}
