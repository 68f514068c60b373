package io.mailrelay.relay.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import io.mailrelay.relay.HostPort;
import io.mailrelay.relay.policy.Cidr;

/** Reads relay.yaml into {@link RelayConfig} and validates it; any problem names the field. */
public final class RelayConfigLoader {

    private RelayConfigLoader() {
    }

    public static RelayConfig load(Path file) throws InvalidConfigException {
        String yaml;
        try {
            yaml = Files.readString(file);
        } catch (IOException e) {
            throw new InvalidConfigException("--config: cannot read " + file + ": " + e.getMessage());
        }
        return parse(yaml);
    }

    public static RelayConfig parse(String yaml) throws InvalidConfigException {
        RelayConfig config;
        try {
            config = mapper().readValue(yaml, RelayConfig.class);
        } catch (JsonMappingException e) {
            throw new InvalidConfigException(describe(e));
        } catch (JsonProcessingException e) {
            throw new InvalidConfigException("not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
        }
        if (config == null) {
            throw new InvalidConfigException("the configuration is empty");
        }
        List<String> problems = new ConfigValidator(config).problems();
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
        return config;
    }

    private static YAMLMapper mapper() {
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
