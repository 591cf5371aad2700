package dev.herald.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import redis.embedded.RedisServer;

/**
 * The cluster tests' redis-server (the real binary shipped in embedded-redis) on 127.0.0.1 and the port the nodes
 * are configured with, persisting every write to its append-only file, so that a stop and a start keep the stream.
 */
final class RedisForTests {

    private final int port = Integer.getInteger("it.redis.port", 16379);
    private final Path dir = Path.of(System.getProperty("it.cluster.dir", "target/cluster"), "redis");
    private RedisServer server;

    synchronized void start() {
        try {
            Files.createDirectories(dir);
            server = RedisServer.newRedisServer().bind("127.0.0.1").port(port)
                    .setting("appendonly yes")
                    .setting("appendfsync always")
                    .setting("save \"\"")
                    .setting("dir " + dir.toAbsolutePath())
                    .build();
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("redis-server did not start on 127.0.0.1:" + port, e);
        }
    }

    synchronized void stop() {
        try {
            if (server != null && server.isActive()) {
                server.stop();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server = null;
    }

    /** Whether something answers on the port: a server left over from an earlier run would break the tests. */
    boolean portInUse() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
