package dev.herald.it;

/**
 * An event stream's lines turned into events as EventSource reads them (id, event, data lines joined with a line
 * feed, retry), for the tests' own stream readers over HTTP/1.1 ({@link SseStream}) and HTTP/2
 * ({@link Http2EventStream}). Comment lines are the reader's business: it never feeds them here.
 */
final class SseLines {

    private String id;
    private String event;
    private StringBuilder data;
    private Integer retry;

    /**
     * Takes one line (without its line end); answers the event an empty line completes, or null.
     *
     * @throws IllegalArgumentException for a field Herald never writes
     */
    SseEvent feed(String line) {
        if (line.isEmpty()) {
            SseEvent complete = id != null || event != null || data != null || retry != null
                    ? new SseEvent(id, event, data == null ? null : data.toString(), retry) : null;
            id = null;
            event = null;
            data = null;
            retry = null;
            return complete;
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "id" -> id = value;
            case "event" -> event = value;
            case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
            case "retry" -> retry = Integer.valueOf(value);
            default -> throw new IllegalArgumentException("unknown field: " + line);
        }
        return null;
    }
}
