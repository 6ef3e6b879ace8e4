package org.icbd.systest.boot;

import java.nio.charset.StandardCharsets;

/** A 512-byte master boot record, assembled by hand, whose code writes a message to COM1 and halts. */
final class BootSector {

    private BootSector() {
    }

    /** Where the BIOS loads the boot sector. */
    private static final int LOAD_ADDRESS = 0x7C00;

    static byte[] printingToCom1(String message) {
        byte[] code = {
                (byte) 0xFA,                          // 00 cli
                (byte) 0xFC,                          // 01 cld            (lodsb walks forward)
                0x31, (byte) 0xC0,                    // 02 xor ax, ax
                (byte) 0x8E, (byte) 0xD8,             // 04 mov ds, ax
                (byte) 0xBE, 0, 0,                    // 06 mov si, message (patched below)
                (byte) 0xBA, (byte) 0xF8, 0x03,       // 09 mov dx, 0x3F8  (COM1 data port)
                (byte) 0xAC,                          // 12 next: lodsb
                (byte) 0x84, (byte) 0xC0,             // 13 test al, al
                0x74, 0x03,                           // 15 jz done        (to 20)
                (byte) 0xEE,                          // 17 out dx, al
                (byte) 0xEB, (byte) 0xF8,             // 18 jmp next       (to 12)
                (byte) 0xF4,                          // 20 done: hlt
                (byte) 0xEB, (byte) 0xFD,             // 21 jmp done       (to 20)
        };
        byte[] text = (message + "\r\n").getBytes(StandardCharsets.US_ASCII);
        if (code.length + text.length + 1 > 446) throw new IllegalArgumentException("message too long for a boot sector");
        byte[] mbr = new byte[512];
        System.arraycopy(code, 0, mbr, 0, code.length);
        System.arraycopy(text, 0, mbr, code.length, text.length); // NUL-terminated: mbr is zero-filled
        int address = LOAD_ADDRESS + code.length;
        mbr[7] = (byte) address;
        mbr[8] = (byte) (address >>> 8);
        mbr[510] = 0x55;
        mbr[511] = (byte) 0xAA;
        return mbr;
    }
}
