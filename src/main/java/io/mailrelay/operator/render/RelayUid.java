package io.mailrelay.operator.render;

import java.util.OptionalLong;
import java.util.function.BooleanSupplier;

/**
 * The user and group relay pods run as: {@code runAsUser}, {@code runAsGroup} and {@code fsGroup} (the group a
 * spool volume is made writable for), or none of the three. Setting {@code mailrelay.relay-uid}:
 * <ul>
 * <li>{@code auto} (default): the image's {@link RelayPod#UID}, except on OpenShift, whose restricted SCC gives
 *     each namespace its own UID range and refuses a pod asking for any other UID: there the three are left out,
 *     and the SCC assigns a UID and an fsGroup from the namespace's range;</li>
 * <li>{@code none}: always left out (a platform or an admission policy assigns them);</li>
 * <li>a number: that UID, GID and fsGroup everywhere.</li>
 * </ul>
 */
public final class RelayUid {

    public static final String AUTO_VALUE = "auto";
    public static final String NONE_VALUE = "none";
    public static final RelayUid AUTO = new RelayUid(true, null);
    public static final RelayUid NONE = new RelayUid(false, null);
    public static final RelayUid IMAGE = fixed(RelayPod.UID);

    private final boolean auto;
    private final Long uid;

    private RelayUid(boolean auto, Long uid) {
        this.auto = auto;
        this.uid = uid;
    }

    public static RelayUid fixed(long uid) {
        if (uid <= 0) {
            throw new IllegalArgumentException("mailrelay.relay-uid must be a UID above 0 (relay pods run as non-root), got " + uid);
        }
        return new RelayUid(false, uid);
    }

    /** {@code auto}, {@code none} or a number above 0. */
    public static RelayUid parse(String value) {
        String setting = value == null ? AUTO_VALUE : value.strip();
        if (setting.isEmpty() || setting.equals(AUTO_VALUE)) {
            return AUTO;
        }
        if (setting.equals(NONE_VALUE)) {
            return NONE;
        }
        try {
            return fixed(Long.parseLong(setting));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("mailrelay.relay-uid must be auto, none or a UID, got '" + value + "'");
        }
    }

    public boolean isAuto() {
        return auto;
    }

    /** {@code auto} decided for the cluster (asked only when needed); anything else stays as it is. */
    public RelayUid decided(BooleanSupplier openShift) {
        return !auto ? this : openShift.getAsBoolean() ? NONE : IMAGE;
    }

    /** The UID (and GID, fsGroup) to set; empty when the platform assigns them. An undecided auto is the image's. */
    public OptionalLong uid() {
        if (auto) {
            return OptionalLong.of(RelayPod.UID);
        }
        return uid == null ? OptionalLong.empty() : OptionalLong.of(uid);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RelayUid that && auto == that.auto && java.util.Objects.equals(uid, that.uid);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(auto, uid);
    }

    @Override
    public String toString() {
        return auto ? AUTO_VALUE : uid == null ? NONE_VALUE : uid.toString();
    }
}
