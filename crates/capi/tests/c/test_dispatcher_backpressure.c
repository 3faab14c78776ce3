/*
 * test_dispatcher_backpressure.c — a dispatcher nobody runs costs bounded memory
 * (net_websocket_ext.h, "Callbacks on your thread"): the echo server pushes 1 GiB in 1 MiB
 * messages (/push/1024/1048576) while the dispatcher is not run for 3 s. Once the client's
 * pending callbacks hold more than its dispatch limit (16 MiB by default) the library stops
 * reading, so the server meets TCP flow control: the peak RSS of the whole test stays under
 * 64 MiB, and the first Run after the pause finds only about the limit's worth of messages.
 * Keepalive is set far below the pause (ping after 200 ms, lost after 600 ms of silence) and
 * must not declare the server dead meanwhile. Then running the dispatcher delivers every message in
 * order, none lost (each carries its index and a filler byte the test checks).
 *
 * Under valgrind (WS_TEST_TIMEOUT_SCALE > 1) the RSS bound is not checked: valgrind's own
 * memory counts in it.
 */
#include "common.h"

#include "dispatch_loop.h"

#include <string.h>

#define COUNT 1024
#define SIZE (1u << 20)
#define RSS_BOUND_KB (64L * 1024)

static WebSocketEx_Dispatcher *d;
static size_t received, bad;

static void on_message(struct WebSocket *ws, const char *data, size_t length,
                       WebSocketEx_MessageType type, void *userData)
{
    uint64_t index = 0;
    size_t i;
    (void)userData;
    rec_enter(ws);
    if (length == SIZE && type == WEBSOCKET_EX_BINARY) memcpy(&index, data, 8);
    /* Little-endian index, then the byte index % 251 (the echo server's /push). */
    if (length != SIZE || type != WEBSOCKET_EX_BINARY || index != received ||
        data[length] != '\0') {
        if (bad++ == 0)
            rec_violation("message %zu: %zu bytes, type %d, index %llu", received, length,
                          (int)type, (unsigned long long)index);
    } else {
        for (i = 8; i < length; i += 4093)
            if ((unsigned char)data[i] != index % 251) {
                if (bad++ == 0) rec_violation("message %zu: byte %zu is wrong", received, i);
                break;
            }
    }
    received++;
    rec_leave(ws);
}

static int all_received(void *arg)
{
    (void)arg;
    return received >= COUNT;
}

int main(void)
{
    int valgrind = scaled_ms(1) > 1, first_run;
    char url[512], path[64];
    struct WebSocket *c;
    long rss_after_pause, peak;
    long long start;

    test_init();
    rec_callbacks_on_main(1);
    d = WebSocketEx_DispatcherCreate();
    CHECK(d != NULL);
    c = rec_client();
    CHECK_EQ(WebSocketEx_SetDispatcher(c, d), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetMessageCallback(c, on_message), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetKeepalive(c, (uint32_t)scaled_ms(200), (uint32_t)scaled_ms(600)),
             WEBSOCKET_OK);
    snprintf(path, sizeof path, "/push/%d/%u", COUNT, SIZE);
    echo_url_into(url, sizeof url, path);
    CHECK_EQ(OH_WebSocketClient_Connect(c, url, no_headers()), WEBSOCKET_OK);
    RUN_UNTIL_COUNT(d, c, EV_OPEN, 1, 10000);

    /* Nobody runs the dispatcher for 3 s while the server pushes. */
    sleep_ms(3000);
    CHECK_EQ(WebSocketEx_DispatcherWait(d, 0), 1);
    rss_after_pause = proc_status("VmRSS");
    CHECK_EQ(rec_count(c, EV_ERROR | EV_CLOSE), 0); /* keepalive did not give up */
    /* The pending callbacks: about the limit's worth (16 of 1 MiB, and those read with the
     * message that crossed it), not what the server wanted to send. */
    first_run = WebSocketEx_DispatcherRun(d, 0);
    printf("after 3 s without Run: %d callbacks pending, RSS %ld KiB\n", first_run,
           rss_after_pause);
    CHECK_MSG(first_run >= 16 && first_run <= 24, "%d callbacks were pending", first_run);

    start = now_ms();
    CHECK_MSG(run_until(d, all_received, NULL, 60000), "%zu of %d messages came", received,
              COUNT);
    printf("%d messages of 1 MiB in %lld ms once run\n", COUNT, now_ms() - start);
    CHECK_EQ(bad, 0);
    CHECK_EQ(rec_count(c, EV_ERROR | EV_CLOSE), 0);
    CHECK_EQ(OH_WebSocketClient_Close(c, close_option(1000, "done")), WEBSOCKET_OK);
    RUN_UNTIL_COUNT(d, c, EV_CLOSE, 1, 10000);
    CHECK_EQ(rec_nth(c, EV_CLOSE, 0)->code, 1000);
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_DispatcherDestroy(d), WEBSOCKET_OK);

    peak = proc_status("VmHWM");
    printf("peak RSS over the whole test: %ld KiB (bound %ld KiB)\n", peak, RSS_BOUND_KB);
    if (!valgrind) {
        CHECK_MSG(rss_after_pause < RSS_BOUND_KB, "RSS after the pause: %ld KiB",
                  rss_after_pause);
        CHECK_MSG(peak < RSS_BOUND_KB, "peak RSS %ld KiB", peak);
    }
    rec_reset();
    printf("ok\n");
    return 0;
}
