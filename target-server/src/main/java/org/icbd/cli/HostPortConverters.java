package org.icbd.cli;

import org.icbd.config.HostPort;
import org.icbd.config.IcbdConfig;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** picocli converters for HOST:PORT options; a bare host takes the port usual for the option. */
final class HostPortConverters {

    private HostPortConverters() {
    }

    static final class Portal implements ITypeConverter<HostPort> {
        @Override
        public HostPort convert(String value) {
            return parse(value, IcbdConfig.ISCSI_PORT);
        }
    }

    static final class Metrics implements ITypeConverter<HostPort> {
        @Override
        public HostPort convert(String value) {
            return parse(value, IcbdConfig.DEFAULT_METRICS.port());
        }
    }

    private static HostPort parse(String value, int defaultPort) {
        try {
            return HostPort.parse(value, defaultPort);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
