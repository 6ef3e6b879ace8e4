package org.icbd.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.icbd.volume.CatalogState;
import org.icbd.volume.DiskMode;
import org.icbd.volume.VersionSpec;
import org.icbd.volume.VolumeName;
import org.icbd.workstation.MacAddress;
import org.icbd.workstation.MinFreeSpace;
import org.icbd.workstation.Workstations;

/**
 * {@code /api/v1/workstations}: the {@code icbd workstation} commands over HTTP. Answers never carry a
 * workstation's CHAP secret (the boot endpoint hands it to the workstation itself).
 *
 * <pre>
 *   GET    /api/v1/workstations            list
 *   POST   /api/v1/workstations            {"name": W, "macs": [MAC...], "image": "N" | "N@3", "mode": "persistent" | "reset-on-boot",
 *                                           "group": G} (with a group, image and mode default to the group's)
 *   GET    /api/v1/workstations/W          one
 *   POST   /api/v1/workstations/W          {"macs": [...], "mode": ..., "version": 0 (follow group or image) | N, "group": G | null}: change
 *   DELETE /api/v1/workstations/W          remove it and its disk
 *   POST   /api/v1/workstations/W/reset    {"version": N} optional: throw its writes away
 * </pre>
 */
final class WorkstationResource {

    private final Workstations workstations;
    private final String iqnPrefix;
    /** The free space a new workstation's disk needs; null on a node without workstations (no threshold). */
    private final MinFreeSpace space;

    WorkstationResource(Workstations workstations, String iqnPrefix, MinFreeSpace space) {
        this.workstations = workstations;
        this.iqnPrefix = iqnPrefix;
        this.space = space;
    }

    Object route(String method, List<String> rest, HttpExchange ex) throws IOException, AdminApi.Refused {
        var volumes = workstations.volumes();
        if (rest.isEmpty()) {
            if (method.equals("GET")) return volumes.state().workstations().values().stream().map(CatalogState.Workstation::redacted).toList();
            if (!method.equals("POST")) throw AdminApi.notAllowed(ex, "GET, POST");
            JsonNode in = AdminApi.body(ex);
            DiskMode mode = in.has("mode") ? DiskMode.parse(AdminApi.text(in, "mode")) : null;
            String group = in.has("group") ? new VolumeName(AdminApi.text(in, "group")).value() : null;
            VersionSpec image = in.has("image") || group == null ? VersionSpec.parseOrNewest(AdminApi.text(in, "image")) : null;
            VolumeName name = new VolumeName(AdminApi.text(in, "name"));
            List<MacAddress> macs = macs(in);
            if (space != null) space.requireRoomTo("add a workstation"); // after the body is known good: a bad one hears why first
            return workstations.add(name, macs, image, mode, iqnPrefix, group).redacted();
        }
        VolumeName name = new VolumeName(rest.get(0));
        if (rest.size() == 1) {
            switch (method) {
                case "GET" -> {
                    return volumes.workstationInfo(name).redacted();
                }
                case "DELETE" -> {
                    volumes.removeWorkstation(name);
                    return null;
                }
                case "POST" -> {
                    JsonNode in = AdminApi.body(ex);
                    List<String> macs = in.has("macs") ? macs(in).stream().map(MacAddress::value).toList() : null;
                    DiskMode mode = in.has("mode") ? DiskMode.parse(AdminApi.text(in, "mode")) : null;
                    Integer version = in.has("version") ? in.get("version").asInt(-1) : null;
                    if (version != null && version < 0) throw new AdminApi.Refused(400, "version must be 0 (follow the newest) or a version number");
                    boolean regroup = in.has("group");
                    String group = regroup && !in.get("group").isNull() ? new VolumeName(AdminApi.text(in, "group")).value() : null;
                    return volumes.updateWorkstation(name, w -> w.with(macs == null ? w.macs() : macs, w.image(),
                            version == null ? w.version() : version, mode == null ? w.mode() : mode).inGroup(regroup ? group : w.group())).redacted();
                }
                default -> throw AdminApi.notAllowed(ex, "GET, POST, DELETE");
            }
        }
        if (rest.size() == 2 && rest.get(1).equals("reset")) {
            if (!method.equals("POST")) throw AdminApi.notAllowed(ex, "POST");
            int version = 0;
            if (ex.getRequestHeaders().getFirst("Content-Length") != null && !"0".equals(ex.getRequestHeaders().getFirst("Content-Length"))) {
                JsonNode in = AdminApi.body(ex);
                version = in.has("version") ? in.get("version").asInt(-1) : 0;
                if (version < 0) throw new AdminApi.Refused(400, "version must be a version number");
            }
            return workstations.reset(name, version);
        }
        throw new AdminApi.Refused(404, "no such resource; workstations are /api/v1/workstations[/W[/reset]]");
    }

    private static List<MacAddress> macs(JsonNode in) throws AdminApi.Refused {
        JsonNode m = in.get("macs");
        if (m == null || !m.isArray() || m.isEmpty()) throw new AdminApi.Refused(400, "'macs' is required (a list of MAC addresses)");
        List<MacAddress> out = new ArrayList<>();
        for (JsonNode n : m) out.add(MacAddress.parse(n.asText()));
        return out;
    }
}
