package org.icbd.node;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.icbd.volume.VolumeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running node's door for the CLI on the same machine: a Unix socket in the data root, mode 0600,
 * so only the owner of the data root can use it. One request line, one answer line: {@code ok TEXT} or
 * {@code error KIND MESSAGE}. Operations on a disk the node serves (a clone reset) run here, inside
 * the node, because only it can switch its open files.
 */
public final class NodeControl implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeControl.class);

    /** Answers one request (its words); a {@link VolumeException} becomes an error answer. */
    @FunctionalInterface
    public interface Handler {
        String handle(List<String> words) throws Exception;
    }

    private final Path socket;
    private final ServerSocketChannel server;
    private final Handler handler;
    private volatile boolean closed;

    private NodeControl(Path socket, ServerSocketChannel server, Handler handler) {
        this.socket = socket;
        this.server = server;
        this.handler = handler;
    }

    public static NodeControl start(Path socket, Handler handler) throws IOException {
        Files.deleteIfExists(socket); // left by a node that died; a live one would have answered the CLI
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socket));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        NodeControl control = new NodeControl(socket, server, handler);
        Thread.ofPlatform().daemon().name("icbd-node-control").start(control::acceptLoop);
        return control;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel client = server.accept();
                Thread.ofVirtual().name("icbd-node-request").start(() -> answer(client));
            } catch (IOException e) {
                if (!closed) log.warn("node control socket {}: {}", socket, e.toString());
                return;
            }
        }
    }

    private void answer(SocketChannel client) {
        try (client;
             BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(client), StandardCharsets.UTF_8));
             PrintWriter out = new PrintWriter(Channels.newOutputStream(client), true, StandardCharsets.UTF_8)) {
            String line = in.readLine();
            if (line == null) return;
            String reply;
            try {
                reply = "ok " + handler.handle(List.of(line.trim().split("\\s+")));
            } catch (VolumeException e) {
                reply = "error " + e.kind() + " " + oneLine(e.getMessage());
            } catch (Exception e) {
                log.warn("request '{}' failed", line, e);
                reply = "error " + VolumeException.Kind.FAILED + " " + oneLine(String.valueOf(e.getMessage()));
            }
            out.println(reply);
        } catch (IOException e) {
            log.debug("node control client: {}", e.toString());
        }
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ');
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            log.debug("closing {}: {}", socket, e.toString());
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            log.debug("removing {}: {}", socket, e.toString());
        }
    }
}
