package org.icbd.failover;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.Optional;
import java.util.UUID;

/**
 * What a replication stream claims to be: a checkpoint {@code snapshot} of {@code volume}, incremental
 * against {@code parent} when present, sent by the leader of {@code epoch} in {@code cluster}; or, with
 * {@code version} set, published version {@code snapshot} (its number) of image {@code volume},
 * incremental against version {@code parent}. {@code uuid} is the one {@code btrfs send} writes into the
 * stream (the sent subvolume's received uuid when it has one, else its own uuid): the subvolume the
 * standby receives must carry it as its received uuid, or it is not the one announced. Parsed from
 * bytes with every name checked, since names become paths on the receiver.
 */
public record ReplicationHeader(String cluster, long epoch, String volume, String snapshot, Optional<String> parent,
                                boolean version, UUID uuid) {

    /**
     * The first int: a checkpoint stream; a version stream; (a write-log connection is {@link LogHeader#PROTOCOL}).
     * 1 and 3 were the same streams without the announced uuid, no longer accepted.
     */
    private static final int CHECKPOINT = 4;
    private static final int PUBLISHED_VERSION = 5;

    public ReplicationHeader(String cluster, long epoch, String volume, String snapshot, Optional<String> parent, UUID uuid) {
        this(cluster, epoch, volume, snapshot, parent, false, uuid);
    }

    public ReplicationHeader {
        new ClusterPaths(cluster);
        if (epoch < 1) throw new IllegalArgumentException("epoch must be positive; got " + epoch);
        requireName("volume", volume);
        requireName("snapshot", snapshot);
        parent.ifPresent(p -> requireName("parent", p));
        if (uuid == null) throw new IllegalArgumentException("the sent subvolume's uuid is required");
    }

    private static void requireName(String what, String value) {
        if (!ReplicaName.valid(value)) {
            throw new IllegalArgumentException("invalid " + what + " name '" + value + "'");
        }
    }

    public byte[] encode() {
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(b);
            out.writeInt(version ? PUBLISHED_VERSION : CHECKPOINT);
            out.writeUTF(cluster);
            out.writeLong(epoch);
            out.writeUTF(volume);
            out.writeUTF(snapshot);
            out.writeUTF(parent.orElse(""));
            out.writeLong(uuid.getMostSignificantBits());
            out.writeLong(uuid.getLeastSignificantBits());
            return b.toByteArray();
        } catch (IOException e) {
            throw new AssertionError(e); // in memory
        }
    }

    /** @throws IOException with what is wrong, for any byte sequence that is not a valid header */
    public static ReplicationHeader decode(byte[] bytes) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        try {
            int protocol = in.readInt();
            if (protocol != CHECKPOINT && protocol != PUBLISHED_VERSION) {
                throw new IOException("unsupported replication protocol version " + protocol);
            }
            String cluster = in.readUTF();
            long epoch = in.readLong();
            String volume = in.readUTF();
            String snapshot = in.readUTF();
            String parent = in.readUTF();
            UUID uuid = new UUID(in.readLong(), in.readLong());
            if (in.available() != 0) throw new IOException("trailing bytes after the replication header");
            return new ReplicationHeader(cluster, epoch, volume, snapshot, parent.isEmpty() ? Optional.empty() : Optional.of(parent),
                    protocol == PUBLISHED_VERSION, uuid);
        } catch (EOFException e) {
            throw new IOException("truncated replication header", e);
        } catch (IllegalArgumentException e) {
            throw new IOException("bad replication header: " + e.getMessage(), e);
        }
    }
}
