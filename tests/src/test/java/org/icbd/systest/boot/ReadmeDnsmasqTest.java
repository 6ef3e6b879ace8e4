package org.icbd.systest.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.icbd.btrfs.LoopBtrfsExtension;
import org.icbd.systest.IcbdExport;
import org.icbd.systest.Tool;
import org.icbd.testsupport.Requires;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's dnsmasq lines, run as a site would run them: the {@code /etc/dnsmasq.d/icbd.conf} block and the
 * {@code icbd boot-script --url ...} line are read from README.md (a change to the README is what is tested), and
 * in network namespaces made here a second dnsmasq plays the site's DHCP server, the README's dnsmasq answers as
 * proxy DHCP and TFTP next to {@code icbd serve}, and a QEMU BIOS machine (TCG, its NIC's iPXE ROM, no disk) on a
 * tap of that network boots: DHCP, proxy offer, TFTP {@code boot.ipxe}, the boot endpoint (which enrols it),
 * {@code sanboot} over iSCSI, and the boot sector of its new disk prints the image's marker.
 */
class ReadmeDnsmasqTest {

    private static final long BOOT_TIMEOUT_SECONDS = 240; // TCG on a shared machine
    private static final Pattern BLOCK = Pattern.compile("```\\n(# /etc/dnsmasq\\.d/icbd\\.conf\\n.*?)```", Pattern.DOTALL);
    private static final Pattern BOOT_SCRIPT = Pattern.compile("icbd boot-script --url (http://([0-9.]+):(\\d+)) > /srv/tftp/boot\\.ipxe");
    private static final Pattern TFTP_FILES = Pattern.compile("copy `/usr/lib/ipxe/(\\S+)` and\\s+`/usr/lib/ipxe/(\\S+)` to `/srv/tftp`");
    private static final String MAC = "52:54:00:00:0d:01";

    @RegisterExtension
    final LoopBtrfsExtension btrfs = new LoopBtrfsExtension(512L << 20);

    @TempDir
    Path dir;

    private final String tag = UUID.randomUUID().toString().substring(0, 6);
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    @Test
    void theReadmesDnsmasqLinesBootAWorkstationThroughProxyDhcpTftpAndTheEndpoint() throws Exception {
        Requires.root("network namespaces and a tap device need root");
        Requires.tool("dnsmasq", "apt-get install dnsmasq-base");
        Requires.tool("qemu-system-x86_64", "apt-get install qemu-system-x86 ipxe-qemu");
        Requires.tool("curl", "apt-get install curl");
        Requires.that(Files.exists(Path.of("/usr/lib/ipxe/undionly.kpxe")), "Debian's iPXE binaries missing: apt-get install ipxe");
        Requires.that(Files.exists(Path.of("/dev/net/tun")), "/dev/net/tun missing: QEMU needs a tap device");

        String readme = Files.readString(readme());
        Matcher block = BLOCK.matcher(readme);
        assertTrue(block.find(), "README.md shows the /etc/dnsmasq.d/icbd.conf block");
        Matcher url = BOOT_SCRIPT.matcher(readme);
        assertTrue(url.find(), "README.md shows how boot.ipxe is made: icbd boot-script --url http://ADDRESS:PORT > /srv/tftp/boot.ipxe");
        Matcher files = TFTP_FILES.matcher(readme);
        assertTrue(files.find(), "README.md names the iPXE binaries to copy to /srv/tftp");
        String server = url.group(2);
        String network = server.substring(0, server.lastIndexOf('.'));

        Path tftp = Files.createDirectories(dir.resolve("tftp"));
        for (int i = 1; i <= 2; i++) Files.copy(Path.of("/usr/lib/ipxe", files.group(i)), tftp.resolve(files.group(i)));
        String script = IcbdExport.cli(null, "boot-script", "--url", url.group(1)).output();
        Files.writeString(tftp.resolve("boot.ipxe"), script.substring(script.indexOf("#!ipxe")));
        // the only change to the README's lines: where the TFTP files are here
        Path conf = Files.writeString(dir.resolve("icbd.conf"), block.group(1).replace("/srv/tftp", tftp.toString()));
        Tool.Result check = Tool.run(Duration.ofSeconds(30), "dnsmasq", "--test", "--conf-file=" + conf);
        assertTrue(check.ok() && check.output().contains("syntax check OK"), check::describe);

        Path root = btrfs.fs().root().resolve("icbd");
        String marker = "DNSMASQ-" + HexFormat.of().formatHex(random());
        Path gold = dir.resolve("gold.img");
        try (RandomAccessFile f = new RandomAccessFile(gold.toFile(), "rw")) {
            f.setLength(8 << 20);
            f.write(BootSector.printingToCom1(marker));
        }
        cli(root, "image", "import", gold.toString(), "--name", "gold");
        cli(root, "image", "publish", "gold");

        try {
            String srv = namespace("srv");
            String site = namespace("dhcp");
            ip("-n", srv, "link", "add", "br0", "type", "bridge");
            ip("-n", srv, "addr", "add", server + "/24", "dev", "br0");
            ip("-n", srv, "link", "set", "br0", "up");
            ip("-n", srv, "link", "add", "p1", "type", "veth", "peer", "name", "eth0", "netns", site);
            ip("-n", srv, "link", "set", "p1", "master", "br0", "up");
            ip("-n", site, "addr", "add", network + ".1/24", "dev", "eth0");
            ip("-n", site, "link", "set", "eth0", "up");
            ip("-n", srv, "tuntap", "add", "dev", "tap0", "mode", "tap");
            ip("-n", srv, "link", "set", "tap0", "master", "br0", "up");

            Path siteLog = dir.resolve("site-dhcp.log");
            start(siteLog, "ip", "netns", "exec", site, "dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--pid-file", "--port=0",
                    "--interface=eth0", "--bind-interfaces", "--dhcp-range=" + network + ".100," + network + ".150,255.255.255.0",
                    "--dhcp-leasefile=" + dir.resolve("leases"), "--log-dhcp", "-u", "root");
            Path proxyLog = dir.resolve("proxy-dhcp.log");
            start(proxyLog, "ip", "netns", "exec", srv, "dnsmasq", "--no-daemon", "--conf-file=" + conf, "--pid-file", "--log-dhcp",
                    "-u", "root");

            Path config = Files.writeString(dir.resolve("icbd.yaml"), """
                    data-root: %s
                    portals: [%s:3260]
                    metrics: off
                    workstations:
                      boot: %s:%s
                      networks: [%s.0/24]
                      enrol: {image: gold, mode: reset-on-boot}
                    """.formatted(root, server, server, url.group(3), network));
            try (IcbdExport icbd = IcbdExport.serveIn(srv, dir, config)) {
                icbd.bootPort(); // it listens
                // what a plain PXE ROM fetches first, by TFTP from the README's dnsmasq
                Path fetched = dir.resolve("fetched.kpxe");
                Tool.Result tftpGet = Tool.run(Duration.ofSeconds(60), "ip", "netns", "exec", site, "curl", "-sS", "-o", fetched.toString(),
                        "tftp://" + server + "/" + files.group(1));
                assertTrue(tftpGet.ok(), tftpGet::describe);
                assertArrayEquals(Files.readAllBytes(Path.of("/usr/lib/ipxe", files.group(1))), Files.readAllBytes(fetched),
                        files.group(1) + " comes over TFTP whole");

                Path serial = dir.resolve("serial.log");
                start(dir.resolve("qemu.log"), "ip", "netns", "exec", srv, "qemu-system-x86_64", "-accel", "tcg", "-m", "96",
                        "-display", "none", "-monitor", "none", "-serial", "file:" + serial, "-no-reboot",
                        "-netdev", "tap,id=n0,ifname=tap0,script=no,downscript=no", "-device", "e1000,netdev=n0,mac=" + MAC, "-boot", "n");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BOOT_TIMEOUT_SECONDS);
                while (System.nanoTime() < deadline && !(Files.exists(serial) && Files.readString(serial, StandardCharsets.ISO_8859_1).contains(marker))) {
                    Thread.sleep(500);
                }
                String shown = Files.exists(serial) ? Files.readString(serial, StandardCharsets.ISO_8859_1) : "";
                String why = "serial:\n" + shown + "\nproxy dnsmasq:\n" + tail(proxyLog) + "\nsite dnsmasq:\n" + tail(siteLog)
                        + "\nicbd:\n" + Files.readString(icbd.log());
                assertTrue(shown.contains(marker), "the workstation did not boot its disk within " + BOOT_TIMEOUT_SECONDS + " s\n" + why);
                assertTrue(Files.readString(siteLog).contains("DHCPACK(eth0)"), "the site's DHCP server gave the address\n" + why);
                assertTrue(Files.readString(proxyLog).contains("sent " + tftp.resolve("boot.ipxe")), "the README's dnsmasq sent boot.ipxe\n" + why);
                assertTrue(Files.readString(icbd.log()).contains("enrolled MAC " + MAC), "the endpoint enrolled the machine\n" + why);
            }
        } finally {
            for (Process p : processes) {
                p.destroy();
                if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            for (String ns : namespaces) Tool.run(Duration.ofSeconds(20), "ip", "netns", "del", ns);
        }
    }

    private static byte[] random() {
        byte[] b = new byte[4];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }

    private static Path readme() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("README.md")) && Files.isDirectory(p.resolve("target-server"))) return p.resolve("README.md");
        }
        throw new IllegalStateException("README.md of the project not found above " + Path.of("").toAbsolutePath());
    }

    private String namespace(String name) throws IOException, InterruptedException {
        String ns = "icbd-px" + name + "-" + tag;
        ip("netns", "add", ns);
        namespaces.add(ns);
        ip("-n", ns, "link", "set", "lo", "up");
        return ns;
    }

    private void start(Path log, String... command) throws IOException {
        processes.add(new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start());
    }

    private static String tail(Path log) throws IOException {
        if (!Files.exists(log)) return "(none)";
        String s = Files.readString(log, StandardCharsets.ISO_8859_1);
        return s.length() > 6000 ? s.substring(s.length() - 6000) : s;
    }

    private static void ip(String... args) throws IOException, InterruptedException {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "ip";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Tool.Result r = Tool.run(Duration.ofSeconds(20), cmd);
        if (!r.ok()) throw new IOException(r.describe());
    }

    private static void cli(Path root, String... args) throws Exception {
        Tool.Result r = IcbdExport.cli(root, args);
        assertTrue(r.ok(), r::describe);
    }
}
