package dev.herald.backbone.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import redis.embedded.RedisServer;

/**
 * A real redis-server (the binary shipped in embedded-redis) on a free loopback port, with append-only
 * persistence written on every command into its own directory, so a stop and start keeps every stored entry.
 */
final class RedisProcess implements AutoCloseable {

    private final int port;
    private final Path dir;
    private RedisServer server;

    RedisProcess() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            this.port = socket.getLocalPort();
            this.dir = Files.createTempDirectory("herald-redis-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int port() {
        return port;
    }

    String uri() {
        return "redis://127.0.0.1:" + port + "/0";
    }

    RedisProcess start() {
        try {
            server = RedisServer.newRedisServer().bind("127.0.0.1").port(port)
                    .setting("appendonly yes")
                    .setting("appendfsync always")
                    .setting("dir " + dir)
                    .setting("save \"\"")
                    .build();
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    void stop() {
        try {
            if (server != null && server.isActive()) {
                server.stop();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        stop();
    }
}
