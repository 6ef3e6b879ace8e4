package org.icbd.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.DoubleSupplier;
import org.icbd.btrfs.LoopBtrfsExtension;
import org.icbd.config.HostPort;
import org.icbd.config.Subnet;
import org.icbd.config.WorkstationSettings;
import org.icbd.volume.DiskMode;
import org.icbd.volume.VolumeManager;
import org.icbd.workstation.CrossingLog;
import org.icbd.workstation.MinFreeSpace;
import org.icbd.workstation.PoolSpace;
import org.icbd.workstation.Workstations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A cluster node's free space as its leaderships use it: one watch of the data root for the node's life
 * (registered once with the node's Prometheus registry, next to the cluster's own data-root gauges), shared
 * by each leadership's boot endpoint and left running when a leadership ends. A crossing of
 * {@code workstations.min-free-mib}, either way, is noticed without any request, logged once and counted
 * once, however many times the node led; the boot endpoint of a later leadership refuses enrolment below it.
 */
class LeaderSpaceTest {

    private static final int MIB = PoolSpace.MIB;
    private static final int FILL_MIB = 128;

    @RegisterExtension
    final LoopBtrfsExtension btrfs = new LoopBtrfsExtension(512L * MIB);

    @Test
    void eachCrossingIsLoggedAndCountedOnceAcrossLeaderships() throws Exception {
        Path fs = btrfs.fs().root();
        VolumeManager volumes = PoolSpace.withGold(fs);
        Path root = volumes.layout().root();
        long threshold = PoolSpace.free(fs) - (FILL_MIB / 2L) * MIB;
        var settings = new WorkstationSettings(Optional.of(new HostPort("127.0.0.1", 0)), List.of(Subnet.parse("127.0.0.0/8")),
                Optional.empty(), Workstations.DEFAULT_IQN_PREFIX,
                Optional.of(new WorkstationSettings.Enrolment("gold", 0, DiskMode.RESET_ON_BOOT, "pc-{mac}")), threshold);
        var meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // as ClusterNode registers them: the cluster's data-root gauges, then the node's one watch
        DataRootSpace.register(meters, root, Optional::empty);
        try (CrossingLog logged = new CrossingLog(); MinFreeSpace space = NodeVolumes.watched(root, settings, meters)) {
            assertEquals(200, leadAndBoot(volumes, space, settings, "52:54:00:00:00:01").statusCode(),
                    "the first leadership enrols above the threshold");

            Path filler = fs.resolve("filler");
            PoolSpace.fill(filler, 0, FILL_MIB);
            PoolSpace.commit(fs);
            assertTrue(PoolSpace.free(fs) < threshold, "the filler took the pool below the threshold");
            // the first leadership has ended: the node's watch notices the crossing with nobody asking
            awaitValue(() -> crossings(meters, "below"), 1.0);
            assertEquals(1.0, meters.get("icbd_data_root_below_min_free").gauge().value());

            HttpResponse<String> refused = leadAndBoot(volumes, space, settings, "52:54:00:00:00:02");
            assertEquals(507, refused.statusCode(), refused.body());
            assertTrue(refused.body().contains("short of space") && refused.body().contains("MiB needed to enrol"), refused.body());
            assertTrue(volumes.state().workstationWithMac("52:54:00:00:00:02").isEmpty(), "nobody was enrolled");
            assertEquals(1.0, crossings(meters, "below"), "counted once although two leaderships and a request looked");

            PoolSpace.free(filler, fs, threshold);
            awaitValue(() -> crossings(meters, "above"), 1.0);
            assertEquals(0.0, meters.get("icbd_data_root_below_min_free").gauge().value());
            assertEquals(200, leadAndBoot(volumes, space, settings, "52:54:00:00:00:02").statusCode(),
                    "a third leadership enrols again");

            assertEquals(1, logged.lines("below workstations.min-free-mib"), "the fall logged once");
            assertEquals(1, logged.lines("free again"), "the rise logged once");
            String scraped = meters.scrape();
            assertEquals(1, count(scraped, "icbd_data_root_min_free_crossings_total{direction=\"below\""), scraped);
            assertEquals(1, count(scraped, "icbd_data_root_min_free_crossings_total{direction=\"above\""), scraped);
            assertEquals(1, count(scraped, "\nicbd_data_root_below_min_free "), scraped);
            assertEquals(1, count(scraped, "\nicbd_data_root_free_bytes "), scraped);
        }
    }

    /** One leadership: the leader's workstations with the node's space, a boot request for {@code mac}, the leadership's end. */
    private static HttpResponse<String> leadAndBoot(VolumeManager volumes, MinFreeSpace space, WorkstationSettings settings, String mac)
            throws Exception {
        try (NodeVolumes leading = NodeVolumes.leading(volumes, LunStack.files(), state -> state, space)) {
            leading.startBoot(settings, new InetSocketAddress("127.0.0.1", 3260), () -> true);
            URI uri = URI.create("http://127.0.0.1:" + leading.bootAddress().getPort() + "/boot?mac=" + mac);
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    /** The watch looks every 5 s; a loaded machine gets three times that. */
    private static void awaitValue(DoubleSupplier value, double expected) throws InterruptedException {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (value.getAsDouble() != expected && System.nanoTime() < deadline) Thread.sleep(100);
        assertEquals(expected, value.getAsDouble());
    }

    private static double crossings(PrometheusMeterRegistry meters, String direction) {
        return meters.get("icbd_data_root_min_free_crossings_total").tag("direction", direction).counter().count();
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) n++;
        return n;
    }
}
