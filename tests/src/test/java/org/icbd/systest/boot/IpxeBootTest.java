package org.icbd.systest.boot;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.icbd.systest.IcbdExport;
import org.icbd.testsupport.Requires;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A diskless boot, end to end: QEMU with no disk boots its iPXE network ROM, gets a DHCP lease and
 * a script over TFTP from QEMU's user network, and {@code sanboot}s a disk image served by icbd. The
 * image's boot sector prints a random marker to the serial port; the marker exists only inside that
 * image, so seeing it proves the BIOS booted code read from icbd over iSCSI.
 */
class IpxeBootTest {

    static final String IQN = "iqn.2026-11.org.icbd:boot";
    static final long BOOT_TIMEOUT_SECONDS = 240; // TCG, no KVM, on a shared machine

    @TempDir
    Path dir;

    @Test
    void qemuBootsADiskImageServedByIcbdThroughIpxeSanboot() throws Exception {
        Requires.tool("qemu-system-x86_64", "apt-get install qemu-system-x86 ipxe-qemu");
        Requires.that(Files.exists(Path.of("/usr/lib/ipxe/qemu/efi-e1000.rom")) || Files.exists(Path.of("/usr/share/qemu/efi-e1000.rom")),
                "iPXE ROM for QEMU missing: apt-get install ipxe-qemu");

        String marker = "ICBD-BOOT-" + HexFormat.of().formatHex(randomBytes(8));
        Path disk = dir.resolve("boot.img");
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(8 << 20);
            f.write(BootSector.printingToCom1(marker));
        }
        try (IcbdExport icbd = IcbdExport.start(dir, IQN, disk + ",ro")) {
            Path tftp = Files.createDirectories(dir.resolve("tftp"));
            // 10.0.2.2 is the host as QEMU's user network shows it to the guest
            Files.writeString(tftp.resolve("boot.ipxe"), "#!ipxe\nsanboot iscsi:10.0.2.2::" + icbd.port() + ":0:" + IQN + "\n");
            Path serial = dir.resolve("serial.log");
            Path qemuLog = dir.resolve("qemu.log");
            Process qemu = new ProcessBuilder(List.of("qemu-system-x86_64", "-accel", "tcg", "-m", "128",
                    "-display", "none", "-monitor", "none", "-serial", "file:" + serial, "-no-reboot",
                    "-netdev", "user,id=n0,tftp=" + tftp + ",bootfile=boot.ipxe", "-device", "e1000,netdev=n0",
                    "-boot", "n"))
                    .redirectErrorStream(true).redirectOutput(qemuLog.toFile()).start();
            try {
                boolean booted = false;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BOOT_TIMEOUT_SECONDS);
                while (!booted && System.nanoTime() < deadline && qemu.isAlive()) {
                    Thread.sleep(500);
                    booted = Files.exists(serial) && Files.readString(serial, StandardCharsets.ISO_8859_1).contains(marker);
                }
                String seen = Files.exists(serial) ? Files.readString(serial, StandardCharsets.ISO_8859_1) : "(no serial output)";
                assertTrue(booted, "the guest did not print " + marker + " within " + BOOT_TIMEOUT_SECONDS + " s; serial:\n"
                        + seen + "\nqemu:\n" + Files.readString(qemuLog) + "\nicbd:\n" + Files.readString(icbd.log()));
            } finally {
                qemu.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }
}
