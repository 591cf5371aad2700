package dev.herald.app;

/** A request Herald refuses: an HTTP status, a stable error code and a short reason, sent as JSON. */
public class ApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;

    public ApiException(int status, String code, String detail) {
        super(detail);
        this.status = status;
        this.code = code;
    }

    public static ApiException badRequest(String code, String detail) {
        return new ApiException(400, code, detail);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
