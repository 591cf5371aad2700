package dev.herald.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** CPU time and resident memory of the server's processes, summed, and of this one, read from Linux's /proc. */
final class ProcessProbe {

    /** What Linux uses nearly everywhere; taken when getconf cannot be asked. */
    static final long USUAL_TICKS_PER_SECOND = 100;

    private final List<Long> pids;
    private final long ticksPerSecond;

    ProcessProbe(List<Long> pids, long ticksPerSecond) {
        this.pids = List.copyOf(pids);
        this.ticksPerSecond = ticksPerSecond;
    }

    /** The kernel's clock ticks per second, from {@code getconf CLK_TCK}: the unit of the times in /proc/PID/stat. */
    static long ticksPerSecond() throws IOException, InterruptedException {
        Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
        if (!getconf.waitFor(10, TimeUnit.SECONDS)) {
            getconf.destroyForcibly();
            throw new IOException("getconf CLK_TCK did not answer");
        }
        String out = new String(getconf.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        try {
            return Long.parseLong(out);
        } catch (NumberFormatException e) {
            throw new IOException("getconf CLK_TCK answered " + out, e);
        }
    }

    long ticksPerSecondUsed() {
        return ticksPerSecond;
    }

    /** User plus system CPU seconds of all the server's processes (all their threads). */
    double cpuSeconds() throws IOException {
        long ticks = 0;
        for (long pid : pids) {
            ticks += ticks(read("/proc/" + pid + "/stat"));
        }
        return (double) ticks / ticksPerSecond;
    }

    double ownCpuSeconds() throws IOException {
        return (double) ticks(read("/proc/self/stat")) / ticksPerSecond;
    }

    /** VmRSS of the server's processes, in bytes. */
    long rssBytes() throws IOException {
        long kib = 0;
        for (long pid : pids) {
            kib += rssKib(read("/proc/" + pid + "/status"));
        }
        return kib * 1024;
    }

    /** utime + stime: fields 14 and 15 of /proc/PID/stat, counted after the command name, which may hold spaces. */
    static long ticks(String stat) throws IOException {
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        try {
            // fields[0] is field 3 (state), so utime (14) and stime (15) are at 11 and 12
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (RuntimeException e) {
            throw new IOException("unexpected /proc stat line: " + stat, e);
        }
    }

    static long rssKib(String status) throws IOException {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
            }
        }
        throw new IOException("no VmRSS in /proc status");
    }

    private static String read(String file) throws IOException {
        return Files.readString(Path.of(file), StandardCharsets.ISO_8859_1);
    }
}
