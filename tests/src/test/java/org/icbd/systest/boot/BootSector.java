package org.icbd.systest.boot;

import java.nio.charset.StandardCharsets;

/** A 512-byte master boot record, assembled by hand, whose code writes a message to COM1 and halts. */
final class BootSector {
    /** Where the BIOS loads the boot sector. */
    private static final int LOAD_ADDRESS = 0x7C00;

    private BootSector() {
    }

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

    /**
     * A boot sector that remembers: it prints {@code PREV:} and what sector 2 (LBA 1) of the boot disk holds
     * (written by an earlier boot of the same disk, if any), then {@code BOOT:message}, and writes
     * {@code message} into sector 2 through the BIOS (INT 13h, which iPXE's {@code sanboot} provides over
     * iSCSI). So one boot shows whether the disk kept the previous boot's write, and which image it is.
     */
    static byte[] rememberingOnCom1(String message) {
        byte[] code = {
                (byte) 0xFA, (byte) 0xFC,                          // 00 cli; cld
                0x31, (byte) 0xC0,                                 // 02 xor ax, ax
                (byte) 0x8E, (byte) 0xD8, (byte) 0x8E, (byte) 0xC0, // 04 mov ds, ax; mov es, ax
                (byte) 0x8E, (byte) 0xD0,                          // 08 mov ss, ax
                (byte) 0xBC, 0x00, 0x7C,                           // 0A mov sp, 0x7C00
                (byte) 0xFB,                                       // 0D sti           (iPXE's INT 13h needs interrupts)
                (byte) 0x88, 0x16, 0x00, 0x05,                     // 0E mov [0x500], dl  (the boot drive)
                (byte) 0xBE, 0, 0,                                 // 12 mov si, PREV  (patched)
                (byte) 0xE8, 0x3B, 0x00,                           // 15 call print    (to 53)
                (byte) 0xC6, 0x06, 0x00, (byte) 0x80, 0x00,        // 18 mov byte [0x8000], 0  (nothing, if the read fails)
                (byte) 0xB8, 0x01, 0x02,                           // 1D mov ax, 0x0201  (read one sector)
                (byte) 0xB9, 0x02, 0x00,                           // 20 mov cx, 2       (cylinder 0, sector 2)
                (byte) 0xB6, 0x00,                                 // 23 mov dh, 0       (head 0)
                (byte) 0x8A, 0x16, 0x00, 0x05,                     // 25 mov dl, [0x500]
                (byte) 0xBB, 0x00, (byte) 0x80,                    // 29 mov bx, 0x8000
                (byte) 0xCD, 0x13,                                 // 2C int 0x13
                (byte) 0xC6, 0x06, (byte) 0xFF, (byte) 0x80, 0x00, // 2E mov byte [0x80FF], 0  (at most 255 characters)
                (byte) 0xBE, 0x00, (byte) 0x80,                    // 33 mov si, 0x8000
                (byte) 0xE8, 0x1A, 0x00,                           // 36 call print    (to 53)
                (byte) 0xB8, 0x01, 0x03,                           // 39 mov ax, 0x0301  (write one sector)
                (byte) 0xB9, 0x02, 0x00,                           // 3C mov cx, 2
                (byte) 0xB6, 0x00,                                 // 3F mov dh, 0
                (byte) 0x8A, 0x16, 0x00, 0x05,                     // 41 mov dl, [0x500]
                (byte) 0xBB, 0, 0,                                 // 45 mov bx, MESSAGE (patched)
                (byte) 0xCD, 0x13,                                 // 48 int 0x13
                (byte) 0xBE, 0, 0,                                 // 4A mov si, BOOT  (patched)
                (byte) 0xE8, 0x03, 0x00,                           // 4D call print    (to 53)
                (byte) 0xF4,                                       // 50 done: hlt
                (byte) 0xEB, (byte) 0xFD,                          // 51 jmp done
                (byte) 0xBA, (byte) 0xF8, 0x03,                    // 53 print: mov dx, 0x3F8
                (byte) 0xAC,                                       // 56 next: lodsb
                (byte) 0x84, (byte) 0xC0,                          // 57 test al, al
                0x74, 0x03,                                        // 59 jz ret (to 5E)
                (byte) 0xEE,                                       // 5B out dx, al
                (byte) 0xEB, (byte) 0xF8,                          // 5C jmp next (to 56)
                (byte) 0xC3,                                       // 5E ret
        };
        byte[] prev = "\r\nPREV:\0".getBytes(StandardCharsets.US_ASCII);
        byte[] boot = "\r\nBOOT:".getBytes(StandardCharsets.US_ASCII); // runs on into the message
        byte[] text = (message + "\r\n\0").getBytes(StandardCharsets.US_ASCII);
        int prevAt = code.length;
        int bootAt = prevAt + prev.length;
        int messageAt = bootAt + boot.length;
        if (messageAt + text.length > 446) throw new IllegalArgumentException("message too long for a boot sector");
        byte[] mbr = new byte[512];
        System.arraycopy(code, 0, mbr, 0, code.length);
        System.arraycopy(prev, 0, mbr, prevAt, prev.length);
        System.arraycopy(boot, 0, mbr, bootAt, boot.length);
        System.arraycopy(text, 0, mbr, messageAt, text.length);
        patch(mbr, 0x13, LOAD_ADDRESS + prevAt);
        patch(mbr, 0x46, LOAD_ADDRESS + messageAt);
        patch(mbr, 0x4B, LOAD_ADDRESS + bootAt);
        mbr[510] = 0x55;
        mbr[511] = (byte) 0xAA;
        return mbr;
    }

    private static void patch(byte[] mbr, int at, int address) {
        mbr[at] = (byte) address;
        mbr[at + 1] = (byte) (address >>> 8);
    }
}
