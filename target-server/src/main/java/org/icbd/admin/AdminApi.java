package org.icbd.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.icbd.config.IscsiNames;
import org.icbd.volume.ImageMaintenance;
import org.icbd.http.HttpEndpoint;
import org.icbd.volume.VolumeException;
import org.icbd.workstation.MinFreeSpace;
import org.icbd.volume.VersionSpec;
import org.icbd.volume.VolumeManager;
import org.icbd.volume.VolumeName;
import org.icbd.workstation.Workstations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP JSON admin API: the {@code icbd image} and {@code icbd clone} operations for tools and
 * dashboards. Every request needs {@code Authorization: Bearer <token>}. Errors are JSON
 * {@code {"error": "..."}} with 400 (bad request or name), 401, 403 (import source outside the import
 * directories), 404 (no such image/clone), 405,
 * 409 (name taken, clones still depend on it) or 500 (the file system failed).
 *
 * <pre>
 *   GET    /api/v1/images                       list images
 *   POST   /api/v1/images                       {"name": N, "source": "/server/path.raw"}: import (from an import dir: 403 elsewhere)
 *   POST   /api/v1/images/N/versions            publish the next version
 *   DELETE /api/v1/images/N                     delete (refused while clones use it)
 *   POST   /api/v1/images/N                     {"current": 3}: workstations following it boot version 3 (0: the newest)
 *   POST   /api/v1/images/N/edit                {"workstation": W}: W boots the work copy; DELETE ends that
 *   POST   /api/v1/images/N/prune               {"keep": 2}: delete versions nothing uses; answers what was deleted and kept why
 *   GET    /api/v1/clones                       list clones
 *   POST   /api/v1/clones                       {"name": W, "image": N, "version": 3 (optional: newest)}
 *   POST   /api/v1/clones/W/reset               discard the clone's writes
 *   DELETE /api/v1/clones/W                     delete
 *   GET    /api/v1/luns                         LUN maps
 *   POST   /api/v1/luns                         {"target": IQN, "clone": W | "version": "N@3", "lun": 0 (optional)}
 *   DELETE /api/v1/luns/IQN/N                   unmap
 *   (workstations: see {@link WorkstationResource}; groups: {@link GroupResource})
 * </pre>
 */
public final class AdminApi implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AdminApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY = 64 << 10;

    private final HttpEndpoint http;

    private AdminApi(HttpEndpoint http) {
        this.http = http;
    }

    public static AdminApi start(InetSocketAddress address, VolumeManager volumes, AdminToken token, ImportSources imports) throws IOException {
        return start(address, volumes, token, Workstations.DEFAULT_IQN_PREFIX, imports);
    }

    /** @param iqnPrefix the site's prefix of workstations' target names */
    public static AdminApi start(InetSocketAddress address, VolumeManager volumes, AdminToken token, String iqnPrefix, ImportSources imports) throws IOException {
        return start(address, volumes, token, iqnPrefix, null, imports);
    }

    /** @param space the free space a new workstation needs (the node's threshold); null: none is checked */
    public static AdminApi start(InetSocketAddress address, VolumeManager volumes, AdminToken token, String iqnPrefix, MinFreeSpace space,
                                 ImportSources imports) throws IOException {
        var workstations = new WorkstationResource(new Workstations(volumes), iqnPrefix, space);
        var groups = new GroupResource(volumes);
        return new AdminApi(HttpEndpoint.start(address, 16,
                exchange -> handle(exchange, volumes, token, imports, workstations, groups), "admin API", "/api/v1"));
    }

    /** A request the API refuses, with its status. */
    /** The client closed its connection before its request was read whole: there is no one to answer. */
    static final class ClientGone extends IOException {
        ClientGone(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    static final class Refused extends Exception {
        final int status;

        Refused(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private static void handle(HttpExchange ex, VolumeManager volumes, AdminToken token, ImportSources imports,
                               WorkstationResource workstations, GroupResource groups) throws IOException {
        try (ex) {
            int status;
            Object body;
            try {
                if (!token.matches(ex.getRequestHeaders().getFirst("Authorization"))) {
                    ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"icbd\"");
                    throw new Refused(401, "missing or wrong bearer token");
                }
                List<String> path = segments(ex.getRequestURI().getPath());
                Object result = path.size() >= 3 && path.get(2).equals("workstations")
                        ? workstations.route(ex.getRequestMethod(), path.subList(3, path.size()), ex)
                        : path.size() >= 3 && path.get(2).equals("groups") ? groups.route(ex.getRequestMethod(), path.subList(3, path.size()), ex)
                        : route(ex.getRequestMethod(), path, ex, volumes, imports);
                status = result == null ? 204 : ex.getRequestMethod().equals("POST") ? 201 : 200;
                body = result;
            } catch (Refused r) {
                status = r.status;
                body = Map.of("error", r.getMessage());
            } catch (VolumeException e) {
                status = switch (e.kind()) {
                    case INVALID -> 400;
                    case NOT_FOUND -> 404;
                    case CONFLICT -> 409;
                    case NO_SPACE -> 507; // refused on purpose, not a failure: space must be freed first
                    case FAILED -> 500;
                };
                body = Map.of("error", e.getMessage());
            } catch (ClientGone e) {
                log.info("admin request {} {}: the client left before sending its whole body ({})",
                        ex.getRequestMethod(), ex.getRequestURI(), e.getMessage());
                return;
            } catch (IOException | RuntimeException e) {
                log.error("admin request {} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
                status = 500;
                body = Map.of("error", String.valueOf(e.getMessage()));
            }
            respond(ex, status, body);
        }
    }

    private static List<String> segments(String path) {
        return Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
    }

    private static Object route(String method, List<String> p, HttpExchange ex, VolumeManager volumes, ImportSources imports)
            throws IOException, Refused {
        if (p.size() < 3 || !p.get(0).equals("api") || !p.get(1).equals("v1")) throw new Refused(404, "no such resource; see /api/v1/images, /api/v1/clones and /api/v1/luns");
        String kind = p.get(2);
        List<String> rest = p.subList(3, p.size());
        if (kind.equals("images")) {
            if (rest.isEmpty()) {
                if (method.equals("GET")) return volumes.state().images().values();
                if (method.equals("POST")) {
                    JsonNode in = body(ex);
                    VolumeName name = new VolumeName(text(in, "name"));
                    return volumes.importImage(name, imports.resolve(text(in, "source")), done -> { });
                }
                throw notAllowed(ex, "GET, POST");
            }
            VolumeName name = new VolumeName(rest.get(0));
            if (rest.size() == 1) {
                if (method.equals("GET")) return volumes.imageInfo(name);
                if (method.equals("DELETE")) {
                    volumes.deleteImage(name);
                    return null;
                }
                if (method.equals("POST")) { // {"current": N}: a rollback (0: follow the newest)
                    JsonNode current = body(ex).get("current");
                    if (current == null || !current.isIntegralNumber() || !current.canConvertToInt() || current.intValue() < 0) {
                        throw new Refused(400, "'current' is required: a version number, or 0 to follow the newest");
                    }
                    return new ImageMaintenance(volumes).setCurrent(name, current.intValue());
                }
                throw notAllowed(ex, "GET, POST, DELETE");
            }
            if (rest.size() == 2 && rest.get(1).equals("versions")) {
                if (!method.equals("POST")) throw notAllowed(ex, "POST");
                int v = volumes.publish(name);
                return Map.of("image", name.value(), "version", v);
            }
            if (rest.size() == 2 && rest.get(1).equals("edit")) {
                if (method.equals("POST")) return new ImageMaintenance(volumes).edit(name, new VolumeName(text(body(ex), "workstation")));
                if (method.equals("DELETE")) return Map.of("image", name.value(), "workstation", new ImageMaintenance(volumes).done(name));
                throw notAllowed(ex, "POST, DELETE");
            }
            if (rest.size() == 2 && rest.get(1).equals("prune")) {
                if (!method.equals("POST")) throw notAllowed(ex, "POST");
                JsonNode keep = body(ex).get("keep");
                if (keep == null) throw new Refused(400, "'keep' is required: how many of the newest versions to keep");
                return new ImageMaintenance(volumes).prune(name, positiveInt(keep, "keep"));
            }
        } else if (kind.equals("clones")) {
            if (rest.isEmpty()) {
                if (method.equals("GET")) return volumes.state().clones().values();
                if (method.equals("POST")) {
                    JsonNode in = body(ex);
                    int version = in.has("version") ? positiveInt(in.get("version"), "version") : 0;
                    return volumes.createClone(new VolumeName(text(in, "image")), version, new VolumeName(text(in, "name")));
                }
                throw notAllowed(ex, "GET, POST");
            }
            VolumeName name = new VolumeName(rest.get(0));
            if (rest.size() == 1) {
                if (method.equals("GET")) return volumes.cloneInfo(name);
                if (method.equals("DELETE")) {
                    volumes.deleteClone(name);
                    return null;
                }
                throw notAllowed(ex, "GET, DELETE");
            }
            if (rest.size() == 2 && rest.get(1).equals("reset")) {
                if (!method.equals("POST")) throw notAllowed(ex, "POST");
                volumes.resetClone(name);
                return null;
            }
        } else if (kind.equals("luns")) {
            return luns(method, rest, ex, volumes);
        }
        throw new Refused(404, "no such resource: " + String.join("/", p));
    }

    /** {@code GET|POST /api/v1/luns}, {@code DELETE /api/v1/luns/IQN/N}: the catalog's LUN maps. */
    private static Object luns(String method, List<String> rest, HttpExchange ex, VolumeManager volumes) throws IOException, Refused {
        if (rest.isEmpty()) {
            if (method.equals("GET")) return volumes.state().luns();
            if (!method.equals("POST")) throw notAllowed(ex, "GET, POST");
            JsonNode in = body(ex);
            String target = iqn(text(in, "target"));
            long lun = in.has("lun") ? in.get("lun").asLong(-1) : -1;
            if (in.has("lun") && (lun < 0 || !in.get("lun").isIntegralNumber())) throw new Refused(400, "lun must be a number from 0");
            boolean clone = in.has("clone");
            if (clone == in.has("version")) throw new Refused(400, "give exactly one of 'clone' and 'version'");
            if (clone) return volumes.mapLun(target, lun, new VolumeName(text(in, "clone")), null, 0);
            VersionSpec v = VersionSpec.parse(text(in, "version"));
            return volumes.mapLun(target, lun, null, v.image(), v.version());
        }
        if (rest.size() == 2) {
            if (!method.equals("DELETE")) throw notAllowed(ex, "DELETE");
            long lun;
            try {
                lun = Long.parseLong(rest.get(1));
            } catch (NumberFormatException e) {
                throw new Refused(400, "not a LUN number: " + rest.get(1));
            }
            volumes.unmapLun(iqn(rest.get(0)), lun);
            return null;
        }
        throw new Refused(404, "no such resource; LUN maps are /api/v1/luns and /api/v1/luns/IQN/N");
    }

    private static String iqn(String name) throws Refused {
        Optional<String> bad = IscsiNames.problem(name);
        if (bad.isPresent()) throw new Refused(400, "target: " + bad.get());
        return name;
    }

    static Refused notAllowed(HttpExchange ex, String allow) {
        ex.getResponseHeaders().set("Allow", allow);
        return new Refused(405, "method not allowed here; use " + allow);
    }

    static JsonNode body(HttpExchange ex) throws IOException, Refused {
        byte[] raw;
        try (InputStream in = ex.getRequestBody()) {
            raw = in.readNBytes(MAX_BODY + 1);
        } catch (IOException e) {
            throw new ClientGone(e);
        }
        if (raw.length > MAX_BODY) throw new Refused(413, "request body over " + MAX_BODY + " bytes");
        try {
            JsonNode n = JSON.readTree(raw);
            if (n == null || !n.isObject()) throw new Refused(400, "expected a JSON object");
            return n;
        } catch (JsonProcessingException e) {
            throw new Refused(400, "not valid JSON: " + e.getOriginalMessage());
        }
    }

    static String text(JsonNode n, String key) throws Refused {
        JsonNode v = n.get(key);
        if (v == null || !v.isTextual()) throw new Refused(400, "'" + key + "' is required (a string)");
        return v.asText();
    }

    /** A JSON integer from 1 up; Jackson's asInt would read {@code true} as 1 and {@code "3"} as 3. */
    private static int positiveInt(JsonNode v, String key) throws Refused {
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 1) {
            throw new Refused(400, "'" + key + "' must be a whole number from 1; got " + v);
        }
        return v.intValue();
    }

    private static void respond(HttpExchange ex, int status, Object body) throws IOException {
        if (body == null) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    public InetSocketAddress boundAddress() {
        return http.boundAddress();
    }

    @Override
    public void close() {
        http.close();
    }
}
