package org.icbd.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.icbd.group.Groups;
import org.icbd.volume.DiskMode;
import org.icbd.volume.VersionSpec;
import org.icbd.volume.VolumeManager;
import org.icbd.volume.VolumeName;

/**
 * {@code /api/v1/groups}: the {@code icbd group} commands over HTTP.
 *
 * <pre>
 *   GET    /api/v1/groups          list
 *   POST   /api/v1/groups          {"name": G, "image": "N" | "N@3", "mode": "persistent" | "reset-on-boot", "networks": [CIDR...]}
 *   GET    /api/v1/groups/G        one
 *   POST   /api/v1/groups/G        {"image": "N@4", "mode": ..., "networks": [...]}: change (a new version moves its members)
 *   DELETE /api/v1/groups/G        remove (409 naming its workstations while it has some)
 * </pre>
 */
final class GroupResource {

    private final VolumeManager volumes;
    private final Groups groups;

    GroupResource(VolumeManager volumes) {
        this.volumes = volumes;
        this.groups = new Groups(volumes);
    }

    Object route(String method, List<String> rest, HttpExchange ex) throws IOException, AdminApi.Refused {
        if (rest.isEmpty()) {
            if (method.equals("GET")) return volumes.state().groups().values();
            if (!method.equals("POST")) throw AdminApi.notAllowed(ex, "GET, POST");
            JsonNode in = AdminApi.body(ex);
            DiskMode mode = DiskMode.parse(in.has("mode") ? AdminApi.text(in, "mode") : "persistent");
            return groups.add(new VolumeName(AdminApi.text(in, "name")), VersionSpec.parseOrNewest(AdminApi.text(in, "image")), mode,
                    in.has("networks") ? networks(in) : List.of());
        }
        if (rest.size() != 1) throw new AdminApi.Refused(404, "no such resource; groups are /api/v1/groups[/G]");
        VolumeName name = new VolumeName(rest.get(0));
        return switch (method) {
            case "GET" -> groups.info(name);
            case "DELETE" -> {
                groups.remove(name);
                yield null;
            }
            case "POST" -> {
                JsonNode in = AdminApi.body(ex);
                yield groups.set(name, new Groups.Change(in.has("image") ? VersionSpec.parseOrNewest(AdminApi.text(in, "image")) : null,
                        in.has("mode") ? DiskMode.parse(AdminApi.text(in, "mode")) : null, in.has("networks") ? networks(in) : null));
            }
            default -> throw AdminApi.notAllowed(ex, "GET, POST, DELETE");
        };
    }

    private static List<String> networks(JsonNode in) throws AdminApi.Refused {
        JsonNode n = in.get("networks");
        if (!n.isArray()) throw new AdminApi.Refused(400, "'networks' must be a list of networks like \"10.0.1.0/24\"");
        List<String> out = new ArrayList<>();
        for (JsonNode x : n) out.add(x.asText());
        return out;
    }
}
