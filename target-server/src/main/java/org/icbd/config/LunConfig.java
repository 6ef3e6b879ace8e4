package org.icbd.config;

import java.nio.file.Path;

/**
 * One logical unit of a target: an image file served under a LUN number.
 *
 * @param lun       LUN number (0 to 16383: peripheral addressing below 256, flat above)
 * @param path      the image file (absolute)
 * @param readOnly  refuse every write (DATA PROTECT)
 * @param blockSize logical block size, 512 or 4096
 */
public record LunConfig(long lun, Path path, boolean readOnly, int blockSize) {

    public static final long MAX_LUN = 16383;
}
