package org.icbd.node;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import org.icbd.config.ConfigException;
import org.icbd.config.HostPort;

/** Turning configured addresses into sockets, with errors that name the setting. */
public final class Addresses {

    private Addresses() {
    }

    public static InetSocketAddress resolve(HostPort address, String what) throws ConfigException {
        InetSocketAddress a = address.toSocketAddress();
        if (a.isUnresolved()) throw new ConfigException(what + " " + address, "unknown host " + address.host());
        return a;
    }

    public static ConfigException cannotListen(String where, IOException e) {
        String hint = e instanceof BindException
                ? " (another process uses it, or the address is not on this machine; pick another with --portal / --metrics or the config file)"
                : "";
        return new ConfigException(where, "cannot listen: " + e.getMessage() + hint, e);
    }
}
