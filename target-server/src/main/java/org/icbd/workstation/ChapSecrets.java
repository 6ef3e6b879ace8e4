package org.icbd.workstation;

import java.security.SecureRandom;

/** A workstation's own CHAP secret: 16 random letters and digits (iPXE and every target take 12 to 16). */
final class ChapSecrets {

    private static final String ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private ChapSecrets() {
    }

    static String generate() {
        StringBuilder b = new StringBuilder(16);
        for (int i = 0; i < 16; i++) b.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        return b.toString();
    }
}
