package io.mailrelay.relay.dkim;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

import org.apache.james.jdkim.DKIMCommon;
import org.apache.james.jdkim.api.SignatureRecord;
import org.apache.james.jdkim.exceptions.PermFailException;
import org.apache.james.jdkim.impl.BodyHasherImpl;
import org.apache.james.jdkim.tagvalue.SignatureRecordTemplate;
import org.apache.james.mime4j.dom.address.Mailbox;
import org.apache.james.mime4j.field.address.LenientAddressParser;
import org.jboss.logging.Logger;


import io.mailrelay.config.Dkim;
import io.mailrelay.config.DkimKey;
import io.mailrelay.config.DomainNames;
import io.mailrelay.relay.spool.MessageStamp;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Signs accepted mail (RFC 6376; ed25519-sha256, RFC 8463) when it is committed to the spool, over its bytes as they
 * are spooled and sent: the relay's Received: header included, nothing re-serialised; the DKIM-Signature fields go
 * in front. jDKIM canonicalises, hashes the body and writes the signature record; here only: which keys sign
 * (the From: domain's, or {@code signAllWith}'s), the h= list with From oversigned, and the Ed25519 signature.
 */
public final class DkimSigner extends DKIMCommon implements MessageStamp {
    private static final Logger LOG = Logger.getLogger(DkimSigner.class);
    /** A header section longer than this (Postfix's header_size_limit is 100 KiB) is sent unsigned. */
    private static final int MAX_HEADER_BYTES = 1024 * 1024;

    record SigningKey(String domain, String selector, DkimKey key) {
    }

    private final List<SigningKey> keys;
    private final String signAllWith;
    private final List<String> headers;
    private final String canonicalization;
    private final Clock clock;
    private final Counter signed;
    private final Counter noKey;
    private final Counter unreadable;

    DkimSigner(List<SigningKey> keys, String signAllWith, List<String> headers, String canonicalization, Clock clock,
            MeterRegistry registry) {
        this.keys = List.copyOf(keys);
        this.signAllWith = signAllWith == null ? null : DomainNames.normalize(signAllWith);
        this.headers = headers.stream().map(name -> name.toLowerCase(Locale.ROOT)).distinct().toList();
        this.canonicalization = canonicalization;
        this.clock = clock;
        this.signed = messages(registry, "signed", "none");
        this.noKey = messages(registry, "unsigned", "no_key_for_domain");
        this.unreadable = messages(registry, "unsigned", "header_section");
    }

    /**
     * {@code mailrelay.dkim.messages}: result signed, or unsigned with the reason (no_key_for_domain: its From: domain
     * has no key and there is no signAllWith; header_section: over 1 MiB, or not text in the JVM's charset).
     */
    private static Counter messages(MeterRegistry registry, String result, String reason) {
        return Counter.builder("mailrelay.dkim.messages").tag("result", result).tag("reason", reason)
                .description("accepted messages by DKIM outcome: signed, or unsigned and why").register(registry);
    }

    /** @param dkim with its defaults; the key files are read now (the loader checked that they parse) */
    public static MessageStamp of(Dkim dkim, MeterRegistry registry) throws IOException {
        if (dkim == null) {
            return MessageStamp.NONE;
        }
        List<SigningKey> keys = new ArrayList<>();
        for (Dkim.SigningDomain signing : dkim.domains()) {
            keys.add(new SigningKey(DomainNames.normalize(signing.domain()), signing.selector(),
                    DkimKey.parse(Files.readString(signing.keyFile()), signing.keyFile().toString())));
        }
        return new DkimSigner(keys, dkim.signAllWith(), dkim.headers(), dkim.canonicalization(), Clock.systemUTC(),
                registry);
    }

    @Override
    public byte[] fields(InputStream message) throws IOException {
        Optional<HeaderFields> read = HeaderFields.read(message, MAX_HEADER_BYTES);
        if (read.isEmpty()) {
            LOG.debug("message not signed: its header section is too long or not text");
            unreadable.increment();
            return new byte[0];
        }
        HeaderFields fields = read.get();
        List<SigningKey> signing = signers(fields);
        if (signing.isEmpty()) {
            noKey.increment();
            return new byte[0];
        }
        try {
            List<SignatureRecord> records = new ArrayList<>();
            List<BodyHasherImpl> hashers = new ArrayList<>();
            String h = signedHeaders(fields);
            long now = clock.instant().getEpochSecond();
            for (SigningKey key : signing) {
                SignatureRecord record = new SignatureRecordTemplate("v=1; a=" + key.key().algorithm().signingAlgorithm()
                        + "; c=" + canonicalization + "; d=" + key.domain() + "; s=" + key.selector() + "; t=" + now
                        + "; h=" + h + "; bh=; b=;");
                records.add(record);
                hashers.add(new BodyHasherImpl(record));
            }
            copyBody(message, hashers);
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < signing.size(); i++) {
                SignatureRecord record = records.get(i);
                record.setBodyHash(hashers.get(i).getDigest());
                Signature signature = signature(signing.get(i).key());
                signatureCheck(fields, record, record.getHeaders(), signature);
                record.setSignature(signature.sign());
                out.append("DKIM-Signature:").append(record).append("\r\n");
            }
            signed.increment();
            return out.toString().getBytes(StandardCharsets.US_ASCII);
        } catch (PermFailException | GeneralSecurityException e) {
            throw new IOException("DKIM signing failed: " + e.getMessage(), e);
        }
    }

    /** Every key of the From: domain (or of signAllWith), in the order configured. */
    private List<SigningKey> signers(HeaderFields fields) {
        String domain = signAllWith != null ? signAllWith : fromDomain(fields).orElse(null);
        if (domain == null) {
            return List.of();
        }
        return keys.stream().filter(key -> key.domain().equals(domain)).toList();
    }

    /** The domain of the one From: field's author(s), when they share one. */
    static Optional<String> fromDomain(HeaderFields fields) {
        List<String> from = fields.getFields("from");
        if (from.size() != 1) {
            return Optional.empty();
        }
        List<String> domains = LenientAddressParser.DEFAULT.parseAddressList(HeaderFields.value(from.get(0)))
                .flatten().stream().map(Mailbox::getDomain)
                .map(domain -> domain == null ? "" : DomainNames.normalize(domain)).distinct().toList();
        return domains.size() == 1 && !domains.get(0).isEmpty() ? Optional.of(domains.get(0)) : Optional.empty();
    }

    /** Each configured field as often as the message has it, and From once more (oversigned). */
    private String signedHeaders(HeaderFields fields) {
        List<String> names = new ArrayList<>();
        List<String> wanted = headers.contains("from") ? headers
                : java.util.stream.Stream.concat(java.util.stream.Stream.of("from"), headers.stream()).toList();
        for (String name : wanted) {
            for (int i = 0; i < fields.getFields(name).size(); i++) {
                names.add(name);
            }
        }
        names.add("from");
        return names.stream().collect(Collectors.joining(":"));
    }

    private static void copyBody(InputStream body, List<BodyHasherImpl> hashers) throws IOException {
        List<OutputStream> outs = hashers.stream().map(BodyHasherImpl::getOutputStream).toList();
        byte[] buffer = new byte[64 * 1024];
        for (int n = body.read(buffer); n != -1; n = body.read(buffer)) {
            for (OutputStream out : outs) {
                out.write(buffer, 0, n);
            }
        }
        for (OutputStream out : outs) {
            out.close();
        }
    }

    private static Signature signature(DkimKey key) throws GeneralSecurityException {
        Signature signature = key.algorithm() == DkimKey.Algorithm.RSA ? Signature.getInstance("SHA256withRSA")
                : new Ed25519Sha256();
        signature.initSign(key.privateKey());
        return signature;
    }
}
