package org.icbd.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.icbd.volume.VolumeException;

/**
 * The CLI's side of a running node's control socket ({@code node.sock} in the data root): a change
 * to a disk the node may hold open is sent there, so the node makes it and switches its files.
 */
final class RunningNode {

    private final Path socket;

    private RunningNode(Path socket) {
        this.socket = socket;
    }

    /** The node serving this data root, when one runs (a socket left by a dead node does not answer). */
    static Optional<RunningNode> at(Path socket) {
        if (!Files.exists(socket)) return Optional.empty();
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(socket));
            return Optional.of(new RunningNode(socket));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Sends one request; hands back the node's answer, or throws its error as the node worded it. */
    String ask(String request) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            PrintWriter out = new PrintWriter(Channels.newOutputStream(ch), true, StandardCharsets.UTF_8);
            out.println(request);
            String reply = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8)).readLine();
            if (reply == null) throw new IOException("the node serving " + socket.getParent() + " closed the connection without an answer");
            if (reply.startsWith("ok")) return reply.length() > 3 ? reply.substring(3) : "";
            String[] parts = reply.split(" ", 3);
            VolumeException.Kind kind;
            try {
                kind = VolumeException.Kind.valueOf(parts[1]);
            } catch (RuntimeException e) {
                kind = VolumeException.Kind.FAILED;
            }
            throw new VolumeException(kind, parts.length > 2 ? parts[2] : reply);
        }
    }
}
