package org.icbd.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.icbd.volume.VolumeManager;
import org.icbd.volume.VolumeName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /api/v1/workstations} over real HTTP on a data root in a temp directory. */
class WorkstationApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private AdminApi api;
    private String base;
    private String token;
    private VolumeManager volumes;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        AdminToken t = AdminToken.loadOrCreate(dir.resolve("admin.token"));
        token = Files.readString(dir.resolve("admin.token")).strip();
        volumes = VolumeManager.open(dir.resolve("data"));
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("src.img").toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        volumes.importImage(new VolumeName("gold"), dir.resolve("src.img"), done -> { });
        volumes.publish(new VolumeName("gold"));
        api = AdminApi.start(new InetSocketAddress("127.0.0.1", 0), volumes, t, "iqn.2026-11.org.example.ws",
                new ImportSources(List.of(dir.resolve("import"))));
        base = "http://127.0.0.1:" + api.boundAddress().getPort() + "/api/v1";
    }

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    void addShowChangeResetRemoveWithoutEverShowingTheSecret() throws Exception {
        HttpResponse<String> added = call("POST", "/workstations",
                "{\"name\":\"ws01\",\"macs\":[\"52-54-00-AB-CD-EF\"],\"image\":\"gold\",\"mode\":\"reset-on-boot\"}");
        assertEquals(201, added.statusCode(), added.body());
        JsonNode w = JSON.readTree(added.body());
        assertEquals("iqn.2026-11.org.example.ws:ws01", w.get("iqn").asText());
        assertEquals("52:54:00:ab:cd:ef", w.get("macs").get(0).asText());
        assertEquals("reset-on-boot", w.get("mode").asText());
        assertTrue(w.get("secret").isNull(), "the API never answers with a CHAP secret: " + added.body());
        String secret = volumes.state().workstations().get("ws01").secret();
        assertTrue(secret.length() >= 12 && secret.length() <= 16, secret);
        assertFalse(call("GET", "/workstations", null).body().contains(secret));
        assertFalse(call("GET", "/workstations/ws01", null).body().contains(secret));
        assertTrue(Files.isDirectory(dir.resolve("data/clones/ws01")), "its disk was made");

        HttpResponse<String> changed = call("POST", "/workstations/ws01", "{\"mode\":\"persistent\",\"macs\":[\"52:54:00:ab:cd:ef\",\"52:54:00:00:00:02\"]}");
        assertEquals(201, changed.statusCode(), changed.body()); // every POST of the API answers 201
        assertEquals("persistent", JSON.readTree(changed.body()).get("mode").asText());
        assertEquals(2, volumes.state().workstations().get("ws01").macs().size());

        assertEquals(201, call("POST", "/workstations/ws01/reset", null).statusCode());
        assertEquals(409, call("POST", "/workstations", "{\"name\":\"ws02\",\"macs\":[\"52:54:00:00:00:02\"],\"image\":\"gold\"}").statusCode(),
                "a MAC belongs to one workstation");
        HttpResponse<String> bad = call("POST", "/workstations", "{\"name\":\"ws02\",\"macs\":[\"nope\"],\"image\":\"gold\"}");
        assertEquals(400, bad.statusCode());
        assertTrue(bad.body().contains("not a MAC address"), bad.body());
        assertEquals(404, call("GET", "/workstations/ws09", null).statusCode());

        assertEquals(204, call("DELETE", "/workstations/ws01", null).statusCode());
        assertTrue(volumes.state().workstations().isEmpty() && volumes.state().clones().isEmpty());
        assertFalse(Files.exists(dir.resolve("data/clones/ws01")), "its disk was deleted");
    }

    @Test
    void groupsAddChangeAndRefuseRemovalWhileTheyHaveWorkstations() throws Exception {
        volumes.publish(new VolumeName("gold"));
        HttpResponse<String> added = call("POST", "/groups", "{\"name\":\"lab\",\"image\":\"gold@1\",\"mode\":\"reset-on-boot\",\"networks\":[\"10.0.1.0/24\"]}");
        assertEquals(201, added.statusCode(), added.body());
        assertEquals("10.0.1.0/24", JSON.readTree(added.body()).get("networks").get(0).asText());
        assertEquals(409, call("POST", "/groups", "{\"name\":\"lab\",\"image\":\"gold\"}").statusCode(), "name taken");
        assertEquals(400, call("POST", "/groups", "{\"name\":\"x\",\"image\":\"gold\",\"networks\":[\"10.0.0.0/99\"]}").statusCode());

        HttpResponse<String> member = call("POST", "/workstations", "{\"name\":\"ws05\",\"macs\":[\"52:54:00:00:00:05\"],\"group\":\"lab\"}");
        assertEquals(201, member.statusCode(), member.body());
        JsonNode w = JSON.readTree(member.body());
        assertEquals(List.of("lab", "gold", "reset-on-boot"), List.of(w.get("group").asText(), w.get("image").asText(), w.get("mode").asText()));
        assertEquals(1, volumes.state().clones().get("ws05").version(), "its disk is the group's version");

        HttpResponse<String> moved = call("POST", "/groups/lab", "{\"image\":\"gold@2\"}");
        assertEquals(201, moved.statusCode(), moved.body());
        assertEquals(2, VolumeManager.bootVersion(volumes.state(), volumes.state().workstations().get("ws05")), "the member moves with it");
        assertEquals(1, JSON.readTree(call("GET", "/groups", null).body()).size());

        HttpResponse<String> refused = call("DELETE", "/groups/lab", null);
        assertEquals(409, refused.statusCode());
        assertTrue(refused.body().contains("still has workstations [ws05]"), refused.body());
        assertEquals(201, call("POST", "/workstations/ws05", "{\"group\":null}").statusCode());
        assertEquals(204, call("DELETE", "/groups/lab", null).statusCode());
        assertEquals(404, call("GET", "/groups/lab", null).statusCode());
    }

    @Test
    void imageEditRollbackAndPruneOverHttp() throws Exception {
        volumes.publish(new VolumeName("gold"));
        volumes.publish(new VolumeName("gold"));
        assertEquals(201, call("POST", "/workstations", "{\"name\":\"maint\",\"macs\":[\"52:54:00:00:00:09\"],\"image\":\"gold@3\"}").statusCode());
        assertEquals(201, call("POST", "/images/gold/edit", "{\"workstation\":\"maint\"}").statusCode());
        HttpResponse<String> twice = call("POST", "/images/gold/edit", "{\"workstation\":\"maint\"}");
        assertEquals(409, twice.statusCode());
        assertTrue(twice.body().contains("already being edited by workstation maint"), twice.body());
        assertEquals(409, call("POST", "/images/gold/versions", null).statusCode(), "no publish while it is edited");
        assertEquals(200, call("DELETE", "/images/gold/edit", null).statusCode());

        assertEquals(400, call("POST", "/images/gold", "{\"current\":-1}").statusCode());
        assertEquals(404, call("POST", "/images/gold", "{\"current\":9}").statusCode());
        assertEquals(201, call("POST", "/images/gold", "{\"current\":2}").statusCode());
        assertEquals(2, volumes.imageInfo(new VolumeName("gold")).currentVersion());

        assertEquals(400, call("POST", "/images/gold/prune", "{\"keep\":0}").statusCode());
        HttpResponse<String> pruned = call("POST", "/images/gold/prune", "{\"keep\":1}");
        assertEquals(201, pruned.statusCode(), pruned.body());
        JsonNode p = JSON.readTree(pruned.body());
        assertEquals("[1]", p.get("deleted").toString(), pruned.body());
        assertTrue(p.get("kept").get("2").asText().contains("the image's current version"), pruned.body());
        assertTrue(p.get("kept").get("3").asText().contains("workstation maint boots it"), pruned.body());
    }

    private HttpResponse<String> call(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + token);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
