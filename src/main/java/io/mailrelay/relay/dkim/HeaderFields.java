package io.mailrelay.relay.dkim;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.apache.james.jdkim.api.Headers;

/**
 * The header section of a spooled message, read from its bytes up to the empty line (which is consumed: what is
 * left of the stream is the body), split into fields as they are, folding and all ({@link Headers}: jDKIM
 * canonicalises them). jDKIM turns a field back into bytes with the default charset, so a field is kept as text
 * only if it comes back as the same bytes; otherwise {@link #read} says the message cannot be signed.
 */
final class HeaderFields implements Headers {
    private final List<String> fields;

    private HeaderFields(List<String> fields) {
        this.fields = fields;
    }

    /**
     * @param maxBytes a header section longer than this is not read (the message is left unsigned)
     * @return empty when the header section is too long or not text in the default charset
     */
    static Optional<HeaderFields> read(InputStream message, int maxBytes) throws IOException {
        ByteArrayOutputStream section = new ByteArrayOutputStream();
        int previous = -1;
        int lineLength = 0;
        for (int b = message.read(); b != -1; b = message.read()) {
            if (section.size() >= maxBytes) {
                return Optional.empty();
            }
            section.write(b);
            lineLength++;
            if (b == '\n' && previous == '\r') {
                if (lineLength == 2) {
                    break;
                }
                lineLength = 0;
            }
            previous = b;
        }
        byte[] bytes = section.toByteArray();
        Charset charset = Charset.defaultCharset();
        String text = new String(bytes, charset);
        if (!Arrays.equals(text.getBytes(charset), bytes)) {
            return Optional.empty();
        }
        List<String> fields = new ArrayList<>();
        StringBuilder field = null;
        for (String line : text.split("\r\n", -1)) {
            if (line.isEmpty()) {
                continue;
            }
            if ((line.charAt(0) == ' ' || line.charAt(0) == '\t') && field != null) {
                field.append("\r\n").append(line);
            } else {
                if (field != null) {
                    fields.add(field.toString());
                }
                field = new StringBuilder(line);
            }
        }
        if (field != null) {
            fields.add(field.toString());
        }
        return Optional.of(new HeaderFields(List.copyOf(fields)));
    }

    @Override
    public List<String> getFields() {
        return fields;
    }

    /** The fields of that name (any case), top to bottom. */
    @Override
    public List<String> getFields(String name) {
        String wanted = name.toLowerCase(Locale.ROOT);
        return fields.stream().filter(field -> name(field).equals(wanted)).toList();
    }

    static String name(String field) {
        int colon = field.indexOf(':');
        return (colon < 0 ? field : field.substring(0, colon)).strip().toLowerCase(Locale.ROOT);
    }

    static String value(String field) {
        int colon = field.indexOf(':');
        return colon < 0 ? "" : field.substring(colon + 1);
    }
}
