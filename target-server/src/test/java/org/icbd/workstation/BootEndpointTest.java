package org.icbd.workstation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.icbd.config.Subnet;
import org.icbd.config.WorkstationSettings;
import org.icbd.volume.VolumeManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The boot endpoint over real HTTP on loopback: GET /boot?mac= reaches the boot service; anything else is 404. */
class BootEndpointTest {

    @TempDir
    Path dir;

    @Test
    void answersBootRequestsWithAnIpxeScriptAndNothingElse() throws Exception {
        var settings = new WorkstationSettings(Optional.empty(), List.of(Subnet.parse("127.0.0.0/8")), Optional.empty(),
                Workstations.DEFAULT_IQN_PREFIX, Optional.empty());
        var service = new BootService(new Workstations(VolumeManager.open(dir)), null, settings, local -> local);
        try (BootEndpoint endpoint = BootEndpoint.start(new InetSocketAddress("127.0.0.1", 0), service);
             HttpClient http = HttpClient.newHttpClient()) {
            String base = "http://127.0.0.1:" + endpoint.boundAddress().getPort();
            HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(URI.create(base + "/boot?mac=52%3A54%3A00%3A00%3A00%3A07")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(404, unknown.statusCode(), "an unknown MAC is told to register: " + unknown.body());
            assertTrue(unknown.body().startsWith("#!ipxe\n") && unknown.body().contains("--mac 52:54:00:00:00:07"), unknown.body());
            assertEquals(Optional.of("no-store"), unknown.headers().firstValue("Cache-Control"));

            HttpResponse<String> elsewhere = http.send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(404, elsewhere.statusCode());
            assertTrue(elsewhere.body().contains("/boot?mac="), elsewhere.body());
        }
    }
}
