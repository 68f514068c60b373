package io.mailrelay.relay.delivery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import io.mailrelay.concurrent.DaemonThreads;
import io.mailrelay.config.HostPort;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Checks every upstream of the relay on a schedule (docs/relay.md, "Upstream check"): the smarthost (smarthost mode),
 * every recipient and sender route's smarthost, and each distinct {@code deliverTo} of the local domains. Each check is {@link SmtpSender#handshake}: delivery's own
 * session set-up (connect, greeting, EHLO, STARTTLS and certificate as the hop's tls mode says, AUTH with the
 * configured credentials, read as delivery reads them), then QUIT; never MAIL. The results are kept for
 * {@code GET /admin/upstreams} and the gauges {@code mailrelay.upstream.up{upstream,route}} (1 ok, 0 failing) and
 * {@code mailrelay.upstream.certificate.expiry{upstream,route}} (seconds until the certificate's notAfter). An
 * upstream is known by its name (two routes may share a host:port with other credentials).
 */
public final class UpstreamChecker implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(UpstreamChecker.class);

    /** An upstream: how delivery reaches it (a smarthost, the default one or a route's; null for a local route). */
    private record Upstream(String name, HostPort address, RoutingTable.Route route) {
    }

    private final DeliverySettings settings;
    private final SmtpSender sender;
    private final Duration interval;
    private final Duration expiryWarning;
    private final Clock clock;
    private final List<Upstream> upstreams;
    private final SelfAddresses self;
    private final Map<String, UpstreamStatus> latest = new ConcurrentHashMap<>();
    private ScheduledExecutorService timer;

    /**
     * @param interval between two rounds of checks
     * @param expiryWarning a certificate that expires within this is flagged
     */
    public UpstreamChecker(DeliverySettings settings, Duration interval, Duration expiryWarning, MeterRegistry registry,
            Clock clock) {
        this(settings, interval, expiryWarning, registry, clock, SelfAddresses.named(settings.hostname()));
    }

    /** @param self the relay's own addresses: an upstream among them is a mail loop, reported, never connected to */
    public UpstreamChecker(DeliverySettings settings, Duration interval, Duration expiryWarning, MeterRegistry registry,
            Clock clock, SelfAddresses self) {
        this.self = self;
        this.settings = settings;
        this.sender = new SmtpSender(settings.hostname(), settings.timeouts(), 1);
        this.interval = interval;
        this.expiryWarning = expiryWarning;
        this.clock = clock;
        this.upstreams = upstreams(settings);
        for (Upstream upstream : upstreams) {
            String key = upstream.name();
            latest.put(key, UpstreamStatus.unchecked(upstream.name(), upstream.address().toString()));
            Gauge.builder("mailrelay.upstream.up", latest, checks -> up(checks.get(key)))
                    .tag("upstream", upstream.address().toString()).tag("route", key).description("1 when the last check of the upstream succeeded, 0 when it "
                            + "failed (NaN before the first check)").strongReference(true).register(registry);
            Gauge.builder("mailrelay.upstream.certificate.expiry", latest, checks -> expiry(checks.get(key)))
                    .tag("upstream", upstream.address().toString()).tag("route", key).baseUnit("seconds").description("time until the upstream's TLS "
                            + "certificate expires, negative once it has (NaN without a certificate)")
                    .strongReference(true).register(registry);
        }
    }

    private static List<Upstream> upstreams(DeliverySettings settings) {
        List<Upstream> upstreams = new ArrayList<>();
        for (RoutingTable.Route route : new RoutingTable(settings).smarthostRoutes()) {
            upstreams.add(new Upstream(route.name(), route.target(), route));
        }
        Set<String> seen = new LinkedHashSet<>();
        for (HostPort route : settings.localRoutes().values().stream()
                .sorted(java.util.Comparator.comparing(HostPort::toString)).toList()) {
            if (seen.add(route.toString())) {
                upstreams.add(new Upstream(NextHop.localRoute(route).name(), route, null));
            }
        }
        return upstreams;
    }

    /** Checks now, then every interval. */
    public synchronized UpstreamChecker start() {
        if (timer == null && !upstreams.isEmpty()) {
            timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("upstream-check"));
            timer.scheduleWithFixedDelay(this::checkAllLogged, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /**
     * The last result of every upstream: the smarthost first, then the recipient routes and the sender routes by
     * domain, then the local routes by address.
     */
    public List<UpstreamStatus> latest() {
        return upstreams.stream().map(u -> latest.get(u.name())).toList();
    }

    /** One round, on the caller's thread; the results are also what {@link #latest()} returns from now on. */
    public List<UpstreamStatus> checkAll() {
        for (Upstream upstream : upstreams) {
            UpstreamStatus result = check(upstream);
            UpstreamStatus before = latest.put(upstream.name(), result);
            if (before == null || before.ok() != result.ok() || !Objects.equals(before.stage(), result.stage())
                    || (!result.ok() && !Objects.equals(before.reply(), result.reply()))) {
                if (result.ok()) {
                    LOG.infof("upstream check: %s ok%s", result.name(), result.tls()
                            ? " (TLS, certificate valid until " + result.certificateNotAfter() + ")" : "");
                } else {
                    LOG.warnf("upstream check: %s failing at %s: %s", result.name(), result.stage().label(),
                            result.reply());
                }
            }
            if (result.certificateExpiresSoon() && (before == null || !before.certificateExpiresSoon())) {
                LOG.warnf("upstream check: the certificate of %s expires %s", result.name(),
                        result.certificateNotAfter());
            }
        }
        return latest();
    }

    private void checkAllLogged() {
        try {
            checkAll();
        } catch (RuntimeException e) { // the next round must still run
            LOG.errorf(e, "upstream check failed");
        }
    }

    private UpstreamStatus check(Upstream upstream) {
        NextHop hop;
        try {
            hop = upstream.route() == null ? NextHop.localRoute(upstream.address())
                    : upstream.route().kind() == RoutingTable.Kind.SMARTHOST ? NextHop.smarthost(settings.smarthost())
                    : NextHop.route(upstream.route());
        } catch (NextHopException e) { // the credentials files cannot be read: what delivery would say
            return new UpstreamStatus(upstream.name(), upstream.address().toString(), false,
                    UpstreamStatus.Stage.AUTH, e.outcome().reply(), false, null, false, clock.instant());
        }
        try {
            hop = self.withoutSelf(hop, upstream.name());
        } catch (NextHopException e) { // delivery refuses it the same way: the relay itself is no upstream
            return new UpstreamStatus(upstream.name(), upstream.address().toString(), false,
                    UpstreamStatus.Stage.CONNECT, e.outcome().reply() + ": not checked", false, null, false,
                    clock.instant());
        }
        SmtpSender.Handshake handshake;
        try {
            handshake = sender.handshake(hop, upstream.address());
        } catch (IllegalArgumentException | IllegalStateException e) { // the TLS setup itself (trustedCaFile)
            return new UpstreamStatus(upstream.name(), upstream.address().toString(), false,
                    UpstreamStatus.Stage.STARTTLS, e.getMessage(), false, null, false, clock.instant());
        }
        Instant notAfter = handshake.certificate() == null ? null : handshake.certificate().getNotAfter().toInstant();
        Instant now = clock.instant();
        return new UpstreamStatus(upstream.name(), upstream.address().toString(), handshake.failed() == null,
                handshake.failed(), handshake.reply(), handshake.tls(), notAfter,
                notAfter != null && notAfter.isBefore(now.plus(expiryWarning)), now);
    }

    private static double up(UpstreamStatus status) {
        return status == null || status.checkedAt() == null ? Double.NaN : status.ok() ? 1 : 0;
    }

    private double expiry(UpstreamStatus status) {
        return status == null || status.certificateNotAfter() == null ? Double.NaN
                : Duration.between(clock.instant(), status.certificateNotAfter()).toMillis() / 1000.0;
    }

    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
