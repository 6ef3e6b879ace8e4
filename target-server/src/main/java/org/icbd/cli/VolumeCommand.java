package org.icbd.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.icbd.volume.VolumeManager;
import org.icbd.volume.VolumeName;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** A command that works on the data root: opens it (warning when it is not btrfs) and runs. */
abstract class VolumeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;
    @Mixin
    DataRootOption root;

    @Override
    public final Integer call() throws Exception {
        run(root.open(err()));
        out().flush();
        return 0;
    }

    abstract void run(VolumeManager volumes) throws Exception;

    /** A node serving this data root serves what the catalog now says (it would otherwise at its next change). */
    static void tellNode(VolumeManager m) throws IOException {
        var node = RunningNode.at(m.layout().nodeSocket());
        if (node.isPresent()) node.get().ask("changed");
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** A command on one image or clone, named by its one parameter. */
    abstract static class Named extends VolumeCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        VolumeName name() {
            return new VolumeName(name);
        }
    }
}
