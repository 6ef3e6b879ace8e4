package org.icbd.cli;

import java.util.concurrent.Callable;
import org.icbd.workstation.BootScripts;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code icbd boot-script}: the small iPXE script that chains a workstation to the boot endpoint. */
@Command(name = "boot-script", mixinStandardHelpOptions = true,
        description = {"Print the iPXE script that asks the boot endpoint for this machine's disk.",
                "Serve it by TFTP as boot.ipxe, or embed it in iPXE (make bin/undionly.kpxe EMBED=boot.ipxe)."})
final class BootScriptCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--url", required = true, paramLabel = "URL",
            description = "The boot endpoint, as 'workstations.boot' listens: http://10.0.0.10:8080")
    String url;

    @Override
    public Integer call() {
        if (!url.matches("https?://[^/\\s]+/?")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--url: expected http://HOST:PORT; got '" + url + "'");
        }
        spec.commandLine().getOut().print(BootScripts.chain(url));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
