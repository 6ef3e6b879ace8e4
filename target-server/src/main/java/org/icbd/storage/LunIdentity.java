package org.icbd.storage;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * What makes a LUN the same disk wherever it is served: the unit serial number (VPD 0x80)
 * and a locally assigned NAA identifier (VPD 0x83). Both derive from a volume key (a volume
 * UUID, or for ad-hoc exports the file's canonical path), so a standby that serves the
 * same volume after failover presents the same disk to the initiator.
 *
 * @param serial ASCII serial, 16 hex digits
 * @param naa    8-byte NAA IEEE "locally assigned" (type 3) designator
 */
public record LunIdentity(String serial, byte[] naa) {

    public LunIdentity {
        if (serial == null || serial.isEmpty()) throw new IllegalArgumentException("serial is empty");
        if (naa == null || naa.length != 8 || (naa[0] & 0xF0) != 0x30) {
            throw new IllegalArgumentException("naa must be 8 bytes of NAA type 3");
        }
        naa = naa.clone();
    }

    @Override
    public byte[] naa() {
        return naa.clone();
    }

    /** Two identities are the same disk when serial and NAA match (by content, not array reference). */
    @Override
    public boolean equals(Object o) {
        return o instanceof LunIdentity other && serial.equals(other.serial) && Arrays.equals(naa, other.naa);
    }

    @Override
    public int hashCode() {
        return serial.hashCode() * 31 + Arrays.hashCode(naa);
    }

    @Override
    public String toString() {
        return "LunIdentity[serial=" + serial + ", naa=" + HexFormat.of().formatHex(naa) + "]";
    }

    /** Derives a stable identity from a volume key. */
    public static LunIdentity fromVolumeKey(String volumeKey) {
        byte[] h = sha256(volumeKey);
        byte[] naa = new byte[8];
        System.arraycopy(h, 0, naa, 0, 8);
        naa[0] = (byte) (0x30 | (naa[0] & 0x0F));
        String serial = HexFormat.of().formatHex(h, 8, 16);
        return new LunIdentity(serial, naa);
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }
}
