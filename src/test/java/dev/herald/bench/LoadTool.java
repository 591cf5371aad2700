package dev.herald.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

/**
 * The benchmark load tool's command line: holds many SSE subscribers on non-blocking sockets from one process,
 * publishes numbered events, and prints a JSON report of deliveries, losses, latencies and server cost.
 *
 * <p>It needs only the JDK, so the test classes are its whole classpath:
 *
 * <pre>
 * mvn -q test-compile &amp;&amp; java -Xmx4g -cp target/test-classes dev.herald.bench.LoadTool \
 *     --target herald --base http://127.0.0.1:8080 --subscribers 1000 --events 100 --rate 50 \
 *     --server-pid TOMCAT_PID --jvm --label tomcat-1k --out target/bench/tomcat-1k.json
 * </pre>
 *
 * The same against the Node peer or nginx Nchan: {@code --target express --base http://127.0.0.1:3000}, or
 * {@code --target nchan --base http://127.0.0.1:8081 --server-pid WORKER_PID}. {@code --help} lists every option.
 * The report goes to stdout (and to {@code --out}); at most one progress line a second goes to stderr. Exit
 * status 0 when the run completed, even if it lost events (the report says so); 2 for bad arguments.
 *
 * <p>One process can hold as many streams as its open-file limit allows, less the few dozen descriptors the JVM
 * itself uses; {@code ulimit -n} tells the limit.
 */
public final class LoadTool {

    private LoadTool() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        for (String arg : args) {
            if (arg.equals("--help") || arg.equals("-h")) {
                System.out.print(LoadOptions.USAGE);
                return;
            }
        }
        LoadOptions options;
        LoadReport report;
        try {
            options = LoadOptions.parse(args);
            report = new LoadRun(options).call();
        } catch (IllegalArgumentException e) {
            System.err.println("herald-bench: " + e.getMessage());
            System.err.print(LoadOptions.USAGE);
            System.exit(2);
            return;
        }
        String json = report.toJson();
        System.out.println(json);
        if (options.out() != null) {
            if (options.out().toAbsolutePath().getParent() != null) {
                Files.createDirectories(options.out().toAbsolutePath().getParent());
            }
            Files.writeString(options.out(), json + "\n", StandardCharsets.UTF_8);
        }
    }
}
