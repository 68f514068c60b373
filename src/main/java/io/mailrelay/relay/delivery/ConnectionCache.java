package io.mailrelay.relay.delivery;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import io.mailrelay.concurrent.DaemonThreads;

/**
 * Idle SMTP sessions kept for the next message to the same next hop and address, like Postfix's connection cache: a
 * session that delivered a message goes back here, and the next delivery there takes it instead of connecting,
 * waiting for the greeting and sending EHLO (STARTTLS, AUTH) again, and QUIT at the end. Bounded: a session idle
 * longer than {@link Limits#idle()} is closed (Postfix smtp_connection_cache_time_limit), one older than
 * {@link Limits#lifetime()} or that carried {@link Limits#messages()} is not reused (smtp_connection_reuse_time_limit,
 * smtp_connection_reuse_count_limit), and at most {@link Limits#perKey()} wait per key (the most that run at once).
 * The caller checks a session it takes before use (RSET) and retries on a fresh one when it broke.
 *
 * @param <K> the next hop and address a session is connected to
 */
final class ConnectionCache<K> implements AutoCloseable {

    /** A session that can be kept: when it was opened, how many messages it carried, how it is ended. */
    interface Session {
        long openedNanos();

        /** Counts one more message it carried; returns the count. */
        int carried();

        /** Ends it (QUIT, close); called outside the cache's lock. */
        void close();
    }

    record Limits(Duration idle, Duration lifetime, int messages, int perKey) {
        /** Postfix's idle and reuse time limits (2 s, 300 s); 100 messages per session. */
        static Limits defaults(int perKey) {
            return new Limits(Duration.ofSeconds(2), Duration.ofSeconds(300), 100, perKey);
        }
    }

    private record Idle(Session session, long since) {
    }

    private final Limits limits;
    private final LongSupplier nanoTime;
    private final Map<K, Deque<Idle>> idle = new HashMap<>();
    private final ScheduledThreadPoolExecutor timer;
    private boolean sweepScheduled;
    private boolean closed;

    ConnectionCache(Limits limits) {
        this(limits, System::nanoTime);
    }

    ConnectionCache(Limits limits, LongSupplier nanoTime) {
        this.limits = limits;
        this.nanoTime = nanoTime;
        this.timer = new ScheduledThreadPoolExecutor(1, DaemonThreads.numbered("smtp-connection-cache"));
        timer.setKeepAliveTime(60, TimeUnit.SECONDS);
        timer.allowCoreThreadTimeOut(true); // no thread while nothing is cached
    }

    /** The session used last for {@code key} that is still within its limits, or null; the expired ones are closed. */
    <S extends Session> S take(K key, Class<S> type) {
        List<Session> expired = new ArrayList<>();
        Session found = null;
        synchronized (this) {
            Deque<Idle> sessions = idle.get(key);
            long now = nanoTime.getAsLong();
            while (sessions != null && !sessions.isEmpty() && found == null) {
                Idle next = sessions.pollFirst();
                if (fresh(next, now)) {
                    found = next.session();
                } else {
                    expired.add(next.session());
                }
            }
            if (sessions != null && sessions.isEmpty()) {
                idle.remove(key);
            }
        }
        expired.forEach(Session::close);
        return found == null ? null : type.cast(found);
    }

    /** A session that just delivered a message: kept for the next one unless past its limits (then closed). */
    void give(K key, Session session) {
        boolean keep;
        synchronized (this) {
            long now = nanoTime.getAsLong();
            Deque<Idle> sessions = idle.computeIfAbsent(key, k -> new ArrayDeque<>());
            keep = !closed && session.carried() < limits.messages()
                    && now - session.openedNanos() < limits.lifetime().toNanos() && sessions.size() < limits.perKey();
            if (keep) {
                sessions.addFirst(new Idle(session, now));
                scheduleSweep();
            } else if (sessions.isEmpty()) {
                idle.remove(key);
            }
        }
        if (!keep) {
            session.close();
        }
    }

    /** Sessions idle now, over all keys. */
    synchronized int idleSessions() {
        return idle.values().stream().mapToInt(Deque::size).sum();
    }

    /** Closes every idle session; sessions given back later are closed at once. */
    @Override
    public void close() {
        List<Session> all = new ArrayList<>();
        synchronized (this) {
            closed = true;
            idle.values().forEach(sessions -> sessions.forEach(entry -> all.add(entry.session())));
            idle.clear();
        }
        timer.shutdownNow();
        all.forEach(Session::close);
    }

    private boolean fresh(Idle entry, long now) {
        return now - entry.since() < limits.idle().toNanos()
                && now - entry.session().openedNanos() < limits.lifetime().toNanos();
    }

    private void scheduleSweep() {
        if (!sweepScheduled) {
            sweepScheduled = true;
            timer.schedule(this::sweep, limits.idle().toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** Closes the sessions idle past the limit; runs again while any are left. */
    private void sweep() {
        List<Session> expired = new ArrayList<>();
        synchronized (this) {
            sweepScheduled = false;
            long now = nanoTime.getAsLong();
            for (Iterator<Deque<Idle>> keys = idle.values().iterator(); keys.hasNext();) {
                Deque<Idle> sessions = keys.next();
                sessions.removeIf(entry -> !fresh(entry, now) && expired.add(entry.session()));
                if (sessions.isEmpty()) {
                    keys.remove();
                }
            }
            if (!idle.isEmpty() && !closed) {
                scheduleSweep();
            }
        }
        expired.forEach(Session::close);
    }
}
