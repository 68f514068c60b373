package io.mailrelay.relay.delivery;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

import org.jboss.logmanager.ExtLogRecord;

/** Collects what one log category writes while open, formatted as the log line would show it. */
final class CapturedLog extends Handler implements AutoCloseable {

    private final Logger logger;
    private final List<String> lines = new CopyOnWriteArrayList<>();

    private CapturedLog(Class<?> category) {
        this.logger = Logger.getLogger(category.getName()); // held: the handler must outlive this call
        logger.addHandler(this);
    }

    static CapturedLog of(Class<?> category) {
        return new CapturedLog(category);
    }

    List<String> lines() {
        return List.copyOf(lines);
    }

    @Override
    public void publish(LogRecord record) {
        // JBoss Logging's infof() records carry a printf pattern that only the ExtLogRecord formats
        lines.add(record instanceof ExtLogRecord ext ? ext.getFormattedMessage()
                : new SimpleFormatter().formatMessage(record));
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
