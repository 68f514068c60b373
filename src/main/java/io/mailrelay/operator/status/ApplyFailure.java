package io.mailrelay.operator.status;

/**
 * Why the owned objects of a MailRelay were not applied, as the {@code Applied} condition and the {@code Ready}
 * condition say it.
 *
 * @param reason {@link #APPLY_FAILED}, {@link #OWNERSHIP_CONFLICT} or {@link #RECONCILE_FAILED}
 * @param message what went wrong, with the API server's own words where it answered
 */
public record ApplyFailure(String reason, String message) {

    /** The API server refused an owned object (a value the CRD accepts but the object's schema does not). */
    public static final String APPLY_FAILED = "ApplyFailed";
    /** An object with an owned name exists and is not this MailRelay's: nothing was changed. */
    public static final String OWNERSHIP_CONFLICT = "OwnershipConflict";
    /** Anything else that stopped the reconciliation (the API server unreachable, for example). */
    public static final String RECONCILE_FAILED = "ReconcileFailed";
}
