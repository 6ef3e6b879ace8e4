package org.icbd.config;

import java.net.InetSocketAddress;
import java.util.Locale;

/**
 * A network address as the operator wrote it: {@code host:port}, {@code [v6]:port}, or a bare
 * host (then the default port). Kept as text so messages show what was written, and resolved
 * only when a socket is bound.
 */
public record HostPort(String host, int port) {

    public HostPort {
        if (host == null || host.isEmpty()) throw new IllegalArgumentException("host is empty");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0 to 65535; got " + port);
    }

    /** Parses {@code text}; throws IllegalArgumentException with a message fit for the operator. */
    public static HostPort parse(String text, int defaultPort) {
        String s = text == null ? "" : text.strip();
        if (s.isEmpty()) throw new IllegalArgumentException("expected HOST:PORT; got an empty value");
        String host;
        String port;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) throw new IllegalArgumentException("expected [IPv6]:PORT; missing ']' in '" + s + "'");
            host = s.substring(1, close);
            String rest = s.substring(close + 1);
            if (!rest.isEmpty() && !rest.startsWith(":")) {
                throw new IllegalArgumentException("expected [IPv6]:PORT; got '" + s + "'");
            }
            port = rest.isEmpty() ? null : rest.substring(1);
        } else {
            int colon = s.lastIndexOf(':');
            if (colon >= 0 && s.indexOf(':') != colon) {
                throw new IllegalArgumentException("write IPv6 addresses in brackets, e.g. [::1]:3260; got '" + s + "'");
            }
            host = colon < 0 ? s : s.substring(0, colon);
            port = colon < 0 ? null : s.substring(colon + 1);
        }
        if (host.isEmpty()) throw new IllegalArgumentException("expected HOST:PORT; the host is missing in '" + s + "'");
        if (port == null) return new HostPort(host, defaultPort);
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port must be a number from 0 to 65535; got '" + port + "'");
        }
        if (p < 0 || p > 65535) throw new IllegalArgumentException("port must be 0 to 65535; got " + p);
        return new HostPort(host, p);
    }

    public InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    /** True for names and literals that only this host can reach (localhost, 127/8, ::1). */
    public static boolean isLoopback(String host) {
        String h = host.strip().toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.startsWith("127.") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1");
    }

    /** The address in URL form (IPv6 in brackets). */
    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
