package dev.herald.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Asks a server JVM through jcmd for its live heap (the class histogram, which forces a full GC first) and the
 * native memory it has committed (needs {@code -XX:NativeMemoryTracking=summary}). Only for the idle phase:
 * the full GC would distort any measurement of delivery.
 */
final class JcmdProbe {

    /** A class histogram of a large heap takes a while; longer than this, the server is in trouble anyway. */
    private static final long TIMEOUT_SECONDS = 120;
    private static final Pattern NMT_TOTAL = Pattern.compile("Total: reserved=(\\d+)KB, committed=(\\d+)KB");

    private final String jcmd;

    private JcmdProbe(String jcmd) {
        this.jcmd = jcmd;
    }

    /** jcmd from $JAVA_HOME, else from the JDK running this tool, else from the PATH. */
    static JcmdProbe find() {
        for (String home : new String[] {System.getenv("JAVA_HOME"), System.getProperty("java.home")}) {
            if (home != null && Files.isExecutable(Path.of(home, "bin", "jcmd"))) {
                return new JcmdProbe(Path.of(home, "bin", "jcmd").toString());
            }
        }
        return new JcmdProbe("jcmd");
    }

    long liveHeapBytes(long pid, long deadline) throws IOException, InterruptedException {
        return histogramTotal(run(pid, "GC.class_histogram", deadline));
    }

    long nmtCommittedBytes(long pid, long deadline) throws IOException, InterruptedException {
        return nmtCommitted(run(pid, "VM.native_memory", deadline, "summary"));
    }

    /** The bytes of the {@code Total} line that ends a class histogram. */
    static long histogramTotal(String line) throws IOException {
        String[] fields = line.trim().split("\\s+");
        try {
            return Long.parseLong(fields[fields.length - 1]);
        } catch (NumberFormatException e) {
            throw new IOException("unexpected class histogram total: " + line, e);
        }
    }

    static long nmtCommitted(String line) throws IOException {
        Matcher matcher = NMT_TOTAL.matcher(line);
        if (!matcher.find()) {
            throw new IOException("no native memory total: " + line);
        }
        return Long.parseLong(matcher.group(2)) * 1024;
    }

    /** Runs one jcmd command and returns the line that carries its total; the rest of the output is not kept. */
    private String run(long pid, String command, long deadline, String... arguments) throws IOException, InterruptedException {
        Path output = Files.createTempFile("herald-bench-jcmd", ".txt");
        try {
            String[] line = new String[3 + arguments.length];
            line[0] = jcmd;
            line[1] = Long.toString(pid);
            line[2] = command;
            System.arraycopy(arguments, 0, line, 3, arguments.length);
            Process process = new ProcessBuilder(line).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            long wait = Math.min(TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS), Math.max(0, deadline - System.nanoTime()));
            if (!process.waitFor(wait, TimeUnit.NANOSECONDS)) {
                process.destroyForcibly();
                throw new IOException("jcmd " + pid + " " + command + " did not finish in time");
            }
            String first = null;
            try (BufferedReader reader = Files.newBufferedReader(output, StandardCharsets.UTF_8)) {
                for (String text = reader.readLine(); text != null; text = reader.readLine()) {
                    if (text.startsWith("Total")) {
                        return text;
                    }
                    if (first == null && !text.isBlank() && !text.startsWith(pid + ":")) {
                        first = text;
                    }
                }
            }
            throw new IOException("jcmd " + pid + " " + command + " gave no total"
                    + (first == null ? "" : ": " + first) + " (exit " + process.exitValue() + ")");
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
