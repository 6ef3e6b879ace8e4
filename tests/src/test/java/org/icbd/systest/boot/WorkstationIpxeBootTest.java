package org.icbd.systest.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.icbd.btrfs.LoopBtrfsExtension;
import org.icbd.systest.IcbdExport;
import org.icbd.systest.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.icbd.testsupport.Requires;

/**
 * Workstations booting as a site boots them: QEMU (TCG) with an iPXE ROM and no disk gets {@code
 * boot.ipxe} (the output of {@code icbd boot-script}) by TFTP from QEMU's user network, which chains to
 * {@code icbd serve}'s boot endpoint with the machine's MAC, and {@code sanboot}s what it answers. The
 * image's boot sector prints what sector 2 of its disk held (the previous boot's write) and its own
 * marker (which version), then writes that marker into sector 2 through iPXE's INT 13h over iSCSI.
 */
class WorkstationIpxeBootTest {

    private static final long BOOT_TIMEOUT_SECONDS = 240; // TCG, no KVM, several guests on a shared machine
    private static final Pattern SHOWN = Pattern.compile("PREV:(.*?)\\r?\\n(?:\\r?\\n)?BOOT:(\\S+)", Pattern.DOTALL);
    private static final String MAC_A = "52:54:00:00:0a:01";
    private static final String MAC_B = "52:54:00:00:0b:02";
    private static final String MAC_NEW = "52:54:00:00:0c:03";

    @RegisterExtension
    final LoopBtrfsExtension btrfs = new LoopBtrfsExtension(1L << 30);

    @TempDir
    Path dir;

    private Path root;

    /** What a guest printed: what its disk held from the previous boot, and which image booted. */
    record Shown(String previous, String booted) {
    }

    @Test
    void twoWorkstationsAndANewOneBootTheirDisksInTheirModesAndMoveToAPublishedVersion() throws Exception {
        Requires.that(Requires.onPath("qemu-system-x86_64"), "qemu-system-x86_64 missing: apt-get install qemu-system-x86 ipxe-qemu");
        Requires.that(Files.exists(Path.of("/usr/lib/ipxe/qemu/efi-e1000.rom")) || Files.exists(Path.of("/usr/share/qemu/efi-e1000.rom")),
                "iPXE ROM for QEMU missing: apt-get install ipxe-qemu");
        Requires.that(Requires.onPath("qemu-io"), "qemu-io missing: apt-get install qemu-utils qemu-block-extra");
        root = btrfs.fs().root().resolve("icbd");
        String v1 = "V1-" + random();
        String v2 = "V2-" + random();
        Path disk = dir.resolve("gold.img");
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(8 << 20);
            f.write(BootSector.rememberingOnCom1(v1));
        }
        icbd("image", "import", disk.toString(), "--name", "gold");
        icbd("image", "publish", "gold");
        icbd("workstation", "add", "wsa", "--mac", MAC_A, "--image", "gold", "--mode", "persistent");
        icbd("workstation", "add", "wsb", "--mac", MAC_B, "--image", "gold", "--mode", "reset-on-boot");
        int portal = freePort();
        Path config = Files.writeString(dir.resolve("icbd.yaml"), """
                data-root: %s
                portals: [127.0.0.1:%d]
                metrics: off
                workstations:
                  boot: 127.0.0.1:0
                  networks: [127.0.0.0/8]        # QEMU's user network reaches the host from 127.0.0.1
                  portal: 10.0.2.2:%d            # the host as the guest sees it
                  enrol: {image: gold, mode: persistent, name: "pc-{mac}"}
                """.formatted(root, portal, portal));
        try (IcbdExport icbd = IcbdExport.serve(dir, "-", config)) {
            int bootPort = icbd.bootPort();
            Path tftp = Files.createDirectories(dir.resolve("tftp"));
            String script = icbd("boot-script", "--url", "http://10.0.2.2:" + bootPort).output();
            Files.writeString(tftp.resolve("boot.ipxe"), script.substring(script.indexOf("#!ipxe")));

            // wsa's own disk holds a mark of its own before it ever boots: the boot shows it booted that disk
            markSectorTwo(bootPort, MAC_A);
            Map<String, Shown> first = bootAll(tftp, icbd, List.of(MAC_A, MAC_B, MAC_NEW));
            assertEquals(new Shown("AAAAAAAA", v1), first.get(MAC_A), "wsa booted its own disk, version 1");
            assertEquals(new Shown("", v1), first.get(MAC_B), "wsb booted its own (fresh) disk, version 1");
            assertEquals(new Shown("", v1), first.get(MAC_NEW), "the unknown MAC was enrolled with a disk of its own");
            assertTrue(icbd("workstation", "list").output().contains("pc-52540000" + "0c03"), "and is a workstation now");

            try (RandomAccessFile work = new RandomAccessFile(root.resolve("images/gold/work/disk.img").toFile(), "rw")) {
                work.write(BootSector.rememberingOnCom1(v2));
            }
            icbd("image", "publish", "gold");
            Map<String, Shown> second = bootAll(tftp, icbd, List.of(MAC_A, MAC_B));
            assertEquals(new Shown(v1, v1), second.get(MAC_A), "persistent: its write is kept, and it stays on version 1");
            assertEquals(new Shown("", v2), second.get(MAC_B), "reset-on-boot: its write is gone, and it boots the new version");
        }
    }

    /** Boots one QEMU per MAC at once; what each printed, once all have. */
    private Map<String, Shown> bootAll(Path tftp, IcbdExport icbd, List<String> macs) throws Exception {
        Map<String, Process> guests = new LinkedHashMap<>();
        Map<String, Path> serials = new LinkedHashMap<>();
        try {
            for (String mac : macs) {
                Path serial = dir.resolve("serial-" + mac.replace(':', '-') + "-" + System.nanoTime() + ".log");
                serials.put(mac, serial);
                guests.put(mac, new ProcessBuilder(List.of("qemu-system-x86_64", "-accel", "tcg", "-m", "96",
                        "-display", "none", "-monitor", "none", "-serial", "file:" + serial, "-no-reboot",
                        "-netdev", "user,id=n0,tftp=" + tftp + ",bootfile=boot.ipxe", "-device", "e1000,netdev=n0,mac=" + mac,
                        "-boot", "n")).redirectErrorStream(true).redirectOutput(dir.resolve("qemu-" + mac.replace(':', '-') + ".log").toFile()).start());
            }
            Map<String, Shown> shown = new LinkedHashMap<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BOOT_TIMEOUT_SECONDS);
            while (shown.size() < macs.size() && System.nanoTime() < deadline) {
                Thread.sleep(500);
                for (String mac : macs) {
                    if (shown.containsKey(mac) || !Files.exists(serials.get(mac))) continue;
                    String out = Files.readString(serials.get(mac), StandardCharsets.ISO_8859_1);
                    Matcher m = SHOWN.matcher(out);
                    if (m.find() && out.indexOf("\n", m.end(2)) >= 0) {
                        shown.put(mac, new Shown(m.group(1).strip(), m.group(2)));
                        guests.get(mac).destroyForcibly().waitFor(10, TimeUnit.SECONDS); // the next boot request is its reboot
                    }
                }
            }
            if (shown.size() < macs.size()) {
                StringBuilder why = new StringBuilder("not every guest booted within " + BOOT_TIMEOUT_SECONDS + " s: " + shown);
                for (String mac : macs) {
                    if (Files.exists(serials.get(mac))) why.append("\nserial ").append(mac).append(":\n")
                            .append(Files.readString(serials.get(mac), StandardCharsets.ISO_8859_1));
                }
                why.append("\nicbd:\n").append(Files.readString(icbd.log()));
                throw new AssertionError(why.toString());
            }
            return shown;
        } finally {
            for (Process p : guests.values()) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Writes "AAAAAAAA" at sector 2 of a workstation's disk through iSCSI, with the credentials its boot request gets. */
    private static void markSectorTwo(int bootPort, String mac) throws Exception {
        String script = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bootPort + "/boot?mac=" + mac)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("set username (\\S+)\\nset password (\\S+)\\nsanboot iscsi:\\S+?::(\\d+):0:(\\S+)").matcher(script);
        assertTrue(m.find(), script);
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "--object", "secret,id=s0,data=" + m.group(2), "--image-opts",
                "driver=iscsi,transport=tcp,portal=127.0.0.1:" + m.group(3) + ",target=" + m.group(4) + ",lun=0,user=" + m.group(1)
                        + ",password-secret=s0"));
        cmd.addAll(List.of("-c", "write -P 0x41 512 8"));
        Tool.Result r = Tool.run(Duration.ofMinutes(1), cmd.toArray(String[]::new));
        assertTrue(r.ok() && !r.output().contains("failed"), r::describe);
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String random() {
        byte[] b = new byte[6];
        ThreadLocalRandom.current().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private Tool.Result icbd(String... args) throws Exception {
        Tool.Result r = IcbdExport.cli(args[0].equals("boot-script") ? null : root, args);
        assertTrue(r.ok(), r::describe);
        return r;
    }
}
