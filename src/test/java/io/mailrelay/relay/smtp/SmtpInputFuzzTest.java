package io.mailrelay.relay.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.common.net.InetAddresses;

import io.mailrelay.config.Cidr;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;

/**
 * Fuzz tests of what a client's bytes meet first: the line framer and the PROXY header gate, in a real Netty
 * pipeline (EmbeddedChannel). Regression mode over the committed corpus
 * ({@code src/test/resources/io/mailrelay/relay/smtp/SmtpInputFuzzTestInputs/<method>/}) in every test run;
 * {@code JAZZER_FUZZ=1} fuzzes (docs/testing.md).
 */
@Tag("unit")
class SmtpInputFuzzTest {

    /**
     * The first byte picks the mode (commands or data) and the chunk size the bytes arrive in; the rest is the input.
     * Whatever it is: only the documented error (a line too long), every line handed on ends in LF and holds no
     * other, is within the limit, and the lines are the input's bytes unchanged, in order.
     */
    @FuzzTest(maxDuration = "20s")
    void lineFraming(byte[] data) {
        if (data.length == 0) {
            return;
        }
        boolean inData = (data[0] & 1) == 1;
        int chunk = 1 + ((data[0] & 0xff) >> 1);
        byte[] input = Arrays.copyOfRange(data, 1, data.length);
        StrictLineFramer framer = new StrictLineFramer(1000 + 24); // small data limit so that the fuzzer reaches it
        if (inData) {
            framer.expectData();
        }
        EmbeddedChannel channel = new EmbeddedChannel(framer);
        ByteArrayOutputStream framed = new ByteArrayOutputStream();
        boolean tooLong = false;
        for (int offset = 0; offset < input.length && !tooLong; offset += chunk) {
            try {
                channel.writeInbound(Unpooled.wrappedBuffer(input, offset, Math.min(chunk, input.length - offset)));
            } catch (DecoderException e) {
                assertThat(e).isInstanceOf(TooLongFrameException.class);
                tooLong = true;
            }
            for (ByteBuf line = channel.readInbound(); line != null; line = channel.readInbound()) {
                byte[] bytes = ByteBufUtil.getBytes(line);
                line.release();
                assertThat(bytes.length).isBetween(1, framer.limit());
                assertThat(bytes[bytes.length - 1]).isEqualTo((byte) '\n');
                for (int i = 0; i < bytes.length - 1; i++) {
                    assertThat(bytes[i]).as("LF inside a line").isNotEqualTo((byte) '\n');
                }
                framed.writeBytes(bytes);
            }
        }
        byte[] lines = framed.toByteArray();
        assertThat(Arrays.copyOf(input, Math.min(lines.length, input.length))).as("lines are the input, in order")
                .isEqualTo(lines);
        if (!tooLong) {
            int rest = input.length - lines.length;
            assertThat(rest).as("an unfinished line waits, within the limit").isBetween(0, framer.limit());
            for (int i = lines.length; i < input.length; i++) {
                assertThat(input[i]).isNotEqualTo((byte) '\n');
            }
        }
        channel.finishAndReleaseAll();
    }

    /**
     * From a trusted proxy, any bytes: the session starts (James would see channelActive and then the header) only
     * after a PROXY TCP4/TCP6 header with a usable source; anything else closes the connection without a word and
     * passes nothing on. No exception escapes the gate.
     */
    @FuzzTest(maxDuration = "20s")
    void proxyHeader(byte[] data) {
        Capture session = new Capture();
        ConnectionAdmission admission = new ConnectionAdmission(10, 10, false, client -> false,
                new DefaultChannelGroup(GlobalEventExecutor.INSTANCE), new RelayMetrics(new SimpleMeterRegistry()));
        EmbeddedChannel channel = new FromProxy();
        channel.pipeline().addLast(new HAProxyMessageDecoder(),
                new ProxyHeaderGate(admission, List.of(Cidr.parse("127.0.0.0/8")), java.time.Duration.ofSeconds(5)),
                session);
        register(channel); // active at once: the gate's channelActive runs (trusted peer, header deadline set)
        channel.writeInbound(Unpooled.wrappedBuffer(data));
        channel.runPendingTasks();
        channel.checkException();
        if (session.header == null) {
            assertThat(session.active).as("no session without a header").isFalse();
            assertThat(session.after).isEmpty();
        } else {
            assertThat(session.active).isTrue();
            assertThat(session.header.command()).isEqualTo(HAProxyCommand.PROXY);
            assertThat(session.header.proxiedProtocol()).isIn(HAProxyProxiedProtocol.TCP4, HAProxyProxiedProtocol.TCP6);
            assertThat(InetAddresses.isInetAddress(session.header.sourceAddress())).isTrue();
        }
        assertThat(channel.outboundMessages()).as("never a word before the banner").isEmpty();
        channel.advanceTimeBy(6, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        if (session.header == null) {
            assertThat(channel.isOpen()).as("closed at the header timeout at the latest").isFalse();
        }
        session.release();
        channel.finishAndReleaseAll();
    }

    private static void register(EmbeddedChannel channel) {
        try {
            channel.register();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** An embedded channel whose peer is a trusted proxy's socket address (registered by the test itself). */
    private static final class FromProxy extends EmbeddedChannel {
        FromProxy() {
            super(false, false);
        }

        @Override
        protected SocketAddress remoteAddress0() {
            return new InetSocketAddress(InetAddresses.forString("127.0.0.2"), 5555);
        }
    }

    /** Stands for James' handler: records what the gate let through. */
    private static final class Capture extends ChannelInboundHandlerAdapter {
        boolean active;
        HAProxyMessage header;
        final List<Object> after = new ArrayList<>();

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            active = true;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (header == null && msg instanceof HAProxyMessage proxy) {
                header = proxy;
            } else {
                after.add(msg);
            }
        }

        void release() {
            if (header != null) {
                header.release();
            }
            after.forEach(ReferenceCountUtil::release);
        }
    }
}
