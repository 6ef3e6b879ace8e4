package org.icbd.cli;

import java.nio.charset.StandardCharsets;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.SaveError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells systemd how the service is doing (the sd_notify protocol: one datagram of {@code KEY=value}
 * lines to the Unix socket named by {@code $NOTIFY_SOCKET}). Java's own Unix-domain channels are
 * stream sockets only and sd_notify needs a datagram socket, so the three libc calls go through jnr-ffi.
 * Without {@code $NOTIFY_SOCKET} (not started by systemd, or not {@code Type=notify}) every call does nothing.
 */
final class ServiceManager {

    private static final Logger log = LoggerFactory.getLogger(ServiceManager.class);

    /** The socket path from the environment, or null when there is no service manager to tell. */
    private final String socket;

    ServiceManager(String socket) {
        this.socket = socket == null || socket.isEmpty() ? null : socket;
    }

    static ServiceManager fromEnvironment() {
        return new ServiceManager(System.getenv("NOTIFY_SOCKET"));
    }

    /** Started: serving, or (in a cluster) joined and standing by until elected. */
    void ready(String status) {
        send("READY=1\nSTATUS=" + oneLine(status) + "\nMAINPID=" + ProcessHandle.current().pid());
    }

    /** The clean stop has begun (systemd then waits up to TimeoutStopSec for it). */
    void stopping(String status) {
        send("STOPPING=1\nSTATUS=" + oneLine(status));
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ');
    }

    /** Sends one notification; a failure is logged, never thrown (the service works without being told about). */
    boolean send(String message) {
        if (socket == null) return false;
        try {
            Datagram.send(socket, message.getBytes(StandardCharsets.UTF_8));
            return true;
        } catch (RuntimeException | LinkageError e) {
            log.warn("could not notify the service manager through {}: {}", socket, e.getMessage());
            return false;
        }
    }

    /** One datagram to a Unix socket, through libc (bound on first use only: most runs never notify). */
    private static final class Datagram {
        private static final int AF_UNIX = 1;
        private static final int SOCK_DGRAM = 2;
        private static final int SOCK_CLOEXEC = 0x80000;
        private static final int MSG_NOSIGNAL = 0x4000;
        /** sizeof(sockaddr_un.sun_path) on Linux. */
        private static final int SUN_PATH = 108;

        private static final Socket LIBC = LibraryLoader.create(Socket.class).load("c");
        private static final Runtime RUNTIME = Runtime.getRuntime(LIBC);

        public interface Socket {
            @SaveError int socket(int domain, int type, int protocol);
            @SaveError long sendto(int fd, byte[] buf, long len, int flags, byte[] addr, int addrlen);
            int close(int fd);
        }

        static void send(String path, byte[] message) {
            byte[] addr = sockaddr(path);
            int fd = LIBC.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0) throw new IllegalStateException("socket(AF_UNIX, SOCK_DGRAM): errno " + LastError.getLastError(RUNTIME));
            try {
                long sent = LIBC.sendto(fd, message, message.length, MSG_NOSIGNAL, addr, addr.length);
                if (sent < 0) throw new IllegalStateException("sendto: errno " + LastError.getLastError(RUNTIME));
            } finally {
                LIBC.close(fd);
            }
        }

        /** struct sockaddr_un; a leading '@' names an abstract socket (a NUL byte first, no terminator). */
        static byte[] sockaddr(String path) {
            byte[] name = path.getBytes(StandardCharsets.UTF_8);
            boolean abstractName = name.length > 0 && name[0] == '@';
            if (abstractName) name[0] = 0;
            int pathLength = abstractName ? name.length : name.length + 1;
            if (pathLength > SUN_PATH) throw new IllegalArgumentException("NOTIFY_SOCKET is longer than a Unix socket path may be: " + path);
            byte[] addr = new byte[2 + pathLength];
            addr[0] = AF_UNIX; // sa_family_t, little-endian on every platform icbd runs on
            System.arraycopy(name, 0, addr, 2, name.length);
            return addr;
        }
    }
}
