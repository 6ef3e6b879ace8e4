package org.icbd.workstation;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.icbd.http.HttpEndpoint;

/** {@code GET /boot?mac=...} over HTTP, answered by a {@link BootService} with an iPXE script. */
public final class BootEndpoint implements AutoCloseable {

    private final HttpEndpoint http;

    private BootEndpoint(HttpEndpoint http) {
        this.http = http;
    }

    /** Binds {@code address} (port 0 picks a free port); a boot storm's requests queue up to 64 deep. */
    public static BootEndpoint start(InetSocketAddress address, BootService boot) throws IOException {
        return start(address, boot, () -> true);
    }

    /**
     * @param answering false while a request must get no answer at all (a cluster node whose lease as
     *                  leader lapsed: the connection is closed unanswered, and iPXE asks again, reaching the new leader)
     */
    public static BootEndpoint start(InetSocketAddress address, BootService boot, BooleanSupplier answering) throws IOException {
        return new BootEndpoint(HttpEndpoint.start(address, 64, ex -> {
            if (answering.getAsBoolean()) {
                handle(ex, boot);
            } else {
                ex.close();
            }
        }, "boot endpoint", "/boot"));
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
        return http.boundAddress();
    }

    @Override
    public void close() {
        http.close();
    }
}
