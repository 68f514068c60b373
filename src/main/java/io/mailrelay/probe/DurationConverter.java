package io.mailrelay.probe;

import java.time.Duration;

import io.mailrelay.config.Durations;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Durations on the command line ({@link Durations#parseCommandLine}): 500ms, 10s, 5m, 1h, 2d or ISO-8601 (PT10S). */
final class DurationConverter implements ITypeConverter<Duration> {

    @Override
    public Duration convert(String value) {
        try {
            return Durations.parseCommandLine(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
