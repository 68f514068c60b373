package io.mailrelay.operator.check;

/** Why a spec the API server accepted cannot be applied; reported in ConfigValid, nothing applied. */
public record ConfigProblem(String reason, String message) {
}
