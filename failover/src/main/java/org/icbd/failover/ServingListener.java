package org.icbd.failover;

/**
 * What a node does when it gains or loses the right to serve. Both are called on one thread, in
 * order; {@link #stopServing} must return only once the node no longer answers on the virtual IP
 * nor accepts writes (listeners closed, sessions dropped, address removed).
 */
public interface ServingListener {

    /** This node leads the cluster in {@code epoch}; start serving (take the VIP, open the portals). */
    void lead(long epoch) throws Exception;

    /** Stop serving at once: leadership is lost, or can no longer be trusted ({@code reason} says which). */
    void stopServing(String reason);
}
