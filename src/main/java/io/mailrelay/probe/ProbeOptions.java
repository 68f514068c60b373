package io.mailrelay.probe;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How to probe. Start from {@link #defaults()} and change what you need with {@link #toBuilder()}:
 * {@code ProbeOptions.defaults().toBuilder().sourceAddress(addr).maxDuration(Duration.ofMinutes(1)).build()}.
 *
 * @param testDomain the external domain used for relay recipients and senders; must not be local to the
 *        target (default {@value #DEFAULT_TEST_DOMAIN}, a reserved name that never receives mail)
 * @param sourceAddress local address to connect from, or null for the system's choice
 * @param connectTimeout cap on establishing the TCP connection (and the implicit TLS handshake)
 * @param commandTimeout cap on waiting for each reply
 * @param maxDuration cap on the whole run; attempts left when it is reached are {@link AttemptOutcome#NOT_RUN}
 * @param tls how to use TLS
 * @param verifyCertificate check the server certificate against the JVM trust store and the target
 *        host name (off by default: a probe wants to talk to any server)
 * @param heloName the name sent with EHLO/HELO; null means the test domain
 * @param connections how many connections run attempts at the same time (default
 *        {@value #DEFAULT_CONNECTIONS}); the report does not depend on it
 * @param softErrorLimit the server's soft error limit to stay under: a connection is replaced before
 *        it could receive its {@code softErrorLimit}-th error (4xx/5xx) reply, so tarpits that slow
 *        down clients after that many errors (Postfix's {@code smtpd_soft_error_limit}, default
 *        {@value #DEFAULT_SOFT_ERROR_LIMIT}) never engage
 * @param attemptTimeout cap on one attempt (all its commands); a timed-out attempt is retried once
 *        on a new connection, like one whose connection dropped
 * @param proxyHeader a PROXY header sent first on every connection (the forged-PROXY vantage), or null for none
 */
public record ProbeOptions(String testDomain, InetAddress sourceAddress, Duration connectTimeout,
        Duration commandTimeout, Duration maxDuration, ConnectTls tls, boolean verifyCertificate,
        String heloName, int connections, int softErrorLimit, Duration attemptTimeout,
        ProxyHeader proxyHeader) {

    public static final String DEFAULT_TEST_DOMAIN = "probe.example";
    public static final int DEFAULT_CONNECTIONS = 3;
    /** More would look like an attack, and gain nothing over the suite's twenty-odd attempts. */
    public static final int MAX_CONNECTIONS = 10;
    public static final int DEFAULT_SOFT_ERROR_LIMIT = 10;

    private static final Pattern DOMAIN = Pattern.compile(
            "(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+");

    public ProbeOptions {
        Objects.requireNonNull(testDomain, "testDomain");
        if (!DOMAIN.matcher(testDomain).matches()) {
            throw new IllegalArgumentException("test domain '" + testDomain
                    + "' is not a domain name like probe.example");
        }
        requirePositive("connect timeout", connectTimeout);
        requirePositive("command timeout", commandTimeout);
        requirePositive("max duration", maxDuration);
        Objects.requireNonNull(tls, "tls");
        if (heloName != null && (heloName.isBlank() || heloName.matches(".*[\\s<>].*"))) {
            throw new IllegalArgumentException("HELO name '" + heloName + "' must be one word");
        }
        if (connections < 1 || connections > MAX_CONNECTIONS) {
            throw new IllegalArgumentException("connections must be 1 to " + MAX_CONNECTIONS + ", got " + connections);
        }
        if (softErrorLimit < 2) {
            // each attempt may cost one error reply: a connection must be allowed at least one
            throw new IllegalArgumentException("soft error limit must be at least 2, got " + softErrorLimit);
        }
        requirePositive("attempt timeout", attemptTimeout);
    }

    /** Without a PROXY header. */
    public ProbeOptions(String testDomain, InetAddress sourceAddress, Duration connectTimeout,
            Duration commandTimeout, Duration maxDuration, ConnectTls tls, boolean verifyCertificate, String heloName,
            int connections, int softErrorLimit, Duration attemptTimeout) {
        this(testDomain, sourceAddress, connectTimeout, commandTimeout, maxDuration, tls, verifyCertificate,
                heloName, connections, softErrorLimit, attemptTimeout, null);
    }

    public static ProbeOptions defaults() {
        return new ProbeOptions(DEFAULT_TEST_DOMAIN, null, Duration.ofSeconds(10), Duration.ofSeconds(30),
                Duration.ofMinutes(5), ConnectTls.STARTTLS, false, null, DEFAULT_CONNECTIONS, DEFAULT_SOFT_ERROR_LIMIT,
                Duration.ofMinutes(1), null);
    }

    /** The name sent with EHLO/HELO. */
    public String effectiveHeloName() {
        return heloName != null ? heloName : testDomain;
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Changes some options of a {@link ProbeOptions}; unset ones keep their value. */
    public static final class Builder {
        private String testDomain;
        private InetAddress sourceAddress;
        private Duration connectTimeout;
        private Duration commandTimeout;
        private Duration maxDuration;
        private ConnectTls tls;
        private boolean verifyCertificate;
        private String heloName;
        private int connections;
        private int softErrorLimit;
        private Duration attemptTimeout;
        private ProxyHeader proxyHeader;

        private Builder(ProbeOptions from) {
            testDomain = from.testDomain;
            sourceAddress = from.sourceAddress;
            connectTimeout = from.connectTimeout;
            commandTimeout = from.commandTimeout;
            maxDuration = from.maxDuration;
            tls = from.tls;
            verifyCertificate = from.verifyCertificate;
            heloName = from.heloName;
            connections = from.connections;
            softErrorLimit = from.softErrorLimit;
            attemptTimeout = from.attemptTimeout;
            proxyHeader = from.proxyHeader;
        }

        public Builder testDomain(String domain) {
            testDomain = domain;
            return this;
        }

        public Builder sourceAddress(InetAddress address) {
            sourceAddress = address;
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            connectTimeout = timeout;
            return this;
        }

        public Builder commandTimeout(Duration timeout) {
            commandTimeout = timeout;
            return this;
        }

        public Builder maxDuration(Duration duration) {
            maxDuration = duration;
            return this;
        }

        public Builder tls(ConnectTls mode) {
            tls = mode;
            return this;
        }

        public Builder verifyCertificate(boolean verify) {
            verifyCertificate = verify;
            return this;
        }

        public Builder heloName(String name) {
            heloName = name;
            return this;
        }

        public Builder connections(int count) {
            connections = count;
            return this;
        }

        public Builder softErrorLimit(int limit) {
            softErrorLimit = limit;
            return this;
        }

        public Builder attemptTimeout(Duration timeout) {
            attemptTimeout = timeout;
            return this;
        }

        public Builder proxyHeader(ProxyHeader header) {
            proxyHeader = header;
            return this;
        }

        /** Validates and returns the options; IllegalArgumentException names what is wrong. */
        public ProbeOptions build() {
            return new ProbeOptions(testDomain, sourceAddress, connectTimeout, commandTimeout, maxDuration, tls,
                    verifyCertificate, heloName, connections, softErrorLimit, attemptTimeout, proxyHeader);
        }
    }

    private static void requirePositive(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }
}
