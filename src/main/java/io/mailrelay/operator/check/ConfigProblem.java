package io.mailrelay.operator.check;

/** Why a spec the API server accepted cannot be applied; reported in ConfigValid, nothing applied. */
public record ConfigProblem(String reason, String message) {
    /** A value the relay's loader would refuse (the CRD's schema cannot say everything the relay checks). */
    public static final String INVALID_VALUE = "InvalidValue";
}
