package dev.herald.hookapp;

import jakarta.servlet.ServletContext;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * How the hook behaves, as a test sets it, and how often it was called: one per deployment, kept as a context
 * attribute (no static), so undeploying the application drops it.
 */
final class Behaviour {

    /** What the hook does: answer from the session, or misbehave in one of the ways Herald must survive. */
    enum Mode { NORMAL, SLOW, DOWN, GARBAGE, REDIRECT, HUGE, WRONG_TYPES }

    private static final String ATTRIBUTE = Behaviour.class.getName();

    private final AtomicReference<Mode> mode = new AtomicReference<>(Mode.NORMAL);
    private final AtomicInteger calls = new AtomicInteger();

    static Behaviour of(ServletContext context) {
        synchronized (context) {
            Behaviour behaviour = (Behaviour) context.getAttribute(ATTRIBUTE);
            if (behaviour == null) {
                behaviour = new Behaviour();
                context.setAttribute(ATTRIBUTE, behaviour);
            }
            return behaviour;
        }
    }

    Mode mode() {
        return mode.get();
    }

    /** Sets the mode by its name in the URL ({@code slow}, {@code wrong-types}); false for an unknown name. */
    boolean switchTo(String name) {
        try {
            mode.set(Mode.valueOf(String.valueOf(name).toUpperCase(Locale.ROOT).replace('-', '_')));
            return true;
        } catch (IllegalArgumentException unknown) {
            return false;
        }
    }

    void called() {
        calls.incrementAndGet();
    }

    int calls() {
        return calls.get();
    }

    void resetCalls() {
        calls.set(0);
    }
}
