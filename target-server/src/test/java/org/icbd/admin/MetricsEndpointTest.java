package org.icbd.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

class MetricsEndpointTest {

    @Test
    void servesPrometheusTextWithJvmAndOwnMeters() throws Exception {
        try (Meters meters = new Meters();
             MetricsEndpoint endpoint = MetricsEndpoint.start(new InetSocketAddress("127.0.0.1", 0), meters.registry())) {
            Counter.builder("icbd.test.things").register(meters.registry()).increment(3);
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + endpoint.boundAddress().getPort();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
            assertTrue(r.body().contains("icbd_test_things_total 3.0"), r.body());
            assertTrue(r.body().contains("jvm_memory_used_bytes"), "JVM binders are bound");
            assertTrue(r.body().contains("process_uptime_seconds"));

            assertEquals(404, http.send(HttpRequest.newBuilder(URI.create(base + "/other")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());
            assertEquals(405, http.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding()).statusCode());
        }
    }
}
