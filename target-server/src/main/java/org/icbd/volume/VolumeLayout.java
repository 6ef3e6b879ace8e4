package org.icbd.volume;

import java.nio.file.Path;

/**
 * Where volumes live under the data root, laid out so that {@code btrfs subvolume list} reads like
 * the catalog: {@code images/<name>/work} (the editable golden image), {@code images/<name>/versions/<n>}
 * (read-only published versions) and {@code clones/<name>} (one writable snapshot per workstation).
 * Every volume directory holds one raw image file, {@link #DISK}.
 */
public record VolumeLayout(Path root) {

    public static final String DISK = "disk.img";

    public VolumeLayout {
        root = root.toAbsolutePath().normalize();
    }

    public Path images() {
        return root.resolve("images");
    }

    public Path image(VolumeName name) {
        return images().resolve(name.value());
    }

    public Path work(VolumeName image) {
        return image(image).resolve("work");
    }

    public Path versions(VolumeName image) {
        return image(image).resolve("versions");
    }

    public Path version(VolumeName image, int version) {
        return versions(image).resolve(Integer.toString(version));
    }

    public Path clones() {
        return root.resolve("clones");
    }

    public Path clone(VolumeName clone) {
        return clones().resolve(clone.value());
    }

    public Path catalogFile() {
        return root.resolve("catalog.json");
    }

    public Path lockFile() {
        return root.resolve(".lock");
    }

    /** Where a running node listens for the CLI (a Unix socket, owner only): changes it must take part in go there. */
    public Path nodeSocket() {
        return root.resolve("node.sock");
    }

    public static Path disk(Path volume) {
        return volume.resolve(DISK);
    }
}
