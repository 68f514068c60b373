package io.mailrelay.relay.smtp;

import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** The relay's Micrometer meters (names under {@code mailrelay.relay.}). */
public final class RelayMetrics {
    private final MeterRegistry registry;
    private final Counter connections;
    private final Counter connectionsRefused;
    private final AtomicInteger activeSessions = new AtomicInteger();
    private final Counter messagesAccepted;
    private final Counter authFailures;

    public RelayMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.connections = Counter.builder("mailrelay.relay.connections")
                .description("SMTP connections accepted by the listener").register(registry);
        this.connectionsRefused = Counter.builder("mailrelay.relay.connections.refused")
                .description("connections answered 421 (limits or shutdown)").register(registry);
        registry.gauge("mailrelay.relay.sessions.active", activeSessions);
        this.messagesAccepted = Counter.builder("mailrelay.relay.messages.accepted")
                .description("messages committed to the spool").register(registry);
        this.authFailures = Counter.builder("mailrelay.relay.auth.failures")
                .description("failed SMTP AUTH attempts").register(registry);
    }

    void connectionOpened() {
        connections.increment();
    }

    void connectionRefused() {
        connectionsRefused.increment();
    }

    void sessionStarted() {
        activeSessions.incrementAndGet();
    }

    void sessionEnded() {
        activeSessions.decrementAndGet();
    }

    public int activeSessions() {
        return activeSessions.get();
    }

    void messageAccepted() {
        messagesAccepted.increment();
    }

    void authFailed() {
        authFailures.increment();
    }

    void senderRejected(String reason) {
        registry.counter("mailrelay.relay.senders.rejected", "reason", reason).increment();
    }

    void recipientRejected(String reason) {
        registry.counter("mailrelay.relay.recipients.rejected", "reason", reason).increment();
    }
}
