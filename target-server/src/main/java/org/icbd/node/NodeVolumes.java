package org.icbd.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.icbd.config.ConfigException;
import org.icbd.config.StaticTargetRegistry;
import org.icbd.volume.VolumeManager;

/**
 * A data root as a running node holds it: one {@link VolumeManager} whose resets switch the clones
 * this node serves ({@link ServedClones}), and the control socket through which the CLI asks the node
 * for such changes instead of making them behind its back.
 */
public final class NodeVolumes implements AutoCloseable {

    private final VolumeManager volumes;
    private final ServedClones served;
    private NodeControl control;

    private NodeVolumes(VolumeManager volumes, ServedClones served) {
        this.volumes = volumes;
        this.served = served;
    }

    /** The data root, when it exists (a node serving plain image files only has none). */
    public static NodeVolumes open(Path dataRoot, StaticTargetRegistry.DeviceOpener opener) throws ConfigException {
        if (!Files.isDirectory(dataRoot)) return null;
        try {
            VolumeManager volumes = VolumeManager.open(dataRoot);
            ServedClones served = new ServedClones(volumes, opener);
            volumes.serveClonesTo(served);
            return new NodeVolumes(volumes, served);
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

    /** Starts answering the CLI on the data root's socket. */
    public void listen() throws ConfigException {
        Path socket = volumes.layout().nodeSocket();
        try {
            control = NodeControl.start(socket, new NodeRequests(volumes));
        } catch (IOException e) {
            throw new ConfigException("data-root", "cannot listen on " + socket + " for the CLI: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (control != null) control.close();
    }
}
