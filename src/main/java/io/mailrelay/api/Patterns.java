package io.mailrelay.api;

/** Regular expressions the API server enforces on MailRelay fields (OpenAPI {@code pattern}). */
public final class Patterns {

    private static final String LABEL = "[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?";
    /** 1 to 65535, without leading zeros. */
    private static final String PORT = "(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})";

    /** A DNS host name, one label or more. */
    public static final String HOST = "^" + LABEL + "(\\." + LABEL + ")*$";
    /** A mail domain: at least two labels. */
    public static final String DOMAIN = "^" + LABEL + "(\\." + LABEL + ")+$";
    /** host:port, with IPv6 literals in brackets ([2001:db8::1]:25). */
    public static final String HOST_PORT = "^(" + LABEL + "(\\." + LABEL + ")*|\\[[0-9a-fA-F:.]+\\]):" + PORT + "$";
    /** A positive duration the relay reads too (config.Durations: at most 9 digits): 30s, 5m, 1h; never 0s. */
    public static final String DURATION = "^[1-9][0-9]{0,8}(s|m|h)$";
    /** A namespace name (DNS label). */
    public static final String NAMESPACE_NAME = "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$";
    /** A DKIM selector: one lowercase DNS label, as a namespace name (it names the generated Secret too). */
    public static final String SELECTOR = NAMESPACE_NAME;
    /** A Kubernetes object name (DNS subdomain). */
    public static final String OBJECT_NAME = "^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$";

    private Patterns() {
    }
}
