package org.icbd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.icbd.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code icbd serve} with an admin API: the import directory exists at start and is the only place imports read. */
class AdminImportServeTest {

    @TempDir
    Path dir;

    @Test
    void aServedNodeImportsOnlyFromItsImportDirectory() throws Exception {
        Path data = dir.resolve("data");
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("lun.img").toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        Path config = Files.writeString(dir.resolve("icbd.yaml"), """
                portals: ["127.0.0.1:0"]
                metrics: off
                data-root: %s
                admin: {listen: "127.0.0.1:0"}
                targets:
                  - iqn: iqn.2026-11.org.example:t
                    luns: [lun.img]
                """.formatted(data));
        try (RunningAppliance app = RunningAppliance.start(new ConfigLoader().load(config))) {
            assertTrue(Files.isDirectory(data.resolve("import")), "the default import directory is made at start");
            StringWriter printed = new StringWriter();
            app.printAddresses(new PrintWriter(printed));
            Matcher m = Pattern.compile("admin API on (http://\\S+/api/v1)").matcher(printed.toString());
            assertTrue(m.find(), printed.toString());
            String token = Files.readString(data.resolve("admin.token")).strip();
            Files.write(data.resolve("import/win.raw"), new byte[1 << 20]);

            assertEquals(201, importImage(m.group(1), token, "a", "win.raw").statusCode());
            HttpResponse<String> leak = importImage(m.group(1), token, "b", data.resolve("admin.token").toString());
            assertEquals(403, leak.statusCode(), leak.body());
        }
    }

    private static HttpResponse<String> importImage(String api, String token, String name, String source) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(api + "/images")).header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\",\"source\":\"" + source + "\"}")).build();
        return HttpClient.newHttpClient().send(r, HttpResponse.BodyHandlers.ofString());
    }
}
