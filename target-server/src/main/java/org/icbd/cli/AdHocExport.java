package org.icbd.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.icbd.config.CacheSettings;
import org.icbd.config.ChapConfig;
import org.icbd.config.ConfigException;
import org.icbd.config.ConfigLoader;
import org.icbd.config.HostPort;
import org.icbd.config.IcbdConfig;
import org.icbd.config.ImageFiles;
import org.icbd.config.IscsiNames;
import org.icbd.config.LunConfig;
import org.icbd.config.TargetConfig;
import org.icbd.iscsi.IscsiSettings;

/**
 * A configuration made from command-line arguments instead of a file (one target, LUNs in
 * argument order), checked by the same rules as the file and naming the option at fault.
 */
record AdHocExport(HostPort portal, Optional<HostPort> metrics, String iqn, List<ExportSpec> files, int blockSize,
                   Optional<ChapConfig> chap, Optional<ChapConfig> mutualChap, List<String> allow, boolean open,
                   Optional<String> cache) {

    IcbdConfig toConfig() throws ConfigException {
        Optional<String> bad = IscsiNames.problem(iqn);
        if (bad.isPresent()) throw new ConfigException("--target", bad.get());
        for (String a : allow) {
            Optional<String> p = IscsiNames.problem(a);
            if (p.isPresent()) throw new ConfigException("--allow " + a, p.get());
        }
        if (mutualChap.isPresent() && chap.isEmpty()) {
            throw new ConfigException("--mutual-chap", "needs --chap too: the target only proves itself to an initiator that proved itself first");
        }
        if (mutualChap.isPresent() && mutualChap.get().secret().equals(chap.get().secret())) {
            throw new ConfigException("--mutual-chap", "the secret must differ from the --chap secret (RFC 7143 §9.2.1)");
        }
        if (blockSize != 512 && blockSize != 4096) throw new ConfigException("--block-size", "must be 512 or 4096; got " + blockSize);
        List<LunConfig> luns = new ArrayList<>();
        Set<Path> seen = new HashSet<>();
        for (int i = 0; i < files.size(); i++) {
            ExportSpec f = files.get(i);
            Path path = f.path().toAbsolutePath().normalize();
            String where = "FILE " + f.path();
            Optional<String> p = ImageFiles.problem(path, f.readOnly(), blockSize);
            if (p.isPresent()) throw new ConfigException(where, p.get());
            if (!seen.add(path)) throw new ConfigException(where, "is given twice; each file can back only one LUN");
            luns.add(new LunConfig(i, path, f.readOnly(), blockSize));
        }
        if (!HostPort.isLoopback(portal.host()) && chap.isEmpty() && allow.isEmpty() && !open) {
            throw new ConfigException("--portal " + portal, "would serve these disks to anyone on the network; add --chap USER:SECRET"
                    + " or --allow INITIATOR-IQN, or --open to mean it");
        }
        TargetConfig target = new TargetConfig(iqn, "", luns, chap, mutualChap, allow);
        return new IcbdConfig(List.of(portal), metrics, IscsiSettings.defaults(), Optional.empty(), List.of(target),
                cacheSettings(), Optional.empty(), Path.of(ConfigLoader.DEFAULT_DATA_ROOT), Optional.empty());
    }

    /** {@code --cache off} or {@code --cache MIB}; absent: the default (a quarter of the heap). */
    private CacheSettings cacheSettings() throws ConfigException {
        if (cache.isEmpty()) return CacheSettings.defaults();
        String v = cache.get().strip();
        if (v.equalsIgnoreCase("off")) return CacheSettings.off();
        long mib;
        try {
            mib = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new ConfigException("--cache", "must be a size in MiB or off; got '" + v + "'");
        }
        Optional<String> p = CacheSettings.sizeProblem(mib);
        if (p.isPresent()) throw new ConfigException("--cache", p.get());
        return new CacheSettings(true, mib << 20, CacheSettings.DEFAULT_CHUNK);
    }
}
