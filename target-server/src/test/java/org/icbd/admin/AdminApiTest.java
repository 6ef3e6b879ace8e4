package org.icbd.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.icbd.volume.VolumeManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The admin API over real HTTP, on a data root in a temp directory (copies: the API is the same on btrfs). */
class AdminApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private AdminApi api;
    private String base;
    private String token;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        Path tokenFile = dir.resolve("admin.token");
        AdminToken t = AdminToken.loadOrCreate(tokenFile);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)));
        token = Files.readString(tokenFile).strip();
        assertEquals(64, token.length());
        Files.createDirectories(dir.resolve("import"));
        api = AdminApi.start(new InetSocketAddress("127.0.0.1", 0), VolumeManager.open(dir.resolve("data")), t,
                new ImportSources(List.of(dir.resolve("import"))));
        base = "http://127.0.0.1:" + api.boundAddress().getPort() + "/api/v1";
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("import/src.img").toFile(), "rw")) {
            f.setLength(1 << 20);
        }
    }

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    void everyRequestNeedsTheToken() throws Exception {
        assertEquals(401, send("GET", "/images", null, null).statusCode());
        assertEquals(401, send("GET", "/images", null, "Bearer " + token.substring(1) + "x").statusCode());
        HttpResponse<String> r = send("POST", "/images", "{\"name\":\"gold\",\"source\":\"" + dir.resolve("import/src.img") + "\"}", "Basic x");
        assertEquals(401, r.statusCode());
        assertTrue(Files.notExists(dir.resolve("data/images/gold")), "nothing happened");
    }

    @Test
    void imagesVersionsAndClonesThroughJson() throws Exception {
        HttpResponse<String> imported = call("POST", "/images", "{\"name\":\"gold\",\"source\":\"" + dir.resolve("import/src.img") + "\"}");
        assertEquals(201, imported.statusCode(), imported.body());
        assertEquals("gold", json(imported).get("name").asText());
        HttpResponse<String> published = call("POST", "/images/gold/versions", null);
        assertEquals(201, published.statusCode());
        assertEquals(1, json(published).get("version").asInt());

        HttpResponse<String> clone = call("POST", "/clones", "{\"name\":\"ws01\",\"image\":\"gold\"}");
        assertEquals(201, clone.statusCode(), clone.body());
        assertEquals(1, json(clone).get("version").asInt());
        assertEquals(36, json(clone).get("id").asText().length());
        assertEquals("ws01", json(call("GET", "/clones", null)).get(0).get("name").asText());
        assertEquals(1, json(call("GET", "/images/gold", null)).get("versions").asInt());

        HttpResponse<String> refused = call("DELETE", "/images/gold", null);
        assertEquals(409, refused.statusCode());
        assertTrue(json(refused).get("error").asText().contains("ws01"), refused.body());

        HttpResponse<String> mapped = call("POST", "/luns", "{\"target\":\"iqn.2026-11.org.example:ws01\",\"clone\":\"ws01\"}");
        assertEquals(201, mapped.statusCode(), mapped.body());
        assertEquals(0, json(mapped).get("lun").asInt());
        assertEquals(409, call("DELETE", "/clones/ws01", null).statusCode(), "a mapped clone stays");
        assertEquals(400, call("POST", "/luns", "{\"target\":\"Not An IQN\",\"clone\":\"ws01\"}").statusCode());
        assertEquals(400, call("POST", "/luns", "{\"target\":\"iqn.2026-11.org.example:x\",\"clone\":\"ws01\",\"version\":\"gold@1\"}").statusCode());
        assertEquals("ws01", json(call("GET", "/luns", null)).get(0).get("cloneName").asText());
        assertEquals(204, call("DELETE", "/luns/iqn.2026-11.org.example:ws01/0", null).statusCode());
        assertEquals(404, call("DELETE", "/luns/iqn.2026-11.org.example:ws01/0", null).statusCode());

        assertEquals(204, call("POST", "/clones/ws01/reset", null).statusCode());
        assertEquals(204, call("DELETE", "/clones/ws01", null).statusCode());
        assertEquals(204, call("DELETE", "/images/gold", null).statusCode());
        assertEquals("[]", call("GET", "/images", null).body());
    }

    @Test
    void mistakesGetTheRightStatusAndAMessage() throws Exception {
        assertStatus(400, call("POST", "/clones", "{\"name\":\"../x\",\"image\":\"gold\"}"), "invalid name");
        assertStatus(404, call("POST", "/clones", "{\"name\":\"ws01\",\"image\":\"gold\"}"), "no image named gold");
        assertStatus(404, call("GET", "/clones/nope", null), "no clone named nope");
        assertStatus(400, call("POST", "/images", "{\"name\":\"gold\"}"), "'source' is required");
        assertStatus(400, call("POST", "/images", "{not json"), "not valid JSON");
        assertStatus(404, call("POST", "/images", "{\"name\":\"gold\",\"source\":\"nonexistent.img\"}"), "no such file");
        Files.createDirectories(dir.resolve("import/sub"));
        assertStatus(404, call("POST", "/images", "{\"name\":\"gold\",\"source\":\"sub\"}"), "not a regular file");
        assertStatus(405, call("PUT", "/images", "{}"), "GET, POST");
        assertStatus(404, call("GET", "/volumes", null), "no such resource");
        assertStatus(413, call("POST", "/images", "{\"x\":\"" + "a".repeat(70_000) + "\"}"), "over");
    }

    /** D5: the API runs as root; a token holder must not be able to read any file through an image. */
    @Test
    void importsReadOnlyFromTheImportDirectories() throws Exception {
        Path tokenFile = dir.resolve("admin.token");
        Files.createSymbolicLink(dir.resolve("import/link.img"), tokenFile);
        Files.createSymbolicLink(dir.resolve("import/etc"), Path.of("/etc"));
        for (String source : List.of("/etc/shadow", "/etc/passwd", tokenFile.toString(), "../admin.token",
                dir.resolve("import/../admin.token").toString(), "link.img", "etc/passwd", "/")) {
            HttpResponse<String> r = call("POST", "/images", JSON.writeValueAsString(Map.of("name", "leak", "source", source)));
            assertStatus(403, r, "imported only from " + dir.resolve("import"));
        }
        assertEquals("[]", call("GET", "/images", null).body(), "no image was made");
        assertTrue(Files.notExists(dir.resolve("data/images/leak")));

        HttpResponse<String> relative = call("POST", "/images", "{\"name\":\"gold\",\"source\":\"src.img\"}");
        assertEquals(201, relative.statusCode(), "a name inside the import directory: " + relative.body());
        Path inner = Files.createDirectories(dir.resolve("import/win"));
        Files.copy(dir.resolve("import/src.img"), inner.resolve("w.raw"));
        Files.createSymbolicLink(dir.resolve("import/w-link.raw"), inner.resolve("w.raw"));
        assertEquals(201, call("POST", "/images", "{\"name\":\"w\",\"source\":\"w-link.raw\"}").statusCode(),
                "a link that stays inside is followed");
    }

    /** D6: JSON true is not version 1, nor "3" version 3. */
    @Test
    void aVersionMustBeAWholeNumber() throws Exception {
        assertEquals(201, call("POST", "/images", "{\"name\":\"gold\",\"source\":\"src.img\"}").statusCode());
        assertEquals(201, call("POST", "/images/gold/versions", null).statusCode());
        for (String v : List.of("true", "false", "\"1\"", "1.5", "0", "-1", "4294967297", "null", "{}")) {
            assertStatus(400, call("POST", "/clones", "{\"name\":\"ws01\",\"image\":\"gold\",\"version\":" + v + "}"),
                    "'version' must be a whole number from 1");
        }
        assertEquals("[]", call("GET", "/clones", null).body(), "no clone was made");
        assertEquals(201, call("POST", "/clones", "{\"name\":\"ws01\",\"image\":\"gold\",\"version\":1}").statusCode());
    }

    /** D6: a client that closes in the middle of its body costs one INFO line, no error and no stack trace. */
    @Test
    void aClientLeavingMidBodyIsNoError() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(AdminApi.class);
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.start();
        logger.addAppender(seen);
        try {
            try (Socket s = new Socket("127.0.0.1", api.boundAddress().getPort())) {
                OutputStream out = s.getOutputStream();
                out.write(("POST /api/v1/clones HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token
                        + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"name\":").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            long end = System.nanoTime() + 5_000_000_000L;
            while (seen.list.stream().noneMatch(e -> e.getLevel() == Level.INFO) && System.nanoTime() < end) Thread.sleep(20);
            assertTrue(seen.list.stream().anyMatch(e -> e.getLevel() == Level.INFO && e.getFormattedMessage().contains("left")),
                    () -> "no INFO line about the client leaving: " + seen.list);
            assertTrue(seen.list.stream().noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.WARN) || e.getThrowableProxy() != null),
                    () -> "logged louder than INFO or with a stack trace: " + seen.list);
            // and the API still answers
            assertEquals(200, call("GET", "/images", null).statusCode());
        } finally {
            logger.detachAppender(seen);
        }
    }

    private void assertStatus(int status, HttpResponse<String> r, String fragment) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(json(r).get("error").asText().contains(fragment), r.body());
    }

    private HttpResponse<String> call(String method, String path, String body) throws Exception {
        return send(method, path, body, "Bearer " + token);
    }

    private HttpResponse<String> send(String method, String path, String body, String auth) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (auth != null) b.header("Authorization", auth);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }
}
