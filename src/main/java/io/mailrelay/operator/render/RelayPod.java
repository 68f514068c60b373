package io.mailrelay.operator.render;

/** The relay pod contract of docs/relay.md: ports, mount paths, command, identity. */
public final class RelayPod {

    public static final int SMTP_PORT = 2525;
    public static final int HTTP_PORT = 8080;
    public static final String HTTP_PORT_NAME = "http";

    public static final String CONFIG_DIR = "/etc/mailrelay/config";
    public static final String CONFIG_KEY = "relay.yaml";
    public static final String CONFIG_FILE = CONFIG_DIR + "/" + CONFIG_KEY;
    public static final String TLS_DIR = "/etc/mailrelay/tls";
    public static final String AUTH_DIR = "/etc/mailrelay/auth";
    public static final String SMARTHOST_DIR = "/etc/mailrelay/smarthost";
    public static final String ADMIN_DIR = "/etc/mailrelay/admin";
    public static final String ADMIN_TOKEN_KEY = "token";
    /** The {@code <name>-peer} Secret: username, password, users (the hand-off credentials). */
    public static final String PEER_DIR = "/etc/mailrelay/peer";
    /** The {@code <name>-credentials} Secret: users and sender-logins of relayFor.credentials (relay.yaml senderLogins). */
    public static final String CREDENTIALS_DIR = "/etc/mailrelay/credentials";
    public static final String LOGIN_MAPS_KEY = "sender-logins";
    /** spec.dkim[i]'s Secret (key private.pem) is mounted at DKIM_DIR/i. */
    public static final String DKIM_DIR = "/etc/mailrelay/dkim";
    /**
     * The credentials Secret (username, password) of spec.outbound.recipientRoutes[i] / senderRoutes[i] is mounted at
     * ROUTES_DIR/recipient-i / ROUTES_DIR/sender-i.
     */
    public static final String ROUTES_DIR = "/etc/mailrelay/routes";

    /** outbound.smarthost.clientCertificateSecret (tls.crt, tls.key); a route's at {@link #clientDirectory}. */
    public static final String SMARTHOST_CLIENT_DIR = "/etc/mailrelay/smarthost-client";

    /** Where route {@code index} of {@code kind} (recipient, sender) has its credentials mounted. */
    public static String routeDirectory(String kind, int index) {
        return ROUTES_DIR + "/" + kind + "-" + index;
    }

    /** Where the client certificate of the smarthost (kind smarthost) or a route is mounted. */
    public static String clientDirectory(String kind, int index) {
        return "smarthost".equals(kind) ? SMARTHOST_CLIENT_DIR : routeDirectory(kind, index) + "-client";
    }
    public static final String SPOOL_DIR = "/var/spool/mailrelay";
    public static final String TMP_DIR = "/tmp";

    /**
     * The image's non-root user, also its group: relay pods run as it unless the platform assigns a UID
     * ({@link RelayUid}), so spool files keep their owner across image versions.
     */
    public static final long UID = 10025L;

    private RelayPod() {
    }
}
