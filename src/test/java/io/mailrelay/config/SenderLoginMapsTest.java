package io.mailrelay.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The smtpd_sender_login_maps table of relay.yaml senderLogins: who owns which senders. */
@Tag("unit")
class SenderLoginMapsTest {

    private static final SenderLoginMaps MAPS = SenderLoginMaps.parse("""
            # comment
            @shop.example      mailrelay.shop
            @Billing.Example.  mailrelay.billing, ops
            ceo@corp.example   mailrelay.billing

            """);

    @Test
    void aDomainKeyOwnsEveryAddressOfThatDomainOnly() {
        assertThat(MAPS.owns("mailrelay.shop", "orders@shop.example")).isTrue();
        assertThat(MAPS.owns("mailrelay.shop", "Orders@SHOP.example")).isTrue();
        assertThat(MAPS.owns("mailrelay.shop", "orders@sub.shop.example")).isFalse();
        assertThat(MAPS.owns("mailrelay.shop", "orders@shop.example.org")).isFalse();
        assertThat(MAPS.owns("mailrelay.shop", "invoices@billing.example")).isFalse();
        assertThat(MAPS.owns("ops", "invoices@billing.example")).isTrue();
        assertThat(MAPS.owns("Mailrelay.Shop", "orders@shop.example")).as("logins compare as written").isFalse();
    }

    @Test
    void aFullAddressKeyComesFirstAndNobodyOwnsTheNullSender() {
        assertThat(MAPS.owns("mailrelay.billing", "ceo@corp.example")).isTrue();
        assertThat(MAPS.owns("mailrelay.billing", "cfo@corp.example")).isFalse();
        assertThat(MAPS.owns("mailrelay.shop", "")).isFalse();
        assertThat(MAPS.owns("mailrelay.shop", "@shop.example")).isFalse();
        assertThat(MAPS.owns(null, "orders@shop.example")).isFalse();
        assertThat(SenderLoginMaps.empty().owns("mailrelay.shop", "orders@shop.example")).isFalse();
    }

    @Test
    void whatTheOperatorWritesReadsBack() {
        SenderLoginMaps written = SenderLoginMaps.parse(SenderLoginMaps.domainLine("Shop.Example", List.of("a", "b")));
        assertThat(written.owns("a", "x@shop.example")).isTrue();
        assertThat(written.owns("b", "x@shop.example")).isTrue();
        assertThatThrownBy(() -> SenderLoginMaps.domainLine("shop.example", List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void malformedLinesAreRefusedNamingTheLine() {
        assertThatThrownBy(() -> SenderLoginMaps.parse("@shop.example\n")).hasMessageStartingWith("line 1:");
        assertThatThrownBy(() -> SenderLoginMaps.parse("\nshop.example mailrelay.shop\n"))
                .hasMessageStartingWith("line 2:").hasMessageContaining("neither an address nor an @domain");
        assertThatThrownBy(() -> SenderLoginMaps.parse("@bad_domain! login\n")).hasMessageStartingWith("line 1:");
    }
}
