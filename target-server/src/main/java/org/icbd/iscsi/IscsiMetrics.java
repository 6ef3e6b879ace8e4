package org.icbd.iscsi;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;

/** The transport's meters: sessions, commands and latency by opcode, bytes moved, rejects. */
final class IscsiMetrics {
    private final MeterRegistry registry;
    private final AtomicReferenceArray<Timer> latency = new AtomicReferenceArray<>(256);
    private final Counter bytesRead;
    private final Counter bytesWritten;
    private final Counter rejects;
    private final Counter loginFailures;
    private final Gauge sessions;

    IscsiMetrics(MeterRegistry registry, Supplier<Number> sessions) {
        this.registry = registry;
        this.sessions = Gauge.builder("icbd.iscsi.sessions", sessions, s -> s.get().doubleValue())
                .strongReference(true).register(registry); // the supplier is a lambda nobody else holds: a weak gauge reads NaN
        bytesRead = Counter.builder("icbd.scsi.read").baseUnit("bytes").register(registry);
        bytesWritten = Counter.builder("icbd.scsi.written").baseUnit("bytes").register(registry);
        rejects = Counter.builder("icbd.iscsi.rejects").register(registry);
        loginFailures = Counter.builder("icbd.iscsi.login.failures").register(registry);
    }

    void command(int opcode, long nanos, long in, long out) {
        Timer t = latency.get(opcode);
        if (t == null) {
            t = Timer.builder("icbd.scsi.commands").tag("opcode", String.format("0x%02x", opcode))
                    .publishPercentileHistogram(false).register(registry);
            latency.set(opcode, t);
        }
        t.record(nanos, TimeUnit.NANOSECONDS);
        if (in > 0) bytesRead.increment(in);
        if (out > 0) bytesWritten.increment(out);
    }

    /** The session gauge reads this server; a server started later (a new leadership) registers its own. */
    void close() {
        registry.remove(sessions);
    }

    void reject() {
        rejects.increment();
    }

    void loginFailure() {
        loginFailures.increment();
    }
}
