package org.icbd.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.icbd.failover.ClusterPaths;
import org.icbd.iscsi.IscsiSettings;
import org.icbd.volume.VolumeLayout;

/**
 * Reads {@code icbd.yaml} into an {@link IcbdConfig}: every key is checked here, at the edge,
 * and the first problem is reported with its key path and the fix. Relative image paths are
 * resolved against the directory of the file, so a config and its images can move together.
 */
public final class ConfigLoader {

    private static final Set<String> ROOT_KEYS = Set.of("portals", "metrics", "iscsi", "discovery", "targets", "data-root", "cache", "admin",
            "cluster", "workstations");
    private static final Set<String> ISCSI_KEYS = Set.of("max-sessions", "queue-depth", "max-recv-data-segment-length",
            "max-burst-length", "first-burst-length", "immediate-data", "initial-r2t", "login-timeout",
            "nop-interval", "nop-timeout", "max-command-bytes", "data-out-timeout", "send-timeout",
            "reply-queue-bytes");
    private static final Set<String> DISCOVERY_KEYS = Set.of("chap");
    private static final Set<String> CACHE_KEYS = Set.of("size-mib", "chunk-kib");
    private static final Set<String> ADMIN_KEYS = Set.of("listen", "token-file", "import-dirs");
    private static final Set<String> CLUSTER_KEYS = Set.of("name", "node", "zookeeper", "session-timeout", "virtual-ip", "interface",
            "replication");
    private static final Set<String> REPLICATION_KEYS = Set.of("listen", "secret-file", "interval", "mode", "diverged-keep",
            "diverged-max-age");
    private static final Pattern CIDR4 = Pattern.compile(
            "((25[0-5]|2[0-4]\\d|1?\\d?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1?\\d?\\d)/(3[0-2]|[12]?\\d)");
    private static final Pattern IFACE = Pattern.compile("[A-Za-z0-9_.-]{1,15}");
    private static final Pattern ENSEMBLE = Pattern.compile(
            "[A-Za-z0-9.:\\[\\]-]+:\\d{1,5}(,[A-Za-z0-9.:\\[\\]-]+:\\d{1,5})*");
    private static final Set<String> TARGET_KEYS = Set.of("iqn", "alias", "luns", "chap", "mutual-chap", "allow", "open");
    private static final Set<String> LUN_KEYS = Set.of("lun", "path", "clone", "version", "read-only", "block-size", "cache",
            "replication");
    private static final Set<String> CHAP_KEYS = Set.of("user", "secret");
    /** RFC 7143 §13: data segment and burst lengths are 512 to 2^24-1 bytes. */
    private static final int MAX_ISCSI_LENGTH = (1 << 24) - 1;

    /** Where 'clone:' and 'version:' LUNs are looked up when the file does not say 'data-root:'. */
    public static final String DEFAULT_DATA_ROOT = "/var/lib/icbd";

    private final YAMLMapper yaml = YAMLMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

    public IcbdConfig load(Path file) throws ConfigException {
        return parse(read(file), baseDir(file));
    }

    private static String read(Path file) throws ConfigException {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file.toString(), "configuration file not found; pass --config FILE or create it");
        } catch (IOException e) {
            throw new ConfigException(file.toString(), "cannot read the configuration file: " + e.getMessage());
        }
    }

    /** A cluster node's settings and data root, read before its LUNs can be resolved. */
    public record ClusterHome(ClusterSettings cluster, Path dataRoot) {
    }

    /**
     * Only the 'cluster' section and the data root of {@code file}: a standby mirrors the leader's
     * catalog from ZooKeeper first, since its clone LUNs are resolved against that catalog.
     */
    public Optional<ClusterHome> clusterHome(Path file) throws ConfigException {
        JsonNode tree = tree(read(file));
        if (tree == null || !tree.isObject()) return Optional.empty();
        ConfigNode root = new ConfigNode(tree, "");
        Path baseDir = baseDir(file);
        Optional<ClusterSettings> cluster = cluster(root, baseDir);
        if (cluster.isEmpty()) return Optional.empty();
        return Optional.of(new ClusterHome(cluster.get(), dataRoot(root, baseDir)));
    }

    /** Relative paths in {@code file} are relative to its directory, so a config and its images can move together. */
    private static Path baseDir(Path file) {
        Path base = file.toAbsolutePath().getParent();
        return base != null ? base : Path.of("").toAbsolutePath();
    }

    private JsonNode tree(String text) throws ConfigException {
        try {
            return yaml.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : "line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new ConfigException(where, "not valid YAML: " + yamlProblem(e.getOriginalMessage()));
        }
    }

    private static Path dataRoot(ConfigNode root, Path baseDir) throws ConfigException {
        return root.has("data-root") ? baseDir.resolve(root.text("data-root")).normalize() : Path.of(DEFAULT_DATA_ROOT);
    }

    /** Parses YAML text; relative image paths resolve against {@code baseDir}. */
    public IcbdConfig parse(String text, Path baseDir) throws ConfigException {
        JsonNode tree = tree(text);
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            throw new ConfigException("", "the configuration is empty; it needs at least 'targets:'");
        }
        ConfigNode root = new ConfigNode(tree, "").requireMapping(ROOT_KEYS);
        Optional<ClusterSettings> cluster = cluster(root, baseDir);
        List<HostPort> portals = cluster.isPresent()
                ? List.of(new HostPort(cluster.get().virtualAddress(), IcbdConfig.ISCSI_PORT)) : portals(root);
        Optional<HostPort> metrics = metrics(root);
        IscsiSettings iscsi = root.has("iscsi") ? iscsi(root.child("iscsi")) : IscsiSettings.defaults();
        Optional<ChapConfig> discovery = Optional.empty();
        if (root.has("discovery")) {
            ConfigNode d = root.child("discovery").requireMapping(DISCOVERY_KEYS);
            if (d.has("chap")) discovery = Optional.of(chap(d.child("chap")));
        }
        Path dataRoot = dataRoot(root, baseDir);
        VolumeLuns volumes = new VolumeLuns(dataRoot, root.has("data-root") ? "data-root" : "data-root (default " + DEFAULT_DATA_ROOT + ")");
        List<TargetConfig> targets = targets(root, baseDir, volumes, cluster.isPresent());
        requireAuthWhenExposed(root, portals, targets);
        if (cluster.isPresent()) requireReplicableInCluster(root, targets, cluster.get(), dataRoot);
        return new IcbdConfig(portals, metrics, iscsi, discovery, targets, cache(root), admin(root, dataRoot, baseDir), dataRoot,
                cluster, WorkstationConfig.parse(root));
    }

    /**
     * {@code cluster: {name, node, zookeeper, virtual-ip, interface, session-timeout}}. The virtual IP is
     * the cluster's only portal, so 'portals' and 'cluster' exclude each other.
     */
    private static Optional<ClusterSettings> cluster(ConfigNode root, Path baseDir) throws ConfigException {
        if (!root.has("cluster")) return Optional.empty();
        ConfigNode c = root.child("cluster").requireMapping(CLUSTER_KEYS);
        if (root.has("portals")) {
            throw root.error("portals", "a cluster serves on its virtual IP only (cluster.virtual-ip, port 3260); remove 'portals'");
        }
        String name = c.text("name");
        Optional<String> badName = ClusterPaths.nameProblem("cluster name", name);
        if (badName.isPresent()) throw c.error("name", badName.get());
        String node = c.text("node");
        Optional<String> badNode = ClusterPaths.nameProblem("node id", node);
        if (badNode.isPresent()) throw c.error("node", badNode.get());
        String zk = c.text("zookeeper").strip();
        if (!ENSEMBLE.matcher(zk).matches()) {
            throw c.error("zookeeper", "expected the ensemble as host:port[,host:port...], e.g. 10.0.0.1:2181,10.0.0.2:2181,10.0.0.3:2181; got '" + zk + "'");
        }
        Duration timeout = c.duration("session-timeout", ClusterSettings.DEFAULT_SESSION_TIMEOUT, Duration.ofSeconds(1));
        String vip = c.text("virtual-ip").strip();
        if (!CIDR4.matcher(vip).matches()) {
            throw c.error("virtual-ip", "expected an IPv4 address with its prefix length, e.g. 10.0.0.100/24; got '" + vip + "'");
        }
        String iface = c.text("interface").strip();
        if (!IFACE.matcher(iface).matches()) throw c.error("interface", "expected a network interface name such as eth0; got '" + iface + "'");
        Optional<ClusterSettings.Replication> replication = Optional.empty();
        if (c.has("replication")) {
            ConfigNode r = c.child("replication").requireMapping(REPLICATION_KEYS);
            if (!r.has("listen")) throw r.error("listen", "is required: this node's address for receiving checkpoints, e.g. 10.0.0.2:3270");
            HostPort listen = hostPort(r.child("listen"), 3270);
            Path secretFile = baseDir.resolve(r.text("secret-file")).normalize();
            byte[] secret;
            try {
                secret = Files.readAllBytes(secretFile);
            } catch (IOException e) {
                throw r.error("secret-file", "cannot read " + secretFile + ": " + e.getMessage()
                        + "; make one shared by all nodes, e.g. head -c 32 /dev/urandom > FILE; chmod 600 FILE");
            }
            if (secret.length < 16) throw r.error("secret-file", secretFile + " holds " + secret.length + " bytes; the cluster secret needs at least 16");
            Duration interval = r.duration("interval", ClusterSettings.Replication.DEFAULT_INTERVAL, Duration.ofSeconds(1));
            boolean sync = !r.has("mode") || replicationMode(r, "mode");
            ClusterSettings.Diverged diverged = new ClusterSettings.Diverged(
                    (int) r.integer("diverged-keep", ClusterSettings.Diverged.DEFAULT.keep(), 0, 1000),
                    r.duration("diverged-max-age", ClusterSettings.Diverged.DEFAULT.maxAge(), Duration.ofMinutes(1)));
            replication = Optional.of(new ClusterSettings.Replication(listen, secret, interval, sync, diverged));
        }
        return Optional.of(new ClusterSettings(name, node, zk, timeout, vip, iface, replication));
    }

    /**
     * A writable LUN in a cluster must be a clone (a btrfs subvolume the leader can checkpoint and send)
     * and the cluster must say how to replicate it; anything else would lose its writes on failover.
     */
    private static void requireReplicableInCluster(ConfigNode root, List<TargetConfig> targets, ClusterSettings cluster,
                                                   Path dataRoot) throws ConfigException {
        List<ConfigNode> nodes = root.list("targets");
        Path clones = new VolumeLayout(dataRoot).clones();
        for (int i = 0; i < targets.size(); i++) {
            for (int j = 0; j < targets.get(i).luns().size(); j++) {
                LunConfig lun = targets.get(i).luns().get(j);
                if (lun.readOnly()) continue;
                String where = lunSource(nodes.get(i), lun.lun());
                Path volume = lun.path().getParent();
                if (volume == null || !clones.equals(volume.getParent())) {
                    throw new ConfigException(where, "LUN " + lun.lun() + " is writable but not a clone; in a cluster a writable"
                            + " LUN must be 'clone: NAME' (a subvolume that can be replicated) or 'read-only: true'");
                }
                if (cluster.replication().isEmpty()) {
                    throw new ConfigException(where, "LUN " + lun.lun() + " is writable; add cluster.replication (listen,"
                            + " secret-file) so its writes reach the standby, or serve it read-only");
                }
            }
        }
    }

    /**
     * Where LUN {@code number} of {@code target} comes from, for an error: its entry under {@code luns:}, or,
     * for a LUN the catalog maps onto the target ('icbd lun map'), the target itself. The target's LUNs are
     * sorted by number and may mix both, so a LUN's position says nothing about its entry.
     */
    private static String lunSource(ConfigNode target, long number) throws ConfigException {
        List<ConfigNode> listed = target.has("luns") ? target.list("luns") : List.of();
        for (int k = 0; k < listed.size(); k++) {
            ConfigNode l = listed.get(k);
            long n = !l.isValue() && l.has("lun") ? l.integer("lun", k, 0, LunConfig.MAX_LUN) : k;
            if (n == number) return l.path();
        }
        return target.path() + " (LUN " + number + ", mapped with 'icbd lun map')";
    }

    /** SnakeYAML's message without the quoted excerpts: the line and column already say where. */
    private static String yamlProblem(String message) {
        return String.join("; ", message.lines().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("in 'reader'") && !l.chars().allMatch(c -> c == '^')).toList());
    }

    private static List<HostPort> portals(ConfigNode root) throws ConfigException {
        List<ConfigNode> nodes = root.list("portals");
        if (nodes.isEmpty()) return List.of(IcbdConfig.DEFAULT_PORTAL);
        List<HostPort> out = new ArrayList<>();
        for (ConfigNode n : nodes) {
            HostPort hp = hostPort(n, IcbdConfig.ISCSI_PORT);
            if (out.contains(hp)) throw n.error("portal " + hp + " is listed twice");
            out.add(hp);
        }
        return out;
    }

    private static Optional<HostPort> metrics(ConfigNode root) throws ConfigException {
        if (!root.has("metrics")) return Optional.of(IcbdConfig.DEFAULT_METRICS);
        ConfigNode m = root.child("metrics");
        JsonNode raw = m.raw();
        if (raw.isBoolean() && !raw.asBoolean()) return Optional.empty();
        if (raw.isTextual() && Set.of("off", "false", "no", "none").contains(raw.asText().strip().toLowerCase())) {
            return Optional.empty();
        }
        return Optional.of(hostPort(m, IcbdConfig.DEFAULT_METRICS.port()));
    }

    /** {@code admin: {listen: 127.0.0.1:9261, token-file: FILE, import-dirs: [DIR...]}}; off unless configured. */
    private static Optional<AdminSettings> admin(ConfigNode root, Path dataRoot, Path baseDir) throws ConfigException {
        if (!root.has("admin")) return Optional.empty();
        ConfigNode a = root.child("admin").requireMapping(ADMIN_KEYS);
        if (!a.has("listen")) throw a.error("listen", "is required, e.g. 127.0.0.1:9261");
        HostPort listen = hostPort(a.child("listen"), 9261);
        Path token = a.has("token-file") ? baseDir.resolve(a.text("token-file")).normalize() : dataRoot.resolve("admin.token");
        List<Path> importDirs = new ArrayList<>();
        for (ConfigNode d : a.list("import-dirs")) importDirs.add(baseDir.resolve(d.asText()).normalize());
        if (a.has("import-dirs") && importDirs.isEmpty()) {
            throw a.error("import-dirs", "needs at least one directory; leave the key out for " + dataRoot.resolve("import"));
        }
        if (importDirs.isEmpty()) importDirs.add(dataRoot.resolve("import"));
        return Optional.of(new AdminSettings(listen, token, importDirs));
    }

    /** {@code cache: off}, or {@code cache: {size-mib: 2048, chunk-kib: 64}}; on with a quarter of the heap by default. */
    private static CacheSettings cache(ConfigNode root) throws ConfigException {
        CacheSettings d = CacheSettings.defaults();
        if (!root.has("cache")) return d;
        ConfigNode c = root.child("cache");
        JsonNode raw = c.raw();
        if ((raw.isBoolean() && !raw.asBoolean())
                || (raw.isTextual() && Set.of("off", "false", "no", "none").contains(raw.asText().strip().toLowerCase()))) {
            return CacheSettings.off();
        }
        c.requireMapping(CACHE_KEYS);
        long sizeMib = c.integer("size-mib", d.maxBytes() >> 20, 16, Long.MAX_VALUE >> 20);
        var tooBig = CacheSettings.sizeProblem(sizeMib);
        if (tooBig.isPresent()) throw c.error("size-mib", tooBig.get());
        long chunkKib = c.integer("chunk-kib", d.chunkSize() >> 10, 4, 1024);
        if (Long.bitCount(chunkKib) != 1) throw c.error("chunk-kib", "must be a power of two (4 to 1024); got " + chunkKib);
        return new CacheSettings(true, sizeMib << 20, (int) chunkKib << 10);
    }

    static HostPort hostPort(ConfigNode n, int defaultPort) throws ConfigException {
        try {
            return HostPort.parse(n.asText(), defaultPort);
        } catch (IllegalArgumentException e) {
            throw n.error(e.getMessage());
        }
    }

    private static IscsiSettings iscsi(ConfigNode n) throws ConfigException {
        n.requireMapping(ISCSI_KEYS);
        IscsiSettings d = IscsiSettings.defaults();
        int maxRecv = (int) n.integer("max-recv-data-segment-length", d.maxRecvDataSegmentLength(), 512, MAX_ISCSI_LENGTH);
        int maxBurst = (int) n.integer("max-burst-length", d.maxBurstLength(), 512, MAX_ISCSI_LENGTH);
        int firstBurst = (int) n.integer("first-burst-length", Math.min(d.firstBurstLength(), maxBurst), 512, MAX_ISCSI_LENGTH);
        if (firstBurst > maxBurst) {
            throw n.error("first-burst-length", "must not exceed max-burst-length (" + maxBurst + ", RFC 7143 §13.14); got " + firstBurst);
        }
        Duration nopInterval = n.duration("nop-interval", d.nopInterval(), Duration.ofSeconds(1));
        return new IscsiSettings(
                (int) n.integer("max-sessions", d.maxSessions(), 1, 65535),
                (int) n.integer("queue-depth", d.queueDepth(), 1, 4096),
                maxRecv, maxBurst, firstBurst,
                n.bool("immediate-data", d.immediateData()),
                n.bool("initial-r2t", d.initialR2T()),
                n.duration("login-timeout", d.loginTimeout(), Duration.ofSeconds(1)),
                nopInterval,
                n.duration("nop-timeout", d.nopTimeout(), Duration.ofSeconds(1)),
                (int) n.integer("max-command-bytes", d.maxCommandBytes(), 65536, 1 << 30),
                n.duration("data-out-timeout", d.dataOutTimeout(), Duration.ofSeconds(1)),
                n.duration("send-timeout", d.sendTimeout(), Duration.ofSeconds(1)),
                (int) n.integer("reply-queue-bytes", d.replyQueueBytes(), 65536, 1 << 30));
    }

    /** @param inCluster a clone's or version's image may be missing: a standby gets it by replication */
    private static List<TargetConfig> targets(ConfigNode root, Path baseDir, VolumeLuns volumes, boolean inCluster)
            throws ConfigException {
        // an explicit empty list is a node that serves nothing yet (a fresh appliance, before its first image);
        // a missing key is more likely a typo ('target:') than that
        if (!root.has("targets") && root.has("workstations")) return List.of(); // each workstation is a target of its own
        if (!root.has("targets")) throw root.error("targets", "is required: list the targets with their luns ('targets: []' for none yet)");
        JsonNode raw = root.child("targets").raw();
        if (!raw.isArray()) throw root.error("targets", "expected a list of targets (lines starting with '- iqn: ...')");
        List<ConfigNode> nodes = root.list("targets");
        List<TargetConfig> out = new ArrayList<>();
        Map<String, String> iqnAt = new HashMap<>();
        Map<Path, String> writableAt = new HashMap<>();
        Map<Path, String> anyAt = new HashMap<>();
        for (ConfigNode t : nodes) {
            TargetConfig target = target(t, baseDir, volumes, inCluster);
            String seen = iqnAt.putIfAbsent(target.iqn(), t.pathOf("iqn"));
            if (seen != null) throw t.error("iqn", "target " + target.iqn() + " is already defined at " + seen);
            for (int i = 0; i < target.luns().size(); i++) {
                LunConfig lun = target.luns().get(i);
                String here = t.path() + ".luns[" + i + "].path";
                String rw = writableAt.get(lun.path());
                String other = anyAt.get(lun.path());
                // two LUNs writing one file corrupt it; two readers of a file another LUN writes see torn data
                if (rw != null || (other != null && !lun.readOnly())) {
                    throw new ConfigException(here, lun.path() + " is also served at " + (rw != null ? rw : other)
                            + "; a file written through one LUN must not back another");
                }
                anyAt.putIfAbsent(lun.path(), here);
                if (!lun.readOnly()) writableAt.put(lun.path(), here);
            }
            out.add(target);
        }
        return out;
    }

    /**
     * Security by default: a target reachable from the network must name who may use it (CHAP or an
     * initiator allow list). Serving disks to anyone on the LAN is a choice the operator writes down
     * ({@code open: true}), never an accident of a missing key.
     */
    private static void requireAuthWhenExposed(ConfigNode root, List<HostPort> portals, List<TargetConfig> targets)
            throws ConfigException {
        Optional<HostPort> exposed = portals.stream().filter(p -> !HostPort.isLoopback(p.host())).findFirst();
        if (exposed.isEmpty()) return;
        List<ConfigNode> nodes = root.list("targets");
        for (int i = 0; i < targets.size(); i++) {
            TargetConfig t = targets.get(i);
            ConfigNode n = nodes.get(i);
            boolean open = n.bool("open", false);
            if (t.chap().isEmpty() && t.allowedInitiators().isEmpty() && !open) {
                throw new ConfigException(n.path(), "target " + t.iqn() + " would be reachable from the network on "
                        + exposed.get() + " without authentication; add 'chap: {user: ..., secret: ...}' or"
                        + " 'allow: [initiator IQNs]', or set 'open: true' to serve it to anyone");
            }
        }
    }

    private static TargetConfig target(ConfigNode t, Path baseDir, VolumeLuns volumes, boolean inCluster) throws ConfigException {
        t.requireMapping(TARGET_KEYS);
        String iqn = t.text("iqn");
        Optional<String> bad = IscsiNames.problem(iqn);
        if (bad.isPresent()) throw t.error("iqn", bad.get());
        String alias = t.optText("alias").orElse("");
        if (alias.length() > 255) throw t.error("alias", "must be at most 255 characters; got " + alias.length());
        Optional<ChapConfig> chap = t.has("chap") ? Optional.of(chap(t.child("chap"))) : Optional.empty();
        Optional<ChapConfig> mutual = t.has("mutual-chap") ? Optional.of(chap(t.child("mutual-chap"))) : Optional.empty();
        if (mutual.isPresent() && chap.isEmpty()) {
            throw t.error("mutual-chap", "needs 'chap' too: the target only proves itself to an initiator that proved itself first");
        }
        if (mutual.isPresent() && mutual.get().secret().equals(chap.get().secret())) {
            throw t.error("mutual-chap.secret", "must differ from chap.secret (RFC 7143 §9.2.1 forbids one secret for both directions)");
        }
        List<String> allow = new ArrayList<>();
        for (ConfigNode a : t.list("allow")) {
            String name = a.asText();
            Optional<String> p = IscsiNames.problem(name);
            if (p.isPresent()) throw a.error(p.get());
            allow.add(name);
        }
        return new TargetConfig(iqn, alias, luns(t, iqn, baseDir, volumes, inCluster), chap, mutual, allow);
    }

    private static List<LunConfig> luns(ConfigNode t, String iqn, Path baseDir, VolumeLuns volumes, boolean inCluster)
            throws ConfigException {
        List<ConfigNode> nodes = t.has("luns") ? t.list("luns") : List.of();
        List<LunConfig> out = new ArrayList<>();
        Set<Long> numbers = new HashSet<>();
        for (int i = 0; i < nodes.size(); i++) {
            ConfigNode l = nodes.get(i);
            // "- /path/to/file.img" is shorthand for "- path: /path/to/file.img"
            if (l.isValue()) l = new ConfigNode(JsonNodeFactory.instance.objectNode().put("path", l.asText()), l.path());
            l.requireMapping(LUN_KEYS);
            long number = l.integer("lun", i, 0, LunConfig.MAX_LUN);
            if (!numbers.add(number)) throw l.error("lun", "LUN " + number + " is used twice in this target; give each LUN its own number");
            List<String> sources = Stream.of("path", "clone", "version").filter(l::has).toList();
            if (sources.size() != 1) {
                throw l.error(sources.isEmpty() ? "give 'path: FILE', 'clone: NAME' or 'version: IMAGE@N'"
                        : "has " + String.join(" and ", sources) + "; give exactly one of path, clone, version");
            }
            String source = sources.get(0);
            String text = l.text(source);
            if (text.isBlank()) throw l.error(source, "is empty");
            boolean readOnly = l.bool("read-only", source.equals("version"));
            if (source.equals("version") && !readOnly) {
                throw l.error("read-only", "a published version is immutable and always served read-only;"
                        + " serve a clone of it to write ('icbd clone create')");
            }
            int blockSize = (int) l.integer("block-size", 512, 0, Integer.MAX_VALUE);
            if (blockSize != 512 && blockSize != 4096) throw l.error("block-size", "must be 512 or 4096; got " + blockSize);
            boolean cached = l.bool("cache", true);
            LunConfig lun = switch (source) {
                case "clone" -> volumes.clone(l, number, text, blockSize, cached);
                case "version" -> volumes.version(l, number, text, blockSize, cached);
                default -> new LunConfig(number, baseDir.resolve(text).normalize(), readOnly, blockSize, null, null, cached);
            };
            if (readOnly && !lun.readOnly()) {
                lun = new LunConfig(lun.lun(), lun.path(), true, blockSize, lun.identity(), lun.base(), cached);
            }
            // a standby gets clones and versions by replication (and may not lead before it has them)
            boolean arrivesByReplication = inCluster && !source.equals("path") && !Files.exists(lun.path());
            Optional<String> p = arrivesByReplication ? Optional.empty() : ImageFiles.problem(lun.path(), readOnly, blockSize);
            if (p.isPresent()) throw l.error(source, p.get());
            if (l.has("replication")) lun = lun.withSyncReplication(lunReplication(l, source, readOnly, inCluster));
            out.add(lun);
        }
        for (LunConfig mapped : volumes.mapped(t, iqn)) {
            if (!numbers.add(mapped.lun())) {
                throw t.error("luns", "LUN " + mapped.lun() + " is listed here and also mapped with 'icbd lun map';"
                        + " unmap it or give the listed one another number");
            }
            out.add(mapped);
        }
        if (out.isEmpty()) {
            throw t.error("luns", (t.has("luns") ? "is empty" : "is required") + ": list the image files this target serves,"
                    + " or map volumes onto it with 'icbd lun map --target " + iqn + "'");
        }
        out.sort(Comparator.comparingLong(LunConfig::lun));
        return out;
    }

    /** A LUN's own {@code replication: sync|async}: only a writable clone in a cluster is replicated. */
    private static boolean lunReplication(ConfigNode l, String source, boolean readOnly, boolean inCluster) throws ConfigException {
        if (!inCluster) throw l.error("replication", "only applies in a cluster (add 'cluster:' or remove this key)");
        if (!source.equals("clone") || readOnly) {
            throw l.error("replication", "only a writable clone is replicated; a read-only LUN or a plain file has nothing"
                    + " to replicate (remove this key)");
        }
        return replicationMode(l, "replication");
    }

    /** {@code sync|async} at {@code key} of {@code n} (cluster.replication.mode, or a LUN's replication). */
    private static boolean replicationMode(ConfigNode n, String key) throws ConfigException {
        String mode = n.text(key).strip();
        if (!mode.equals("sync") && !mode.equals("async")) {
            throw n.error(key, "expected sync (every write is on a standby before it is acknowledged; the default) or async"
                    + " (checkpoints only; a promoted clone is held until released); got '" + mode + "'");
        }
        return mode.equals("sync");
    }

    static ChapConfig chap(ConfigNode c) throws ConfigException {
        c.requireMapping(CHAP_KEYS);
        String user = c.text("user");
        Optional<String> p = ChapConfig.userProblem(user);
        if (p.isPresent()) throw c.error("user", p.get());
        String secret = c.text("secret");
        p = ChapConfig.secretProblem(secret);
        if (p.isPresent()) throw c.error("secret", p.get());
        return new ChapConfig(user, secret);
    }
}
