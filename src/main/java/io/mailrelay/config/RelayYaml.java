package io.mailrelay.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/**
 * The one reader and writer of relay.yaml (docs/relay.md): the operator writes what the relay reads, through the
 * same field names and the same text forms (CIDRs, host:port, durations, sizes, paths). Reading is strict: unknown
 * fields, duplicate keys and values of the wrong type are refused, each problem naming its field.
 */
public final class RelayYaml {
    private static final YAMLMapper READER = reader();
    private static final YAMLMapper WRITER = writer();

    private RelayYaml() {
    }

    /**
     * The file as written: absent fields are null (see {@link RelayConfig#withDefaults()}); not yet checked against
     * {@link RelayConfigRules}.
     *
     * @throws InvalidConfigException naming the field, for YAML that is not relay.yaml
     */
    public static RelayConfig read(String yaml) throws InvalidConfigException {
        RelayConfig config;
        try {
            config = READER.readValue(yaml, RelayConfig.class);
        } catch (JsonMappingException e) {
            throw new InvalidConfigException(describe(e));
        } catch (JsonProcessingException e) {
            throw new InvalidConfigException("not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
        }
        if (config == null) {
            throw new InvalidConfigException("the configuration is empty");
        }
        return config;
    }

    /** The text the operator writes into the relay's ConfigMap: only what is set, each value in its text form. */
    public static String write(RelayConfig config) {
        try {
            return WRITER.writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static YAMLMapper writer() {
        SimpleModule values = new SimpleModule("relay-config-text")
                .addSerializer(Cidr.class, ToStringSerializer.instance)
                .addSerializer(HostPort.class, ToStringSerializer.instance)
                .addSerializer(Path.class, ToStringSerializer.instance)
                .addSerializer(Duration.class, new AsText<>(Duration.class, Durations::format))
                .addSerializer(ByteSize.class, new AsBytes());
        YAMLMapper mapper = YAMLMapper.builder()
                .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                .serializationInclusion(JsonInclude.Include.NON_EMPTY)
                .build();
        mapper.registerModule(values);
        return mapper;
    }

    private static YAMLMapper reader() {
        SimpleModule values = new SimpleModule("relay-config-values")
                .addDeserializer(Cidr.class, new FromText<>(Cidr.class, Cidr::parse))
                .addDeserializer(HostPort.class, new FromText<>(HostPort.class, HostPort::parse))
                .addDeserializer(Duration.class, new FromText<>(Duration.class, Durations::parse))
                .addDeserializer(ByteSize.class, new FromText<>(ByteSize.class, ByteSize::parse))
                .addDeserializer(Path.class, new FromText<>(Path.class, text -> {
                    if (text.isBlank()) {
                        throw new IllegalArgumentException("a path must not be empty");
                    }
                    return Path.of(text);
                }));
        YAMLMapper mapper = YAMLMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .build();
        mapper.registerModule(values);
        return mapper;
    }

    /** "allowedNetworks[1]: ..." from Jackson's path and the cause, without Jackson's class names. */
    private static String describe(JsonMappingException e) {
        String path = e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? "." + ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining())
                .replaceFirst("^\\.", "");
        String where = path.isEmpty() ? "(top level)" : path;
        if (e instanceof UnrecognizedPropertyException unknown) {
            return where + ": unknown field; known fields here: " + unknown.getKnownPropertyIds().stream()
                    .map(Object::toString).sorted().collect(Collectors.joining(", "));
        }
        if (e instanceof InvalidFormatException format && format.getTargetType() != null
                && format.getTargetType().isEnum()) {
            return where + ": \"" + format.getValue() + "\" is not one of " + Arrays.stream(
                    format.getTargetType().getEnumConstants()).map(c -> ((Enum<?>) c).name().toLowerCase())
                    .collect(Collectors.toList());
        }
        if (e instanceof InvalidFormatException format) {
            return where + ": \"" + format.getValue() + "\" is not a valid " + simpleType(format.getTargetType());
        }
        if (e instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null
                && !(e.getCause() instanceof IllegalArgumentException)) {
            return where + ": expected " + simpleType(mismatch.getTargetType());
        }
        Throwable cause = e.getCause() instanceof IllegalArgumentException ? e.getCause() : null;
        return where + ": " + (cause != null ? cause.getMessage() : e.getOriginalMessage());
    }

    private static String simpleType(Class<?> type) {
        if (type == null) {
            return "value";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "whole number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "boolean (true or false)";
        }
        if (List.class.isAssignableFrom(type)) {
            return "list";
        }
        if (type == String.class) {
            return "string";
        }
        return "mapping";
    }

    private static final class AsText<T> extends StdSerializer<T> {
        private final transient Function<T, String> format;

        AsText(Class<T> type, Function<T, String> format) {
            super(type);
            this.format = format;
        }

        @Override
        public void serialize(T value, JsonGenerator generator, SerializerProvider provider) throws IOException {
            generator.writeString(format.apply(value));
        }
    }

    /** A size as its number of bytes, which every reader understands. */
    private static final class AsBytes extends StdSerializer<ByteSize> {
        AsBytes() {
            super(ByteSize.class);
        }

        @Override
        public void serialize(ByteSize value, JsonGenerator generator, SerializerProvider provider) throws IOException {
            generator.writeNumber(value.bytes());
        }
    }

    /** Builds a value from a YAML scalar; the parser's IllegalArgumentException message becomes the problem. */
    private static final class FromText<T> extends StdScalarDeserializer<T> {
        private final transient Function<String, T> parser;

        FromText(Class<T> type, Function<String, T> parser) {
            super(type);
            this.parser = parser;
        }

        @Override
        public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (!p.currentToken().isScalarValue()) {
                throw MismatchedInputException.from(p, handledType(), "expected a single value");
            }
            String text = p.getValueAsString();
            try {
                return parser.apply(text);
            } catch (IllegalArgumentException e) {
                throw JsonMappingException.from(p, e.getMessage(), e);
            }
        }
    }
}
