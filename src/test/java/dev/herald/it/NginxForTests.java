package dev.herald.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real nginx (Debian's) in front of the cluster tests' nodes, as ops run Herald: one {@code upstream} of both
 * nodes, {@code proxy_buffering off} so events pass at once, and a read timeout well above the heartbeat. Its own
 * config and prefix under the cluster test folder; listens on 127.0.0.1 only.
 */
final class NginxForTests {

    static final Path BINARY = Path.of("/usr/sbin/nginx");

    private final int port = Integer.getInteger("it.nginx.port", 18180);
    private final Path prefix = Path.of(System.getProperty("it.cluster.dir", "target/cluster"), "nginx")
            .toAbsolutePath();
    private Process process;

    static boolean isInstalled() {
        return Files.isExecutable(BINARY);
    }

    int port() {
        return port;
    }

    synchronized void start(List<Integer> nodePorts) {
        StringBuilder servers = new StringBuilder();
        // a node that refuses a connection is skipped for 5 s; a GET it refused goes to the next node at once
        nodePorts.forEach(p -> servers.append("    server 127.0.0.1:").append(p)
                .append(" max_fails=1 fail_timeout=5s;\n"));
        String config = """
                worker_processes 1;
                pid run/nginx.pid;
                error_log logs/error.log warn;
                events { worker_connections 1024; }
                http {
                  access_log off;
                  client_body_temp_path tmp/body;
                  proxy_temp_path tmp/proxy;
                  fastcgi_temp_path tmp/fastcgi;
                  uwsgi_temp_path tmp/uwsgi;
                  scgi_temp_path tmp/scgi;
                  upstream herald {
                %s  }
                  server {
                    listen 127.0.0.1:%d;
                    location / {
                      proxy_pass http://herald;
                      proxy_http_version 1.1;
                      proxy_set_header Connection "";
                      proxy_buffering off;
                      # above herald.heartbeat.seconds (1 s in the tests): a quiet stream is not cut
                      proxy_read_timeout 30s;
                      proxy_connect_timeout 2s;
                      proxy_next_upstream error timeout;
                    }
                  }
                }
                """.formatted(servers, port);
        try {
            for (String dir : List.of("logs", "run", "tmp")) {
                Files.createDirectories(prefix.resolve(dir));
            }
            Path conf = prefix.resolve("nginx.conf");
            Files.writeString(conf, config);
            process = new ProcessBuilder(BINARY.toString(), "-c", conf.toString(), "-p", prefix + "/",
                    "-g", "daemon off;")
                    .redirectErrorStream(true).redirectOutput(prefix.resolve("logs/nginx.out").toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!answers()) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("nginx did not start on 127.0.0.1:" + port + ": "
                            + Files.readString(prefix.resolve("logs/nginx.out")));
                }
                Thread.sleep(50);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    synchronized void stop() {
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    private boolean answers() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
