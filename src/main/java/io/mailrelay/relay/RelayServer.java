package io.mailrelay.relay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import com.google.common.net.InetAddresses;

import io.mailrelay.concurrent.DaemonThreads;
import io.mailrelay.config.RelayConfig;
import io.mailrelay.relay.policy.WorkloadClients;
import io.mailrelay.relay.smtp.RelayChannelInitializer;
import io.mailrelay.relay.smtp.RelayMetrics;
import io.mailrelay.relay.smtp.SmtpReply;
import io.mailrelay.relay.spool.MessageSpool;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;

/**
 * The relay's SMTP listener: a validated configuration, a spool and a meter registry in; a closed relay
 * on {@link #port()} out. Shutdown is graceful: {@link #stopAccepting()}, {@link #awaitSessions}, then
 * {@link #close()}, which says 421 to whoever is still connected.
 */
public final class RelayServer implements AutoCloseable {
    private final RelayConfig config;
    private final RelayMetrics metrics;
    private final ChannelGroup sessions = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    /** Spool calls (write, fsync, commit) at once: the 20 sessions of a busy client commit side by side. */
    static final int SPOOL_WORKERS = 16;
    private final ExecutorService spoolWorkers;
    private final ExecutorService authWorkers;
    private final RelayChannelInitializer initializer;
    private EventLoopGroup acceptor;
    private EventLoopGroup io;
    private Channel listener;
    private volatile boolean accepting = true;
    private boolean closed;

    public RelayServer(RelayConfig config, MessageSpool spool, MeterRegistry registry) throws IOException {
        this(config, spool, registry, UnaryOperator.identity());
    }

    /**
     * @param authAccess how work reaches the auth pool: the identity, or in tests a wrapper that holds a
     *        password check on its worker for as long as the test needs
     */
    RelayServer(RelayConfig config, MessageSpool spool, MeterRegistry registry, UnaryOperator<Executor> authAccess)
            throws IOException {
        this.config = config;
        this.metrics = new RelayMetrics(registry);
        // each commit waits for fsyncs: enough workers that concurrent sessions commit side by side and share the
        // directory's fsync (DirectorySync); threads end after a minute idle, an idle relay holds none
        ThreadPoolExecutor spoolPool = new ThreadPoolExecutor(SPOOL_WORKERS, SPOOL_WORKERS, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), DaemonThreads.numbered("relay-spool"));
        spoolPool.allowCoreThreadTimeOut(true);
        this.spoolWorkers = spoolPool;
        // CPU-bound crypto off the event loops: bcrypt checks and TLS handshake tasks share this bounded pool
        this.authWorkers = Executors.newFixedThreadPool(2, DaemonThreads.numbered("relay-auth"));
        this.initializer = new RelayChannelInitializer(config, spool, spoolWorkers, authAccess.apply(authWorkers),
                metrics, registry, sessions);
    }

    /** The pods relayFor selects, as the operator pushes them (the admin endpoint replaces them here). */
    public WorkloadClients workloadClients() {
        return initializer.workloadClients();
    }

    public synchronized RelayServer start() throws InterruptedException {
        if (listener != null) {
            throw new IllegalStateException("already started");
        }
        acceptor = new NioEventLoopGroup(1);
        io = new NioEventLoopGroup(Math.max(2, Runtime.getRuntime().availableProcessors()));
        listener = new ServerBootstrap()
                .group(acceptor, io)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 250)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(initializer)
                .bind(new InetSocketAddress(InetAddresses.forString(config.server().listenAddress()), config.server().port()))
                .sync().channel();
        return this;
    }

    /** The bound port (useful with port 0 in tests). */
    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    public boolean isListening() {
        Channel current = listener;
        return current != null && current.isActive();
    }

    /**
     * New connections and new MAIL commands get {@code 421 4.3.2}; idle sessions are told 421 and closed, the
     * ones inside a mail transaction may finish it.
     */
    public void stopAccepting() {
        accepting = false;
        initializer.stopAccepting();
    }

    /** A cancelled hand-off takes mail again; never after {@link #close()}. */
    public synchronized void resumeAccepting() {
        if (!closed) {
            initializer.resumeAccepting();
            accepting = true;
        }
    }

    public boolean isAccepting() {
        return accepting;
    }

    /**
     * Waits until every admitted session has ended, closing each with 421 once it is out of its mail
     * transaction; false if some are still open after the timeout.
     */
    public boolean awaitSessions(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (metrics.activeSessions() > 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(50);
            if (!accepting) {
                initializer.closeIdleSessions();
            }
        }
        return true;
    }

    public int activeSessions() {
        return metrics.activeSessions();
    }

    /** Checks the TLS files now instead of waiting for the next poll; true if a new certificate is in use. */
    public boolean reloadTlsIfChanged() {
        return initializer.tlsReloadIfChanged();
    }

    /** Checks the users file now instead of waiting for the next poll; true if new users are in use. */
    public boolean reloadUsersIfChanged() {
        return initializer.usersReloadIfChanged();
    }

    /** Checks the senderLogins files now instead of waiting for the next poll; true if new ones are in use. */
    public boolean reloadSenderLoginsIfChanged() {
        return initializer.senderLoginsReloadIfChanged();
    }

    /** Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        accepting = false;
        initializer.stopAccepting();
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
        sessions.writeAndFlush(Unpooled.copiedBuffer(SmtpReply.SHUTTING_DOWN.line() + "\r\n", StandardCharsets.US_ASCII))
                .awaitUninterruptibly(2, TimeUnit.SECONDS);
        sessions.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        authWorkers.shutdownNow(); // a password check is worth nothing once its session is gone
        if (io != null) {
            // first the event loops: a closed session's last task (its disconnect) aborts its message on the spool workers
            io.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            acceptor.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        spoolWorkers.shutdown();
        try {
            spoolWorkers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        initializer.close();
    }
}
