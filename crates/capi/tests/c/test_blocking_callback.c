/*
 * test_blocking_callback.c — a callback that blocks delays only its own client (SPEC §4, the
 * threading model in the header): with WS_TEST_THREADS library threads (NET_WEBSOCKET_THREADS,
 * default 1; scripts/c-tests.sh also runs it with 2, where callbacks run inline on a worker
 * while another worker is free) and three clients whose onMessage callbacks all block at once,
 * a fourth client still completes echo round trips while they block.
 */
#include "common.h"

#include <string.h>

#define BLOCKERS 3
/* Blockers hold until released, at most this long (released as soon as the checks are done). */
#define BLOCK_MS 10000

static int blocking_now, release_blockers;

static void blocking_on_message(struct WebSocket *client, char *data, uint32_t length)
{
    long long deadline = now_ms() + scaled_ms(BLOCK_MS);
    rec_on_message(client, data, length);
    __atomic_add_fetch(&blocking_now, 1, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&release_blockers, __ATOMIC_SEQ_CST) && now_ms() < deadline)
        sleep_ms(1);
    __atomic_sub_fetch(&blocking_now, 1, __ATOMIC_SEQ_CST);
}

static char go[] = "block";

int main(void)
{
    struct WebSocket *blockers[BLOCKERS], *free_client;
    long long started;
    int i;

    /* Read when the library starts its runtime, i.e. at the first Connect. */
    const char *threads = getenv("WS_TEST_THREADS");
    CHECK_EQ(setenv("NET_WEBSOCKET_THREADS", threads ? threads : "1", 1), 0);
    test_init();

    for (i = 0; i < BLOCKERS; i++) {
        blockers[i] = OH_WebSocketClient_Constructor(rec_on_open, blocking_on_message,
                                                     rec_on_error, rec_on_close);
        CHECK(blockers[i] != NULL);
        rec_forget(blockers[i]);
        CONNECT_OPEN(blockers[i], echo_url("/blocker"));
    }
    free_client = rec_client();
    CONNECT_OPEN(free_client, echo_url("/free"));

    for (i = 0; i < BLOCKERS; i++)
        CHECK_EQ(OH_WebSocketClient_Send(blockers[i], go, strlen(go)), WEBSOCKET_OK);
    {
        long long deadline = now_ms() + scaled_ms(5000);
        while (__atomic_load_n(&blocking_now, __ATOMIC_SEQ_CST) < BLOCKERS && now_ms() < deadline)
            sleep_ms(1);
    }
    CHECK_MSG(__atomic_load_n(&blocking_now, __ATOMIC_SEQ_CST) == BLOCKERS,
              "only %d of %d blocking callbacks started: one blocked callback held up others",
              __atomic_load_n(&blocking_now, __ATOMIC_SEQ_CST), BLOCKERS);

    started = now_ms();
    for (i = 0; i < 5; i++) CHECK_ECHO(free_client, "still served");
    CHECK_MSG(__atomic_load_n(&blocking_now, __ATOMIC_SEQ_CST) == BLOCKERS,
              "the echo round trips of the free client waited %lld ms, until the blocking "
              "callbacks returned", now_ms() - started);

    __atomic_store_n(&release_blockers, 1, __ATOMIC_SEQ_CST);
    for (i = 0; i < BLOCKERS; i++) {
        CLOSE_WAIT(blockers[i], 1000, "done");
        rec_check_sequence(blockers[i], 1);
        CHECK_EQ(OH_WebSocketClient_Destroy(blockers[i]), WEBSOCKET_OK);
    }
    CLOSE_WAIT(free_client, 1000, "done");
    rec_check_sequence(free_client, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(free_client), WEBSOCKET_OK);
    return 0;
}
