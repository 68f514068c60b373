package io.mailrelay.testing;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

import org.jboss.logmanager.ExtLogRecord;

/**
 * Collects what a log category (and its children) writes while open, one entry per record, formatted as
 * the log line would show it: the message, then the stack trace of a record that carries one, one line
 * per frame. James logs through SLF4J, which reaches the same JBoss log manager.
 */
public final class CapturedLog extends Handler implements AutoCloseable {

    private final Logger logger;
    private final Level levelBefore;
    private final List<String> records = new CopyOnWriteArrayList<>();

    private CapturedLog(String category) {
        this.logger = Logger.getLogger(category); // held: the handler must outlive this call
        this.levelBefore = logger.getLevel();
        if (logger.getLevel() == null || logger.getLevel().intValue() > Level.INFO.intValue()) {
            logger.setLevel(Level.INFO);
        }
        logger.addHandler(this);
    }

    public static CapturedLog of(Class<?> category) {
        return of(category.getName());
    }

    public static CapturedLog of(String category) {
        return new CapturedLog(category);
    }

    /** Every category at INFO and above. */
    public static CapturedLog everything() {
        return new CapturedLog("");
    }

    /** One entry per record; an entry holds several lines when the record carried a stack trace. */
    public List<String> lines() {
        return List.copyOf(records);
    }

    @Override
    public void publish(LogRecord record) {
        if (record.getLevel().intValue() < Level.INFO.intValue()) {
            return;
        }
        // JBoss Logging's infof() records carry a printf pattern that only the ExtLogRecord formats
        String message = record instanceof ExtLogRecord ext ? ext.getFormattedMessage()
                : new SimpleFormatter().formatMessage(record);
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(trace));
            message += System.lineSeparator() + trace;
        }
        records.add(message);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
        logger.setLevel(levelBefore);
    }
}
