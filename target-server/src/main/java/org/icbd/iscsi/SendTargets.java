package org.icbd.iscsi;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SequencedMap;

/** Answers a Text request: SendTargets (RFC 7143 §12.3) lists the targets the initiator may see. */
final class SendTargets {
    private SendTargets() {
    }

    /**
     * The Text Response data for {@code request} in session {@code s}, reached through
     * {@code portal} ("host:port"), cut to whole key=value items that fit {@code maxLength}.
     */
    static byte[] answer(byte[] request, Session s, TargetRegistry targets, String portal, int maxLength)
            throws TextParameters.MalformedTextException {
        SequencedMap<String, String> keys = TextParameters.parse(request);
        List<String> items = new ArrayList<>();
        for (var e : keys.entrySet()) {
            if (e.getKey().equals("SendTargets")) {
                items.addAll(targets(e.getValue(), s, targets, portal));
            } else {
                items.add(e.getKey() + "=NotUnderstood");
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String i : items) sb.append(i).append('\0');
        byte[] data = sb.toString().getBytes(StandardCharsets.UTF_8);
        if (data.length <= maxLength) return data;
        // only whole key=value items fit; a site with more targets than fit needs continuation
        int cut = maxLength;
        while (cut > 0 && data[cut - 1] != 0) cut--;
        return Arrays.copyOf(data, cut);
    }

    /** "host:port" of the portal {@code channel} came in through, as TargetAddress gives it. */
    static String portal(SocketChannel channel) {
        try {
            InetSocketAddress a = (InetSocketAddress) channel.getLocalAddress();
            String host = a.getAddress().getHostAddress();
            if (host.contains(":")) host = "[" + host + "]";
            return host + ":" + a.getPort();
        } catch (IOException e) {
            return "0.0.0.0:3260";
        }
    }

    private static List<String> targets(String which, Session s, TargetRegistry registry, String portal) {
        List<String> out = new ArrayList<>();
        for (ExportedTarget t : registry.all()) {
            boolean wanted = which.equals("All") ? s.isDiscovery() || t == s.target
                    : which.isEmpty() ? t == s.target || (s.target != null && t.iqn().equals(s.target.iqn()))
                    : t.iqn().equals(which);
            if (!wanted || !t.admits(s.initiatorName)) continue;
            out.add("TargetName=" + t.iqn());
            out.add("TargetAddress=" + portal + "," + IscsiServer.TPGT);
        }
        return out;
    }
}
