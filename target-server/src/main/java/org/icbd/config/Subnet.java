package org.icbd.config;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/** An IP network ({@code 10.0.0.0/24}, {@code fd00::/64}, or one address), parsed at the edge. */
public record Subnet(InetAddress network, int prefix) {

    /** Parses {@code ADDRESS/PREFIX} (a bare address is one host); empty with a problem otherwise. */
    public static Subnet parse(String text) throws IllegalArgumentException {
        String t = text == null ? "" : text.strip();
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        if (!addr.matches("[0-9.]+|[0-9A-Fa-f:]+")) throw new IllegalArgumentException("'" + t + "' is not a network like 10.0.0.0/24");
        InetAddress ip;
        try {
            ip = InetAddress.getByName(addr); // a literal: no name lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + t + "' is not a network like 10.0.0.0/24");
        }
        int bits = ip.getAddress().length * 8;
        int prefix = bits;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(t.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > bits) throw new IllegalArgumentException("'" + t + "': the prefix length must be 0 to " + bits);
        }
        return new Subnet(ip, prefix);
    }

    public boolean contains(InetAddress a) {
        byte[] n = network.getAddress();
        byte[] x = a.getAddress();
        if (n.length != x.length) return false;
        int bits = n.length * 8;
        BigInteger mask = prefix == 0 ? BigInteger.ZERO : BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)
                .shiftRight(bits - prefix).shiftLeft(bits - prefix);
        return new BigInteger(1, n).and(mask).equals(new BigInteger(1, x).and(mask));
    }

    /** A problem with {@code text}, or empty when it is a network. */
    public static Optional<String> problem(String text) {
        try {
            parse(text);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefix;
    }
}
