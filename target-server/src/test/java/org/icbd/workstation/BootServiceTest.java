package org.icbd.workstation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.icbd.config.Subnet;
import org.icbd.config.WorkstationSettings;
import org.icbd.volume.DiskMode;
import org.icbd.volume.VolumeException;
import org.icbd.volume.VolumeManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The boot endpoint's decisions that need no disk: who may ask, and what a MAC looks like; and the endpoint
 * itself over real HTTP on loopback.
 */
class BootServiceTest {

    @TempDir
    Path dir;

    @Test
    void onlyTheConfiguredNetworksAreAnswered() throws Exception {
        BootService boot = withoutEnrolment("10.0.0.0/24");
        var local = new InetSocketAddress("10.0.0.1", 8080);
        BootService.Answer outside = boot.boot("52:54:00:00:00:01", InetAddress.getByName("10.0.1.5"), local);
        assertEquals(403, outside.status());
        assertTrue(outside.script().startsWith("#!ipxe\n") && !outside.script().contains("sanboot"), outside.script());
        BootService.Answer unknown = boot.boot("52:54:00:00:00:01", InetAddress.getByName("10.0.0.5"), local);
        assertEquals(404, unknown.status(), "inside, an unknown MAC is told to register: " + unknown.script());
        assertTrue(unknown.script().contains("--mac 52:54:00:00:00:01"), unknown.script());
    }

    @Test
    void theEndpointAnswersGetBootWithAnIpxeScriptAndEverythingElseWith404() throws Exception {
        try (BootEndpoint endpoint = BootEndpoint.start(new InetSocketAddress("127.0.0.1", 0), withoutEnrolment("127.0.0.0/8"));
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

    @Test
    void noEnrolmentBelowTheFreeSpaceThreshold() throws Exception {
        VolumeManager volumes = VolumeManager.open(dir);
        var enrol = new WorkstationSettings.Enrolment("gold", 0, DiskMode.RESET_ON_BOOT, "{mac}");
        var settings = new WorkstationSettings(Optional.empty(), List.of(Subnet.parse("10.0.0.0/24")), Optional.empty(),
                Workstations.DEFAULT_IQN_PREFIX, Optional.of(enrol), Long.MAX_VALUE);
        var boot = new BootService(new Workstations(volumes), null, settings, local -> local);
        BootService.Answer answer = boot.boot("52:54:00:00:00:01", InetAddress.getByName("10.0.0.5"), new InetSocketAddress("10.0.0.1", 8080));
        assertEquals(507, answer.status());
        assertTrue(answer.script().contains("short of space") && answer.script().contains("MiB needed to enrol"), answer.script());
        assertTrue(volumes.state().workstations().isEmpty(), "nothing was enrolled");
    }

    /** A cluster node whose lease as leader lapsed answers no boot request: iPXE asks again and reaches the new leader. */
    @Test
    void theEndpointAnswersNothingWhileItMayNot() throws Exception {
        var settings = new WorkstationSettings(Optional.empty(), List.of(Subnet.parse("10.0.0.0/24")), Optional.empty(),
                Workstations.DEFAULT_IQN_PREFIX, Optional.empty());
        var service = new BootService(new Workstations(VolumeManager.open(dir)), null, settings, local -> local);
        AtomicBoolean leading = new AtomicBoolean(true);
        try (BootEndpoint endpoint = BootEndpoint.start(new InetSocketAddress("127.0.0.1", 0), service, leading::get);
             HttpClient http = HttpClient.newHttpClient()) {
            var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.boundAddress().getPort()
                    + "/boot?mac=52:54:00:00:00:01")).timeout(Duration.ofSeconds(10)).build();
            assertEquals(403, http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode(), "answered while leading");
            leading.set(false);
            assertThrows(IOException.class, () -> http.send(request, HttpResponse.BodyHandlers.ofString()),
                    "closed unanswered once it may not answer");
        }
    }

    @Test
    void macsAreNormalizedOrRefusedClearly() {
        assertEquals("52:54:00:ab:cd:ef", MacAddress.parse("52-54-00-AB-CD-EF").value());
        assertEquals("52:54:00:ab:cd:ef", MacAddress.parse("525400abcdef").value());
        assertEquals("525400abcdef", MacAddress.parse("52:54:00:ab:cd:ef").bare());
        for (String bad : new String[]{"", "52:54:00:ab:cd", "52:54:00-ab:cd:ef", "zz:54:00:ab:cd:ef", "${net0/mac}"}) {
            VolumeException e = assertThrows(VolumeException.class, () -> MacAddress.parse(bad), bad);
            assertTrue(e.getMessage().contains("is not a MAC address"), e.getMessage());
        }
    }

    @Test
    void subnetsContainWhatTheySay() {
        Subnet s = Subnet.parse("192.168.4.0/22");
        assertTrue(s.contains(ip("192.168.7.255")));
        assertTrue(!s.contains(ip("192.168.8.0")));
        assertTrue(Subnet.parse("10.1.2.3").contains(ip("10.1.2.3")) && !Subnet.parse("10.1.2.3").contains(ip("10.1.2.4")));
        assertTrue(Subnet.parse("fd00::/64").contains(ip("fd00::1")) && !Subnet.parse("fd00::/64").contains(ip("10.0.0.1")));
        assertTrue(Subnet.problem("10.0.0.0/33").isPresent() && Subnet.problem("example.org/24").isPresent());
    }

    /** A boot service for the workstations asking from {@code subnet}, enrolling none. */
    private BootService withoutEnrolment(String subnet) throws IOException {
        var settings = new WorkstationSettings(Optional.empty(), List.of(Subnet.parse(subnet)), Optional.empty(),
                Workstations.DEFAULT_IQN_PREFIX, Optional.empty());
        return new BootService(new Workstations(VolumeManager.open(dir)), null, settings, local -> local);
    }

    private static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
