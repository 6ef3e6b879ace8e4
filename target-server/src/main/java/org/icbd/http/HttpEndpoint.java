package org.icbd.http;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A started JDK {@link HttpServer} with one handler for every path, each exchange on its own virtual thread
 * (a slow client never holds up the next). The admin API, the metrics endpoint and the boot endpoint are
 * each one of these with their own handler; binding errors are the caller's to name
 * ({@code node.Addresses.cannotListen}).
 */
public final class HttpEndpoint implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HttpEndpoint.class);

    private final HttpServer server;
    private final ExecutorService executor;

    private HttpEndpoint(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Binds {@code address} (port 0 picks a free port) with room for {@code backlog} pending connections,
     * serves {@code handler} and logs "{@code what} on http://HOST:PORT{@code path}".
     */
    public static HttpEndpoint start(InetSocketAddress address, int backlog, HttpHandler handler, String what, String path)
            throws IOException {
        HttpServer server = HttpServer.create(address, backlog);
        server.createContext("/", handler);
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.start();
        HttpEndpoint endpoint = new HttpEndpoint(server, executor);
        log.info("{} on http://{}{}", what, hostPort(endpoint.boundAddress()), path);
        return endpoint;
    }

    public InetSocketAddress boundAddress() {
        return server.getAddress();
    }

    /** {@code host:port} as a URL writes it: an IPv6 address in brackets. */
    public static String hostPort(InetSocketAddress a) {
        String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** Closes the socket and every open exchange; a handler still running finishes on its own thread. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdown();
    }
}
