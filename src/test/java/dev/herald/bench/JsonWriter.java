package dev.herald.bench;

/** Writes the report as indented JSON: the few shapes it needs, so the tool depends on the JDK alone. */
final class JsonWriter {

    private final StringBuilder out = new StringBuilder(4096);
    private int depth;
    /** Whether the current object or array already has a member, so the next one needs a comma. */
    private boolean hasMember;

    JsonWriter open(String name) {
        member(name);
        out.append('{');
        depth++;
        hasMember = false;
        return this;
    }

    JsonWriter close() {
        return end('}');
    }

    JsonWriter openArray(String name) {
        member(name);
        out.append('[');
        depth++;
        hasMember = false;
        return this;
    }

    JsonWriter closeArray() {
        return end(']');
    }

    JsonWriter field(String name, long value) {
        member(name);
        out.append(value);
        return this;
    }

    JsonWriter field(String name, double value) {
        member(name);
        if (Double.isFinite(value)) {
            out.append(Math.round(value * 1000) / 1000.0);
        } else {
            out.append("null");
        }
        return this;
    }

    JsonWriter field(String name, boolean value) {
        member(name);
        out.append(value);
        return this;
    }

    /** A string, or null. */
    JsonWriter field(String name, String value) {
        member(name);
        string(value);
        return this;
    }

    /** A number, or null when it was not measured. */
    JsonWriter field(String name, Long value) {
        return value == null ? nullField(name) : field(name, value.longValue());
    }

    /** A number, or null when it was not measured. */
    JsonWriter field(String name, Double value) {
        return value == null ? nullField(name) : field(name, value.doubleValue());
    }

    JsonWriter nullField(String name) {
        member(name);
        out.append("null");
        return this;
    }

    JsonWriter element(long value) {
        return field(null, value);
    }

    JsonWriter element(String value) {
        return field(null, value);
    }

    @Override
    public String toString() {
        return out.toString();
    }

    private JsonWriter end(char bracket) {
        depth--;
        if (hasMember) {
            newline();
        }
        out.append(bracket);
        hasMember = true;
        return this;
    }

    /** Starts a member of the current object ({@code name} given) or array ({@code name} null). */
    private void member(String name) {
        if (hasMember) {
            out.append(',');
        }
        if (depth > 0) {
            newline();
        }
        hasMember = true;
        if (name != null) {
            string(name);
            out.append(": ");
        }
    }

    private void newline() {
        out.append('\n');
        for (int i = 0; i < depth; i++) {
            out.append("  ");
        }
    }

    private void string(String value) {
        if (value == null) {
            out.append("null");
            return;
        }
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
