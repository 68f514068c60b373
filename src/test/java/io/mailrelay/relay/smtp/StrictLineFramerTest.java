package io.mailrelay.relay.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;

/** The framer's buffer under a stream of message data: only the unframed tail of the last read is kept. */
class StrictLineFramerTest {

    private static final int READ = 64 * 1024;
    /** Netty's read loop: up to 16 reads before channelReadComplete (DefaultMaxMessagesRecvByteBufAllocator) */
    private static final int READS_PER_LOOP = 16;

    @Test
    void messageDataDoesNotGrowTheBufferWhenReadsEndInsideALine() {
        StrictLineFramer framer = new StrictLineFramer(1000);
        long[] framed = {0};
        EmbeddedChannel channel = new EmbeddedChannel(framer, new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) { // James copies each line and lets go
                ByteBuf line = (ByteBuf) msg;
                framed[0] += line.readableBytes();
                line.release();
            }
        });
        framer.expectData();
        byte[] stream = ("x".repeat(98) + "\r\n").repeat(READ * 2 / 100).getBytes(StandardCharsets.US_ASCII);
        int largest = 0;
        long sent = 0;
        for (int loop = 0; loop < 4; loop++) {
            for (int read = 0; read < READS_PER_LOOP; read++) {
                ByteBuf chunk = PooledByteBufAllocator.DEFAULT.directBuffer(READ);
                int from = (int) (sent % 100); // 64 KiB is not a multiple of a line: every read ends inside one
                chunk.writeBytes(stream, from, READ);
                sent += READ;
                channel.pipeline().fireChannelRead(chunk);
                largest = Math.max(largest, framer.bufferCapacity());
            }
            channel.pipeline().fireChannelReadComplete();
        }

        assertThat(framed[0]).isEqualTo(sent - sent % 100); // every complete line passed on, in full
        assertThat(largest).as("largest buffer, bytes").isLessThanOrEqualTo(4 * READ);
        channel.finishAndReleaseAll();
    }
}
