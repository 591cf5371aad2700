package dev.herald.stream;

import java.security.SecureRandom;
import java.util.random.RandomGenerator;

/** New client ids: ten characters from {@code A-Z a-z 0-9 _ -}, from one 60-bit draw of a secure random source. */
final class ClientIds {

    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    static final int LENGTH = 10;

    private final RandomGenerator random = new SecureRandom();

    /** Drawn before the hub takes its lock: a burst of reconnecting clients would otherwise queue on the source. */
    String next() {
        long bits = random.nextLong();
        char[] id = new char[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            id[i] = ALPHABET.charAt((int) (bits & 63));
            bits >>>= 6;
        }
        return new String(id);
    }
}
