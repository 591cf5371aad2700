package dev.herald.web;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** A request Herald refuses: an HTTP status, a stable error code and a short reason, sent as JSON. */
public class ApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;
    /** Headers the answer carries, such as {@code WWW-Authenticate} on a 401. */
    private final Map<String, String> headers = new LinkedHashMap<>();

    public ApiException(int status, String code, String detail) {
        super(detail);
        this.status = status;
        this.code = code;
    }

    public static ApiException badRequest(String code, String detail) {
        return new ApiException(400, code, detail);
    }

    public ApiException withHeader(String name, String value) {
        headers.put(name, value);
        return this;
    }

    /** The same refusal with its detail prefixed, e.g. by {@code events[3]: } to name the event of a batch at fault. */
    public ApiException prefixed(String prefix) {
        ApiException prefixed = new ApiException(status, code, prefix + getMessage());
        if (getCause() != null) {
            prefixed.initCause(getCause());
        }
        prefixed.headers.putAll(headers);
        return prefixed;
    }

    public Map<String, String> headers() {
        return Collections.unmodifiableMap(headers);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
