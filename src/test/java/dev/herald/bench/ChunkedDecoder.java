package dev.herald.bench;

import java.net.ProtocolException;

/**
 * Undoes {@code Transfer-Encoding: chunked} incrementally (Tomcat and Express stream SSE this way), passing each
 * chunk's bytes straight to the stream's parser without copying them. Chunk extensions and trailers are skipped.
 */
final class ChunkedDecoder {

    /** Hex digits of a chunk size: 7 allow 256 MiB, far more than any server puts in one chunk of a stream. */
    private static final int MAX_SIZE_DIGITS = 7;

    private enum Step { SIZE, EXTENSION, SIZE_LF, DATA, DATA_CR, DATA_LF, TRAILER, DONE }

    private Step step = Step.SIZE;
    private int size;
    private int digits;
    private int trailerLineLength;

    void reset() {
        step = Step.SIZE;
        size = 0;
        digits = 0;
        trailerLineLength = 0;
    }

    /** Decodes {@code length} bytes into {@code body}; true once the last chunk and its trailers have ended the body. */
    boolean decode(byte[] in, int offset, int length, SseParser body) throws ProtocolException {
        int i = offset;
        int end = offset + length;
        while (i < end && step != Step.DONE) {
            if (step == Step.DATA) {
                int n = Math.min(size, end - i);
                body.feed(in, i, n);
                i += n;
                size -= n;
                if (size == 0) {
                    step = Step.DATA_CR;
                }
                continue;
            }
            byte b = in[i++];
            switch (step) {
                case SIZE -> size(b);
                case EXTENSION -> {
                    if (b == '\r') {
                        step = Step.SIZE_LF;
                    } else if (b == '\n') {
                        sizeRead();
                    }
                }
                case SIZE_LF -> {
                    expect(b, '\n');
                    sizeRead();
                }
                case DATA_CR -> {
                    if (b == '\r') {
                        step = Step.DATA_LF;
                    } else {
                        expect(b, '\n');
                        nextChunk();
                    }
                }
                case DATA_LF -> {
                    expect(b, '\n');
                    nextChunk();
                }
                case TRAILER -> trailer(b);
                default -> throw new IllegalStateException(step.name());
            }
        }
        return step == Step.DONE;
    }

    private void size(byte b) throws ProtocolException {
        int value = Character.digit(b, 16);
        if (value >= 0) {
            if (++digits > MAX_SIZE_DIGITS) {
                throw new ProtocolException("a chunk size of more than " + MAX_SIZE_DIGITS + " hex digits");
            }
            size = size * 16 + value;
        } else if (digits == 0) {
            throw new ProtocolException("a chunk without a size");
        } else if (b == '\r') {
            step = Step.SIZE_LF;
        } else if (b == '\n') {
            sizeRead();
        } else if (b == ';' || b == ' ' || b == '\t') {
            step = Step.EXTENSION;
        } else {
            throw new ProtocolException("a chunk size that is not hexadecimal");
        }
    }

    private void sizeRead() {
        step = size == 0 ? Step.TRAILER : Step.DATA;
    }

    private void nextChunk() {
        step = Step.SIZE;
        size = 0;
        digits = 0;
    }

    private void trailer(byte b) {
        if (b == '\n') {
            if (trailerLineLength == 0) {
                step = Step.DONE;
            }
            trailerLineLength = 0;
        } else if (b != '\r') {
            trailerLineLength++;
        }
    }

    private static void expect(byte b, char wanted) throws ProtocolException {
        if (b != wanted) {
            throw new ProtocolException("a chunk not ended by CRLF");
        }
    }
}
