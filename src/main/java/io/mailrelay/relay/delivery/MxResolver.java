package io.mailrelay.relay.delivery;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

import io.mailrelay.config.HostPort;

/**
 * MX lookup for direct delivery (RFC 5321 section 5.1): MX hosts by preference, the domain itself when it has
 * no MX (implicit MX), and no delivery at all to a null MX (RFC 7505). At most {@code addressLimit} addresses
 * (Postfix smtp_mx_address_limit): the hosts after them are not even looked up.
 */
final class MxResolver {

    private final Resolver resolver;
    private final int smtpPort;
    private final int addressLimit;

    /** @param addressLimit addresses per lookup, 0 for no limit */
    MxResolver(DeliverySettings.MxSettings settings, int addressLimit) {
        this.resolver = settings.resolver() == null ? new ExtendedResolver() : new SimpleResolver(settings.resolver());
        this.smtpPort = settings.port();
        this.addressLimit = addressLimit;
    }

    /** The addresses to try, best first; a {@link NextHopException} says whether to retry or bounce. */
    List<HostPort> lookup(String domain) throws NextHopException {
        Name name = name(domain);
        Lookup mx = lookup(name, Type.MX);
        List<HostPort> targets = new ArrayList<>();
        switch (mx.getResult()) {
            case Lookup.SUCCESSFUL -> {
                List<MXRecord> records = Arrays.stream(mx.getAnswers()).map(MXRecord.class::cast)
                        .sorted(Comparator.comparingInt(MXRecord::getPriority)).toList();
                if (records.stream().anyMatch(r -> r.getTarget().equals(Name.root))) {
                    throw new NextHopException(Outcome.permanent(
                            "556 5.1.10 " + domain + " does not accept mail (null MX, RFC 7505)"));
                }
                for (MXRecord record : records) {
                    if (addressLimit > 0 && targets.size() >= addressLimit) {
                        break;
                    }
                    targets.addAll(addresses(record.getTarget()));
                }
            }
            case Lookup.TYPE_NOT_FOUND -> targets.addAll(addresses(name)); // implicit MX
            case Lookup.HOST_NOT_FOUND -> throw new NextHopException(
                    Outcome.permanent("550 5.1.2 domain " + domain + " does not exist"));
            default -> throw new NextHopException(
                    Outcome.temporary("451 4.4.3 MX lookup of " + domain + " failed: " + mx.getErrorString()));
        }
        if (targets.isEmpty()) {
            throw new NextHopException(Outcome.temporary("451 4.4.3 no address for the mail hosts of " + domain));
        }
        return addressLimit > 0 && targets.size() > addressLimit ? List.copyOf(targets.subList(0, addressLimit))
                : targets;
    }

    private List<HostPort> addresses(Name host) throws NextHopException {
        List<HostPort> found = new ArrayList<>();
        boolean temporaryFailure = false;
        for (int type : new int[] {Type.A, Type.AAAA}) {
            Lookup lookup = lookup(host, type);
            if (lookup.getResult() == Lookup.SUCCESSFUL) {
                for (Record record : lookup.getAnswers()) {
                    InetAddress address = record instanceof ARecord a ? a.getAddress() : ((AAAARecord) record).getAddress();
                    found.add(new HostPort(address.getHostAddress(), smtpPort));
                }
            } else if (lookup.getResult() == Lookup.TRY_AGAIN) {
                temporaryFailure = true;
            }
        }
        if (found.isEmpty() && temporaryFailure) {
            throw new NextHopException(Outcome.temporary("451 4.4.3 address lookup of " + host + " failed"));
        }
        return found;
    }

    private Lookup lookup(Name name, int type) {
        Lookup lookup = new Lookup(name, type);
        lookup.setResolver(resolver);
        lookup.setCache(null); // fresh answers: a retry must see a fixed MX
        lookup.run();
        return lookup;
    }

    private static Name name(String domain) throws NextHopException {
        try {
            return Name.fromString(domain.endsWith(".") ? domain : domain + ".");
        } catch (TextParseException e) {
            throw new NextHopException(Outcome.permanent("501 5.1.2 '" + domain + "' is not a domain name"));
        }
    }
}
