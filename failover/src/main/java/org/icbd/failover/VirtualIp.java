package org.icbd.failover;

import java.io.IOException;

/** The cluster's service address, held by the leader of the current epoch only. */
public interface VirtualIp {

    /** Adds the address and announces it (gratuitous ARP), so clients' ARP caches move to this node at once. */
    void acquire() throws IOException;

    /** Removes the address; succeeds when it is already gone. */
    void release() throws IOException;

    /**
     * This node still leads (called each time its leadership is confirmed). An implementation may remove
     * the address by itself when these stop coming (the process froze or died).
     *
     * @throws IOException when the address is no longer held because of that: the node must stop serving
     */
    default void keepAlive() throws IOException {
    }

    /**
     * The ZooKeeper session this node leads with while it holds the address: an implementation that
     * removes the address when the process dies may end that session too, so the next leader need not
     * wait for it to expire.
     */
    default void endOnDeath(ZooKeeperSession session) throws IOException {
    }

    /** True when this node holds the address now. */
    boolean held() throws IOException;
}
