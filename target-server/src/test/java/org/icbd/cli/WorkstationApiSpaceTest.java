package org.icbd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.icbd.btrfs.LoopBtrfsExtension;
import org.icbd.config.ConfigLoader;
import org.icbd.volume.VolumeManager;
import org.icbd.workstation.PoolSpace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The admin API's {@code POST /api/v1/workstations} on a node whose data root (a small loop btrfs) is
 * filled past {@code workstations.min-free-mib}: refused with 507 and the reason, nothing recorded; once
 * space is freed the same request adds the workstation.
 */
class WorkstationApiSpaceTest {

    private static final int MIB = PoolSpace.MIB;
    private static final int FILL_MIB = 128;

    @RegisterExtension
    final LoopBtrfsExtension btrfs = new LoopBtrfsExtension(512L * MIB);

    @Test
    void noWorkstationIsAddedBelowTheThreshold() throws Exception {
        Path fs = btrfs.fs().root();
        VolumeManager volumes = PoolSpace.withGold(fs);
        Path data = volumes.layout().root();
        // the threshold sits half the filler below what is free now: above it before the filler, below after
        long thresholdMib = PoolSpace.free(fs) / MIB - FILL_MIB / 2;
        Path config = Files.writeString(fs.resolve("icbd.yaml"), """
                portals: ["127.0.0.1:0"]
                metrics: off
                data-root: %s
                admin: {listen: "127.0.0.1:0"}
                workstations:
                  networks: [10.0.0.0/24]
                  min-free-mib: %d
                """.formatted(data, thresholdMib));
        try (RunningAppliance app = RunningAppliance.start(new ConfigLoader().load(config))) {
            StringWriter printed = new StringWriter();
            app.printAddresses(new PrintWriter(printed));
            Matcher m = Pattern.compile("admin API on (http://\\S+/api/v1)").matcher(printed.toString());
            assertTrue(m.find(), printed.toString());
            String api = m.group(1);
            String token = Files.readString(data.resolve("admin.token")).strip();

            HttpResponse<String> first = add(api, token, "ws01", "52:54:00:00:00:01");
            assertEquals(201, first.statusCode(), "above the threshold a workstation is added: " + first.body());

            Path filler = fs.resolve("filler");
            PoolSpace.fill(filler, 0, FILL_MIB);
            PoolSpace.commit(fs);
            assertTrue(PoolSpace.free(fs) < thresholdMib * MIB, "the filler took the pool below the threshold: " + (PoolSpace.free(fs) >> 20) + " MiB free");

            HttpResponse<String> refused = add(api, token, "ws02", "52:54:00:00:00:02");
            assertEquals(507, refused.statusCode(), refused.body());
            assertTrue(refused.body().contains("the server is short of space") && refused.body().contains("MiB needed to add a workstation"),
                    refused.body());
            assertFalse(volumes.state().workstations().containsKey("ws02"), "nothing was recorded");
            assertFalse(volumes.state().clones().containsKey("ws02"), "and no disk made");
            assertFalse(Files.exists(data.resolve("clones/ws02")), "and no disk made");

            PoolSpace.free(filler, fs, thresholdMib * MIB);
            HttpResponse<String> again = add(api, token, "ws02", "52:54:00:00:00:02");
            assertEquals(201, again.statusCode(), "with the space back the same request adds it: " + again.body());
            assertTrue(volumes.state().workstations().containsKey("ws02"));
        }
    }

    private static HttpResponse<String> add(String api, String token, String name, String mac) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(api + "/workstations")).header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\",\"macs\":[\"" + mac + "\"],\"image\":\"gold\"}"))
                .build();
        return HttpClient.newHttpClient().send(r, HttpResponse.BodyHandlers.ofString());
    }
}
