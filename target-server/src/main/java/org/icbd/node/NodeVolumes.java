package org.icbd.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.BooleanSupplier;
import org.icbd.config.ConfigException;
import java.net.InetSocketAddress;
import org.icbd.config.HostPort;
import org.icbd.config.StaticTargetRegistry;
import org.icbd.config.WorkstationSettings;
import org.icbd.iscsi.TargetRegistry;
import org.icbd.volume.CatalogState;
import org.icbd.workstation.BootEndpoint;
import org.icbd.workstation.BootService;
import org.icbd.workstation.MinFreeSpace;
import org.icbd.workstation.Workstations;
import org.icbd.workstation.WorkstationTargets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.icbd.volume.CatalogState;
import org.icbd.volume.VolumeManager;

/**
 * A data root as a running node holds it: one {@link VolumeManager} whose resets switch the clones
 * this node serves ({@link ServedClones}), and the control socket through which the CLI asks the node
 * for such changes instead of making them behind its back.
 */
public final class NodeVolumes implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeVolumes.class);

    /** What a node makes of a changed catalog before it serves it; hands back the state to serve. */
    @FunctionalInterface
    public interface Preparation {
        CatalogState prepare(CatalogState state) throws IOException;
    }

    private final VolumeManager volumes;
    private final ServedClones served;
    private final Preparation preparation;
    private NodeControl control;
    private WorkstationTargets workstations;
    private LiveLunMaps lunMaps;
    private MinFreeSpace space;
    /** Whether {@link #space} outlives this object (a cluster node's, watched across its leaderships). */
    private boolean spaceBorrowed;
    private BootEndpoint boot;

    private NodeVolumes(VolumeManager volumes, ServedClones served, Preparation preparation) {
        this.volumes = volumes;
        this.served = served;
        this.preparation = preparation;
    }

    /**
     * {@code volumes} as a cluster's leader serves them: its catalog is the cluster's; {@code preparation}
     * makes the disks of workstations added elsewhere and has them replicated before they are served.
     *
     * @param space the node's watched free space (its metrics registered once per process), left open at
     *              {@link #close()}; null: the threshold is only asked, nothing logs or counts its crossings
     */
    static NodeVolumes leading(VolumeManager volumes, StaticTargetRegistry.DeviceOpener opener, Preparation preparation,
                               MinFreeSpace space) {
        ServedClones served = new ServedClones(volumes, opener);
        volumes.serveClonesTo(served);
        NodeVolumes leading = new NodeVolumes(volumes, served, preparation);
        leading.space = space;
        leading.spaceBorrowed = true;
        return leading;
    }

    /** The data root, when it exists (a node serving plain image files only has none). */
    public static NodeVolumes open(Path dataRoot, StaticTargetRegistry.DeviceOpener opener) throws ConfigException {
        if (!Files.isDirectory(dataRoot)) return null;
        try {
            VolumeManager volumes = VolumeManager.open(dataRoot);
            ServedClones served = new ServedClones(volumes, opener);
            volumes.serveClonesTo(served);
            return new NodeVolumes(volumes, served, state -> state);
        } catch (IOException e) {
            throw new ConfigException("data-root", "cannot open " + dataRoot + ": " + e.getMessage(), e);
        }
    }

    public VolumeManager volumes() {
        return volumes;
    }

    public ServedClones served() {
        return served;
    }

    /**
     * The configuration's targets plus one per workstation of the catalog, kept in step with every
     * change this node makes or the CLI reports.
     */
    public TargetRegistry withWorkstations(TargetRegistry configured, int maxTransferBytes) {
        workstations = new WorkstationTargets(configured, served, maxTransferBytes);
        volumes.onChange(this::catalogChanged);
        catalogChanged();
        return workstations;
    }

    /**
     * From now on the catalog's LUN maps of {@code configured}'s targets change while they serve ('icbd
     * lun map' and 'lun unmap' through the CLI or the admin API take effect at once).
     */
    public void applyLunMapsTo(StaticTargetRegistry configured) throws ConfigException {
        applyLunMapsTo(configured, LiveLunMaps.CloneMaps.NONE);
    }

    /** As {@link #applyLunMapsTo(StaticTargetRegistry)}; {@code cloneMaps} is told of each clone map's LUN opening and closing. */
    void applyLunMapsTo(StaticTargetRegistry configured, LiveLunMaps.CloneMaps cloneMaps) throws ConfigException {
        try {
            lunMaps = new LiveLunMaps(configured, served, volumes.state(), cloneMaps);
        } catch (IOException e) {
            throw new ConfigException("data-root", "cannot read the catalog in " + volumes.layout().root() + ": " + e.getMessage(), e);
        }
        volumes.onChange(this::catalogChanged);
        catalogChanged();
    }

    /**
     * Serves what the catalog says now (after a change made here, by the CLI, or, in a cluster, by any
     * node); what cannot be served is logged and handed back, one line each.
     */
    List<String> catalogChanged() {
        if (workstations == null && lunMaps == null) return List.of();
        try {
            CatalogState state = volumes.state();
            if (workstations != null) workstations.sync(preparation.prepare(state));
            return lunMaps == null ? List.of() : lunMaps.sync(state);
        } catch (IOException | RuntimeException e) {
            log.error("cannot read the catalog to serve what it says: {}", e.toString());
            return List.of("the node cannot read the catalog: " + e.getMessage());
        }
    }

    /**
     * Watches the data root's free space against {@code workstations.min-free-mib} (metrics, a log line at
     * each crossing); below it, the boot endpoint enrols nobody and the CLI adds no workstation.
     */
    public void watchSpace(WorkstationSettings settings, MeterRegistry meters) {
        space = watched(volumes.layout().root(), settings, meters);
    }

    /** The free space of {@code dataRoot} against {@code settings}' threshold, looked at every 5 s (crossings logged and counted). */
    static MinFreeSpace watched(Path dataRoot, WorkstationSettings settings, MeterRegistry meters) {
        return new MinFreeSpace(dataRoot, settings.minFreeBytes(), meters, Duration.ofSeconds(5));
    }

    /** The free space a new workstation needs, or null when nothing watches it here (no workstations). */
    public MinFreeSpace space() {
        return space;
    }

    /** Sessions of a removed (or rebooting) workstation are ended on {@code service}'s portals. */
    public void servedBy(IscsiService service) {
        if (workstations != null) workstations.endSessionsWith(service::endSessionsOf);
    }

    /**
     * Answers {@code GET /boot?mac=} as {@code settings} say; the script names {@code portal} (the
     * portal's own address, or the address the request came in on when it listens on every address).
     */
    public BootEndpoint startBoot(WorkstationSettings settings, InetSocketAddress portal) throws ConfigException {
        return startBoot(settings, portal, () -> true);
    }

    /** @param answering false while no request may be answered (a leader whose lease lapsed) */
    BootEndpoint startBoot(WorkstationSettings settings, InetSocketAddress portal, BooleanSupplier answering)
            throws ConfigException {
        HostPort listen = settings.boot().orElseThrow();
        var service = new BootService(new Workstations(volumes), workstations, settings, local -> settings.portal()
                .map(p -> new InetSocketAddress(p.host(), p.port()))
                .orElseGet(() -> portal.getAddress().isAnyLocalAddress() ? new InetSocketAddress(local.getAddress(), portal.getPort()) : portal),
                space != null ? space : MinFreeSpace.unwatched(volumes.layout().root(), settings.minFreeBytes()));
        try {
            boot = BootEndpoint.start(Addresses.resolve(listen, "workstations.boot"), service, answering);
        } catch (IOException e) {
            throw Addresses.cannotListen("workstations.boot " + listen, e);
        }
        return boot;
    }

    /** Where the boot endpoint listens, or null when it is off. */
    public InetSocketAddress bootAddress() {
        return boot == null ? null : boot.boundAddress();
    }

    /** Starts answering the CLI on the data root's socket. */
    public void listen() throws ConfigException {
        Path socket = volumes.layout().nodeSocket();
        try {
            control = NodeControl.start(socket, new NodeRequests(volumes, this::catalogChanged, space));
        } catch (IOException e) {
            throw new ConfigException("data-root", "cannot listen on " + socket + " for the CLI: " + e.getMessage(), e);
        }
    }

    /** Stops the boot endpoint and the control socket (a leader stopping: nothing more is answered). */
    void stopAnswering() {
        if (boot != null) boot.close();
        if (control != null) control.close();
        boot = null;
        control = null;
    }

    /** Call after the portals stopped: the workstations' disks are closed last. */
    @Override
    public void close() {
        if (boot != null) boot.close();
        if (control != null) control.close();
        if (workstations != null) workstations.close();
        if (space != null && !spaceBorrowed) space.close();
    }
}
