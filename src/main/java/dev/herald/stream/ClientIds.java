package dev.herald.stream;

import java.util.concurrent.ThreadLocalRandom;

/**
 * New client ids: ten characters from {@code A-Z a-z 0-9 _ -}, from one 60-bit random draw. An id must be unique
 * on a node (the hub draws again on a clash), not secret: knowing one grants nothing, since ending a stream needs
 * {@code $admin}. So the draw is the calling thread's own generator: a secure source, shared by every request
 * thread, was a few per cent of a connect burst's CPU.
 */
final class ClientIds {

    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    static final int LENGTH = 10;

    /** Drawn before the hub takes its lock. */
    String next() {
        long bits = ThreadLocalRandom.current().nextLong();
        char[] id = new char[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            id[i] = ALPHABET.charAt((int) (bits & 63));
            bits >>>= 6;
        }
        return new String(id);
    }
}
