package io.mailrelay.relay;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import io.mailrelay.concurrent.DaemonThreads;
import io.mailrelay.config.HostPort;
import io.mailrelay.config.RelayConfig;
import io.mailrelay.config.SmarthostTls;
import io.mailrelay.relay.admin.DrainControl;
import io.mailrelay.relay.admin.DrainReport;
import io.mailrelay.relay.delivery.SelfAddresses;
import io.mailrelay.relay.delivery.SmarthostCredentials;
import io.mailrelay.relay.delivery.SmarthostSettings;

/**
 * A drain on request ({@code POST /admin/drain}, before a scale-down): the SIGTERM drain's first part
 * ({@link RelayCommand#drain}: 421 to new connections and MAIL, open transactions finish, the queue is delivered)
 * for {@code handOff.deliverFor}, then whatever is still queued, deferred or never tried, is forwarded over SMTP to
 * the peer replica with the hand-off credentials. A message leaves this spool only after the peer's 250 (its
 * recipients are recorded delivered like any other), so a crash mid-hand-off loses nothing and at worst sends a
 * message twice. The request itself is not persisted: a restarted relay accepts mail again until it is asked anew
 * (the operator asks until the pod is gone). {@link #cancel} (a scale-down undone) makes it take mail again.
 */
final class HandOff implements DrainControl, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(HandOff.class);
    /** How often a forwarding relay retries what the peer has not taken yet. */
    private static final Duration RETRY_EVERY = Duration.ofSeconds(5);
    private static final Duration TICK = Duration.ofMillis(500);

    private final RelayConfig.HandOff settings;
    private final SelfAddresses self;
    private final RelayServer server;
    private final RelayRuntime runtime;
    private Thread worker;
    private volatile HostPort peer;
    private volatile Instant requestedAt;
    private volatile Instant forwardingSince;
    private volatile boolean closed;

    HandOff(RelayConfig config, RelayServer server, RelayRuntime runtime) {
        this.settings = config.handOff();
        this.self = RelayRuntime.selfAddresses(config);
        this.server = server;
        this.runtime = runtime;
    }

    @Override
    public synchronized DrainReport start(HostPort peer, String client) {
        if (settings == null) {
            throw new IllegalStateException("this relay has no handOff section: it cannot hand its queue to a peer");
        }
        if (self.isSelf(peer)) {
            throw new IllegalArgumentException(peer + " is this relay itself");
        }
        boolean first = this.peer == null;
        boolean samePeer = peer.equals(this.peer);
        this.peer = peer;
        this.requestedAt = Instant.now();
        LOG.infof("admin: action=drain peer=%s client=%s result=%s", peer, client,
                first ? "started" : samePeer ? "running" : "new peer");
        if (first) {
            server.stopAccepting(); // at once: the 421s start with the request's answer
            worker = DaemonThreads.daemon(this::run, "hand-off");
            worker.start();
        } else if (!samePeer && forwardingSince != null) {
            runtime.handOffTo(peerSettings(peer));
        }
        return report();
    }

    @Override
    public synchronized DrainReport cancel(String client) {
        if (peer == null || closed) {
            return report();
        }
        stopWorker();
        runtime.handOffTo(null);
        server.resumeAccepting();
        LOG.infof("admin: action=cancel-drain peer=%s client=%s result=done: accepting mail again", peer, client);
        peer = null;
        requestedAt = null;
        forwardingSince = null;
        return report();
    }

    private void stopWorker() {
        Thread current = worker;
        worker = null;
        if (current != null) {
            current.interrupt();
            try {
                current.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public DrainReport report() {
        HostPort current = peer;
        int queued = runtime.spool().depth();
        int sessions = server.activeSessions();
        DrainReport.State state;
        if (current == null) {
            state = DrainReport.State.ACCEPTING;
        } else if (forwardingSince == null) {
            state = DrainReport.State.DELIVERING;
        } else {
            state = queued == 0 && sessions == 0 ? DrainReport.State.DRAINED : DrainReport.State.FORWARDING;
        }
        return new DrainReport(state, current == null ? null : current.toString(), requestedAt, forwardingSince, queued,
                sessions);
    }

    private void run() {
        try {
            boolean empty = RelayCommand.drain(server, runtime, settings.deliverFor());
            if (Thread.currentThread().isInterrupted()) {
                return; // cancelled
            }
            // forward from now on even when empty: an open transaction may still commit a message
            runtime.handOffTo(peerSettings(peer));
            forwardingSince = Instant.now();
            LOG.infof("hand-off: %s after delivering for %s: %d message(s) go to the peer %s",
                    empty ? "queue empty" : "upstream not done", settings.deliverFor(), runtime.spool().depth(), peer);
            long sinceRetry = 0;
            while (!closed && !Thread.currentThread().isInterrupted()) {
                server.awaitSessions(TICK); // closes the sessions that left their transaction with 421
                Thread.sleep(TICK.toMillis());
                sinceRetry += 2 * TICK.toMillis();
                if (sinceRetry >= RETRY_EVERY.toMillis() && runtime.spool().depth() > 0) {
                    runtime.retryNow();
                    sinceRetry = 0;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // cancelled or closing
        } catch (RuntimeException e) {
            LOG.errorf(e, "hand-off to %s stopped; the queue stays spooled", peer);
        }
    }

    /** The peer as a next hop: STARTTLS when offered (its certificate names the shared hostname, not the pod), AUTH. */
    private SmarthostSettings peerSettings(HostPort target) {
        return new SmarthostSettings(target, SmarthostTls.OPPORTUNISTIC, false, null,
                new SmarthostCredentials(settings.usernameFile(), settings.passwordFile()));
    }

    /** Ends the periodic retries (SIGTERM): a hand-off under way keeps forwarding during the shutdown drain. */
    @Override
    public synchronized void close() {
        closed = true;
        stopWorker();
    }
}
