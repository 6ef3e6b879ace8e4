package org.icbd.workstation;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code GET /boot?mac=...} over HTTP, answered by a {@link BootService} with an iPXE script. */
public final class BootEndpoint implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BootEndpoint.class);

    private final HttpServer server;
    private final ExecutorService executor;

    private BootEndpoint(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    public static BootEndpoint start(InetSocketAddress address, BootService boot) throws IOException {
        return start(address, boot, () -> true);
    }

    /**
     * @param answering false while a request must get no answer at all (a cluster node whose lease as
     *                  leader lapsed: the connection is closed unanswered, and iPXE asks again, reaching the new leader)
     */
    public static BootEndpoint start(InetSocketAddress address, BootService boot, BooleanSupplier answering) throws IOException {
        HttpServer server = HttpServer.create(address, 64);
        server.createContext("/", ex -> {
            if (answering.getAsBoolean()) {
                handle(ex, boot);
            } else {
                ex.close();
            }
        });
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.start();
        BootEndpoint endpoint = new BootEndpoint(server, executor);
        log.info("boot endpoint on http://{}:{}/boot", address.getHostString(), endpoint.boundAddress().getPort());
        return endpoint;
    }

    private static void handle(HttpExchange ex, BootService boot) throws IOException {
        try (ex) {
            BootService.Answer answer;
            if (!ex.getRequestMethod().equals("GET") || !ex.getRequestURI().getPath().equals("/boot")) {
                answer = new BootService.Answer(404, BootScripts.refusal(List.of("ask for /boot?mac=${net0/mac}")));
            } else {
                answer = boot.boot(macOf(ex.getRequestURI().getRawQuery()), ex.getRemoteAddress().getAddress(), ex.getLocalAddress());
            }
            byte[] body = answer.script().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            ex.getResponseHeaders().set("Cache-Control", "no-store"); // it holds the workstation's CHAP secret
            ex.sendResponseHeaders(answer.status(), body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static String macOf(String query) {
        if (query == null) return "";
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals("mac")) return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        }
        return "";
    }

    public InetSocketAddress boundAddress() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
