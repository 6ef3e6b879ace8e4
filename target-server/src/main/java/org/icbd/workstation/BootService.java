package org.icbd.workstation;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.icbd.config.WorkstationSettings;
import org.icbd.group.Groups;
import org.icbd.volume.CatalogState;
import org.icbd.volume.DiskMode;
import org.icbd.volume.VersionSpec;
import org.icbd.volume.VolumeException;
import org.icbd.volume.VolumeManager;
import org.icbd.volume.VolumeName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a boot request gets: the script that boots the workstation with this MAC (enrolled on the spot
 * when the site allows it), after its disk was reset when it is a reset-on-boot one; or a script that
 * says why not. Requests from networks the configuration does not name get nothing useful.
 */
public final class BootService {

    private static final Logger log = LoggerFactory.getLogger(BootService.class);

    /** An answer: the HTTP status and the iPXE script. */
    public record Answer(int status, String script) {
    }

    private final Workstations workstations;
    private final WorkstationTargets targets;
    private final WorkstationSettings settings;
    /** The iSCSI portal to name in the script, given the address the request came in on. */
    private final Function<InetSocketAddress, InetSocketAddress> portal;

    private final MinFreeSpace space;

    public BootService(Workstations workstations, WorkstationTargets targets, WorkstationSettings settings,
                       Function<InetSocketAddress, InetSocketAddress> portal) {
        this(workstations, targets, settings, portal, MinFreeSpace.unwatched(workstations.volumes().layout().root(), settings.minFreeBytes()));
    }

    /** @param space the data root's free space against the threshold (a new workstation needs it; a reset does not) */
    public BootService(Workstations workstations, WorkstationTargets targets, WorkstationSettings settings,
                       Function<InetSocketAddress, InetSocketAddress> portal, MinFreeSpace space) {
        this.workstations = workstations;
        this.targets = targets;
        this.settings = settings;
        this.portal = portal;
        this.space = space;
    }

    public Answer boot(String macText, InetAddress from, InetSocketAddress local) {
        if (settings.networks().stream().noneMatch(n -> n.contains(from))) {
            log.warn("boot request from {} refused: not in the networks 'workstations.networks' names", from.getHostAddress());
            return new Answer(403, BootScripts.refusal(List.of("this network may not boot from here")));
        }
        MacAddress mac;
        try {
            mac = MacAddress.parse(macText);
        } catch (VolumeException e) {
            log.warn("boot request from {}: {}", from.getHostAddress(), e.getMessage());
            return new Answer(400, BootScripts.refusal(List.of(e.getMessage(), "chain /boot?mac=${net0/mac}")));
        }
        try {
            long t0 = System.nanoTime();
            VolumeManager volumes = workstations.volumes();
            CatalogState state = volumes.state();
            Optional<CatalogState.Workstation> known = state.workstationWithMac(mac.value());
            String how;
            CatalogState.Workstation w;
            if (known.isPresent()) {
                w = known.get();
                how = "known";
                CatalogState.Group group = w.group() == null ? null : state.groups().get(w.group());
                if (group != null && !Groups.bootsFrom(group, from)) {
                    log.warn("boot request from {} MAC {} refused: workstation {}'s group {} boots from {} only", from.getHostAddress(), mac,
                            w.name(), group.name(), group.networks());
                    return new Answer(403, BootScripts.refusal(List.of("this machine (MAC " + mac + ") is workstation " + w.name() + " of group "
                            + group.name() + ", which boots from " + String.join(", ", group.networks()) + " only, not from "
                            + from.getHostAddress() + ".", "Ask an administrator to move it: icbd workstation set " + w.name() + " --group GROUP")));
                }
            } else {
                Optional<CatalogState.Workstation> enrolled = enrol(mac, from);
                if (enrolled.isEmpty()) {
                    log.warn("boot request from {}: MAC {} is not registered", from.getHostAddress(), mac);
                    return new Answer(404, BootScripts.refusal(List.of("this machine (MAC " + mac + ") is not registered.",
                            "Ask an administrator to run: icbd workstation add NAME --mac " + mac + " --image IMAGE")));
                }
                w = enrolled.get();
                how = "enrolled";
                state = volumes.state();
            }
            int version = VolumeManager.bootVersion(state, w);
            Optional<CatalogState.Image> edited = state.editedBy(w.name());
            if (edited.isPresent()) {
                // the maintenance workstation boots the image's work copy, which keeps its writes
                InetSocketAddress p = portal.apply(local);
                log.info("boot request from {} MAC {}: workstation {} edits image {}'s work copy", from.getHostAddress(), mac, w.name(),
                        edited.get().name());
                return new Answer(200, BootScripts.sanboot(w, edited.get().name() + " work copy (maintenance)", p.getAddress().getHostAddress(),
                        p.getPort()));
            }
            if (w.mode() == DiskMode.RESET_ON_BOOT && known.isPresent()) {
                targets.endSessions(w.iqn()); // what was left from before the reboot writes nothing more
                volumes.resetClone(new VolumeName(w.clone()), version);
                space.writesDiscarded();
                how += ", disk reset";
            } else {
                CatalogState.Clone c = state.clones().get(w.clone());
                if (c != null) version = c.version();
            }
            InetSocketAddress p = portal.apply(local);
            log.info("boot request from {} MAC {}: workstation {} ({}, {}@{}) in {} ms", from.getHostAddress(), mac, w.name(), how,
                    w.image(), version, (System.nanoTime() - t0) / 1_000_000);
            return new Answer(200, BootScripts.sanboot(w, w.image() + "@" + version, p.getAddress().getHostAddress(), p.getPort()));
        } catch (VolumeException e) {
            log.warn("boot request from {} MAC {}: {}", from.getHostAddress(), mac, e.getMessage());
            int status = switch (e.kind()) {
                case FAILED -> 500;
                case NO_SPACE -> 507; // the admin API's answer too
                default -> 409;
            };
            return new Answer(status,
                    BootScripts.refusal(List.of("this machine (MAC " + mac + ") cannot boot: " + e.getMessage())));
        } catch (IOException | RuntimeException e) {
            log.error("boot request from {} MAC {} failed", from.getHostAddress(), mac, e);
            return new Answer(500, BootScripts.refusal(List.of("the server failed (" + e.getMessage() + "); see its log")));
        }
    }

    /** Enrols an unknown MAC when the site allows it; serialized, so two requests of one MAC make one workstation. */
    private synchronized Optional<CatalogState.Workstation> enrol(MacAddress mac, InetAddress from) throws IOException {
        CatalogState now = workstations.volumes().state();
        Optional<CatalogState.Workstation> meanwhile = now.workstationWithMac(mac.value());
        if (meanwhile.isPresent()) return meanwhile;
        if (settings.enrol().isEmpty()) return Optional.empty();
        WorkstationSettings.Enrolment e = settings.enrol().get();
        space.requireRoomTo("enrol a workstation");
        VolumeName name = new VolumeName(e.namePattern().replace("{mac}", mac.bare()));
        // a network that a group names enrols into that group; the site's enrol section says what else
        Optional<String> group = Groups.ofNetwork(now, from).map(CatalogState.Group::name)
                .or(() -> Optional.ofNullable(e.group()));
        CatalogState.Workstation w = group.isPresent()
                ? workstations.add(name, List.of(mac), null, null, settings.iqnPrefix(), group.get())
                : workstations.add(name, List.of(mac), new VersionSpec(new VolumeName(e.image()), e.version()), e.mode(), settings.iqnPrefix());
        log.info("enrolled MAC {} as workstation {} ({} of {}{})", mac, w.name(), w.mode(), w.image(), group.map(g -> ", group " + g).orElse(""));
        return Optional.of(w);
    }
}
