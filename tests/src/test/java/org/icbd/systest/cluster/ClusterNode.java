package org.icbd.systest.cluster;

import java.nio.file.Path;

/** One icbd node of a {@link ClusterLab}: host {@code n} on the lab's subnet, its namespace, data root, configuration and log. */
record ClusterNode(String name, int n, String ns, Path root, Path config, Path log) {

    String address() {
        return Lab.SUBNET + n;
    }
}
