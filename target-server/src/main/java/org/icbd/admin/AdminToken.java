package org.icbd.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The admin API's bearer token: read from a file, or made (256 random bits, mode 0600) the first time,
 * so a node is never reachable with a default or empty credential.
 */
public final class AdminToken {

    private final byte[] token;

    private AdminToken(String token) {
        this.token = token.getBytes(StandardCharsets.US_ASCII);
    }

    public static AdminToken loadOrCreate(Path file) throws IOException {
        if (Files.exists(file)) {
            String t = Files.readString(file, StandardCharsets.US_ASCII).strip();
            if (t.length() < 32) throw new IOException(file + ": the admin token must have at least 32 characters; delete the file to get a new one");
            return new AdminToken(t);
        }
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        String t = HexFormat.of().formatHex(raw);
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, t + "\n", StandardCharsets.US_ASCII);
        Files.move(tmp, file);
        return new AdminToken(t);
    }

    /** Constant time, so the comparison does not tell an attacker how much of a guess was right. */
    boolean matches(String authorizationHeader) {
        if (authorizationHeader == null || !authorizationHeader.startsWith("Bearer ")) return false;
        return MessageDigest.isEqual(token, authorizationHeader.substring(7).strip().getBytes(StandardCharsets.US_ASCII));
    }
}
