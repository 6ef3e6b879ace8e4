package org.icbd.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** The build's version, read from the Maven descriptor packed into the jar. */
final class VersionInfo implements IVersionProvider {

    private static final String POM_PROPERTIES = "/META-INF/maven/org.icbd/target-server/pom.properties";

    static String version() {
        try (InputStream in = VersionInfo.class.getResourceAsStream(POM_PROPERTIES)) {
            if (in == null) return "development build";
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    static String line() {
        return "icbd " + version() + " (Java " + Runtime.version() + ", " + System.getProperty("os.name") + " "
                + System.getProperty("os.arch") + ")";
    }

    @Override
    public String[] getVersion() {
        return new String[] {line()};
    }
}
