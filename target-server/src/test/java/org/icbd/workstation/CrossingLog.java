package org.icbd.workstation;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

/** What {@link MinFreeSpace} logs while it is open (its threshold crossings), for a test to count. */
public final class CrossingLog implements AutoCloseable {

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    public CrossingLog() {
        appender.start();
        logger().addAppender(appender);
    }

    /** How many lines logged so far contain {@code text}. */
    public long lines(String text) {
        return appender.list.stream().filter(e -> e.getFormattedMessage().contains(text)).count();
    }

    @Override
    public void close() {
        logger().detachAppender(appender);
    }

    private static Logger logger() {
        return (Logger) LoggerFactory.getLogger(MinFreeSpace.class);
    }
}
