package dev.herald.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * What the run measures of the server's processes ({@code --server-pid}, summed): memory while the streams are
 * idle (RSS, and with {@code --jvm} the live heap and committed native memory through jcmd), and CPU over the
 * delivery window. A measure that fails becomes a note in the report rather than failing the run.
 */
final class ServerProbe {

    /** Bytes; null where the measure was not taken or failed. */
    record Memory(Long rss, Long liveHeap, Long nmtCommitted) {
    }

    /** CPU seconds of the server and of this process at one moment ({@code at}), or over a window. */
    record Usage(long at, Double server, Double own) {
        Usage since(Usage begin) {
            return new Usage(at - begin.at, server == null || begin.server == null ? null : server - begin.server,
                    own == null || begin.own == null ? null : own - begin.own);
        }
    }

    private interface PidMeasure {
        long of(long pid) throws IOException, InterruptedException;
    }

    private final List<Long> pids;
    private final ProcessProbe process;
    private final JcmdProbe jcmd;
    private final Consumer<String> notes;

    private ServerProbe(List<Long> pids, ProcessProbe process, JcmdProbe jcmd, Consumer<String> notes) {
        this.pids = pids;
        this.process = process;
        this.jcmd = jcmd;
        this.notes = notes;
    }

    /**
     * The probe of the options' server pids, or null when none is given.
     *
     * @throws IllegalArgumentException when a pid is not a process this user can read
     */
    static ServerProbe of(LoadOptions options, Consumer<String> notes) throws InterruptedException {
        if (options.serverPids().isEmpty()) {
            return null;
        }
        for (long pid : options.serverPids()) {
            if (!Files.isReadable(Path.of("/proc", Long.toString(pid), "stat"))) {
                throw new IllegalArgumentException("--server-pid " + pid + " is not a running process this user can read");
            }
        }
        long ticks;
        try {
            ticks = ProcessProbe.ticksPerSecond();
        } catch (IOException e) {
            notes.accept("clock ticks: " + e.getMessage() + "; taking " + ProcessProbe.USUAL_TICKS_PER_SECOND);
            ticks = ProcessProbe.USUAL_TICKS_PER_SECOND;
        }
        return new ServerProbe(options.serverPids(), new ProcessProbe(options.serverPids(), ticks),
                options.jvm() ? JcmdProbe.find() : null, notes);
    }

    long ticksPerSecond() {
        return process.ticksPerSecondUsed();
    }

    Memory memory(long deadline) throws InterruptedException {
        Long liveHeap = null;
        Long nmt = null;
        if (jcmd != null) {
            // the class histogram forces a full GC, so the heap is what is live, and RSS is read after it
            liveHeap = sum(pid -> jcmd.liveHeapBytes(pid, deadline), "live heap");
            nmt = sum(pid -> jcmd.nmtCommittedBytes(pid, deadline), "native memory");
        }
        Long rss = null;
        try {
            rss = process.rssBytes();
        } catch (IOException e) {
            notes.accept("RSS: " + e.getMessage());
        }
        return new Memory(rss, liveHeap, nmt);
    }

    Usage usage() {
        Double server = null;
        Double own = null;
        try {
            server = process.cpuSeconds();
            own = process.ownCpuSeconds();
        } catch (IOException e) {
            notes.accept("CPU: " + e.getMessage());
        }
        return new Usage(System.nanoTime(), server, own);
    }

    private Long sum(PidMeasure measure, String what) throws InterruptedException {
        long total = 0;
        for (long pid : pids) {
            try {
                total += measure.of(pid);
            } catch (IOException e) {
                notes.accept(what + " of " + pid + ": " + e.getMessage());
                return null;
            }
        }
        return total;
    }
}
