package org.icbd.volume;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import org.icbd.btrfs.BtrfsException;
import org.icbd.btrfs.Reflink;

/**
 * Volumes as plain directories, for a data root that is not on btrfs (a laptop with ext4): a copy
 * is a reflink where the file system can (xfs, bcachefs), a full copy otherwise. Read-only copies
 * are protected by file permissions, and the target serves them read-only anyway.
 */
final class CopyVolumes implements VolumeFileSystem {

    @Override
    public void create(Path volume) throws IOException {
        Files.createDirectory(volume);
    }

    @Override
    public void snapshot(Path source, Path target, boolean readOnly) throws IOException {
        Files.createDirectory(target);
        Path from = VolumeLayout.disk(source);
        Path to = VolumeLayout.disk(target);
        try {
            Reflink.copy(from, to);
        } catch (BtrfsException e) {
            Files.deleteIfExists(to);
            Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
        }
        if (readOnly) {
            Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("r--r--r--"));
        } else {
            Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-r-----"));
        }
    }

    @Override
    public void delete(Path volume) throws IOException {
        if (!Files.exists(volume)) return;
        Files.walkFileTree(volume, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) throw e;
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    @Override
    public boolean instantClones() {
        return false;
    }
}
