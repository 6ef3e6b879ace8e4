package org.icbd.failover;

import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The ZooKeeper session a leader leads with, as a process other than its JVM needs it to end that
 * session (id, password and where the servers are).
 *
 * @param servers the connect string's {@code host:port,...} (without a chroot)
 */
public record ZooKeeperSession(long id, byte[] password, String servers) {

    private static final Pattern SERVERS = Pattern.compile("[A-Za-z0-9.:\\[\\]-]+(,[A-Za-z0-9.:\\[\\]-]+)*");

    public ZooKeeperSession {
        int chroot = servers.indexOf('/');
        if (chroot >= 0) servers = servers.substring(0, chroot);
        if (!SERVERS.matcher(servers).matches()) throw new IllegalArgumentException("not a ZooKeeper connect string: " + servers);
        password = password.clone();
    }

    /** One line for the guard: {@code session ID PASSWORD SERVERS}, numbers in hex. */
    String line() {
        return "session " + String.format("%016x", id) + " " + HexFormat.of().formatHex(password) + " " + servers;
    }
}
