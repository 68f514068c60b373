package io.mailrelay.relay.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The group commit of the queue directory's fsync: callers that arrive while an fsync runs share the next one, and
 * none returns before an fsync that started after its call completed (the fsync is held on a latch: no timing).
 */
class DirectorySyncTest {

    @TempDir
    Path dir;

    @Test
    void aCallerAlonePaysOneFsyncPerCall() throws IOException {
        AtomicInteger fsyncs = new AtomicInteger();
        DirectorySync sync = new DirectorySync(dir, d -> fsyncs.incrementAndGet());
        sync.sync();
        sync.sync();
        assertThat(fsyncs).hasValue(2);
    }

    @Test
    void callersArrivingDuringAnFsyncShareTheNextOneAndNoneReturnsBeforeIt() throws Exception {
        AtomicInteger fsyncs = new AtomicInteger();
        CountDownLatch firstRunning = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        DirectorySync sync = new DirectorySync(dir, d -> {
            if (fsyncs.incrementAndGet() == 1) {
                firstRunning.countDown();
                hold(releaseFirst);
            }
        });
        ExecutorService threads = Executors.newFixedThreadPool(9);
        try {
            CompletableFuture<Void> first = CompletableFuture.runAsync(() -> run(sync), threads);
            assertThat(firstRunning.await(30, TimeUnit.SECONDS)).isTrue();

            List<CompletableFuture<Void>> later = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                later.add(CompletableFuture.runAsync(() -> run(sync), threads));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> sync.calls() == 9); // all 8 inside sync(), waiting
            // their changes came after the running fsync began: it must not be what they return on
            assertThat(later).noneMatch(CompletableFuture::isDone);

            releaseFirst.countDown();
            first.get(30, TimeUnit.SECONDS);
            CompletableFuture.allOf(later.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            assertThat(fsyncs).hasValue(2); // the first, and one for the 8
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void aFailedFsyncFailsItsCallerAndTheNextCallerTriesAgain() throws IOException {
        AtomicInteger fsyncs = new AtomicInteger();
        DirectorySync sync = new DirectorySync(dir, d -> {
            if (fsyncs.incrementAndGet() == 1) {
                throw new IOException("disk gone");
            }
        });
        assertThatThrownBy(sync::sync).isInstanceOf(IOException.class).hasMessage("disk gone");
        sync.sync();
        assertThat(fsyncs).hasValue(2);
    }

    private static void run(DirectorySync sync) {
        try {
            sync.sync();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    private static void hold(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
