package org.icbd.iscsi;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * An iSCSI portal: accepts connections and runs sessions against a {@link TargetRegistry}.
 * (Placeholder signature; the transport replaces the body.)
 */
public final class IscsiServer implements Closeable {

    public IscsiServer(IscsiSettings settings, TargetRegistry registry, MeterRegistry meters) {
    }

    /** Binds the portal (port 0 picks a free one) and starts accepting. */
    public void start(InetSocketAddress portal) throws IOException {
        throw new UnsupportedOperationException("not yet implemented");
    }

    public InetSocketAddress boundAddress() {
        throw new UnsupportedOperationException("not yet implemented");
    }

    public int sessionCount() {
        return 0;
    }

    /** Stops accepting, closes every session; data is flushed by the caller closing its devices. */
    @Override
    public void close() {
    }
}
