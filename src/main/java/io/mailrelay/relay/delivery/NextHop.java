package io.mailrelay.relay.delivery;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import io.mailrelay.config.HostPort;
import io.mailrelay.config.SmarthostTls;

/**
 * Where one group of recipients goes and how: the hosts to try in order (several for MX), TLS and AUTH.
 *
 * @param name for logs and bounces ("smarthost smtp.provider.net:587", "MX of example.org")
 * @param targets tried in order until one accepts the connection
 * @param clientCertificate presented in the TLS handshake, or null
 */
public record NextHop(String name, List<HostPort> targets, SmarthostTls tls, boolean verifyCertificate, Path trustedCaFile,
        String username, String password, SmarthostSettings.ClientCertificate clientCertificate) {

    public NextHop {
        targets = List.copyOf(targets);
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("next hop " + name + " has no target");
        }
    }

    /** Without a client certificate. */
    public NextHop(String name, List<HostPort> targets, SmarthostTls tls, boolean verifyCertificate, Path trustedCaFile,
            String username, String password) {
        this(name, targets, tls, verifyCertificate, trustedCaFile, username, password, null);
    }

    /** The same hop with fewer targets. */
    NextHop withTargets(List<HostPort> fewer) {
        return new NextHop(name, fewer, tls, verifyCertificate, trustedCaFile, username, password, clientCertificate);
    }

    /** A local domain's deliverTo target, or an MX host: STARTTLS when offered, certificate not checked (Postfix "may"). */
    static NextHop opportunistic(String name, List<HostPort> targets) {
        return new NextHop(name, targets, SmarthostTls.OPPORTUNISTIC, false, null, null, null);
    }

    /** A local domain's deliverTo target. */
    static NextHop localRoute(HostPort target) {
        return opportunistic("local route -> " + target, List.of(target));
    }

    /** The smarthost, with its credentials as their files hold them now. */
    static NextHop smarthost(SmarthostSettings s) throws NextHopException {
        return authenticated("smarthost " + s.address(), s);
    }

    /** A recipient or sender route's smarthost, with its own credentials as their files hold them now. */
    static NextHop route(RoutingTable.Route route) throws NextHopException {
        return authenticated(route.name(), route.smarthost());
    }

    /** A peer replica taking this relay's queue over (handOff), with the hand-off credentials. */
    static NextHop handOffPeer(SmarthostSettings s) throws NextHopException {
        return authenticated(HAND_OFF + " " + s.address(), s);
    }

    /** What logs and states call a hand-off peer. */
    static final String HAND_OFF = "hand-off peer";

    private static NextHop authenticated(String name, SmarthostSettings s) throws NextHopException {
        String username = null;
        String password = null;
        if (s.authenticates()) {
            try {
                SmarthostCredentials.UsernamePassword current = s.credentials().read();
                username = current.username();
                password = current.password();
            } catch (IOException e) {
                // a Secret being re-mounted, say: wait for it rather than send unauthenticated
                throw new NextHopException(Outcome.temporary("451 4.7.0 cannot read the credentials for " + name
                        + ": " + e.getMessage()));
            }
        }
        return new NextHop(name, List.of(s.address()), s.tls(), s.verifyCertificate(), s.trustedCaFile(), username,
                password, s.clientCertificate());
    }

    @Override
    public String toString() {
        return name;
    }
}
