/*
 * test_blocking_callback.c — a callback that blocks delays only its own client (SPEC §4, the
 * threading model in the header): with WS_TEST_THREADS library threads (NET_WEBSOCKET_THREADS,
 * default 1; scripts/c-tests.sh also runs it with 2, where callbacks run inline on a worker
 * while another worker is free) and three clients whose onMessage callbacks all block at once,
 * a fourth client still completes echo round trips while they block. Work a blocking callback
 * starts for another client is not held up either: A's onMessage sends on B, then blocks for
 * 2 s; B's echo arrives while A's callback still blocks (with two workers, the send would
 * otherwise wait in the blocked worker's LIFO slot, which no other worker may take).
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

/* ---- work started from a blocking callback ------------------------------------------------- */

static struct WebSocket *other_client;
static int a_blocking, a_release;
static long long a_sent_at;

/* A's onMessage: sends on the other client, then blocks (2 s at most, scaled). */
static void sends_then_blocks(struct WebSocket *client, char *data, uint32_t length)
{
    static char message[] = "from a's callback";
    long long deadline = now_ms() + scaled_ms(2000);
    rec_on_message(client, data, length);
    /* Blocking from before the Send on: B's echo may come back (and the main thread check
     * a_blocking) before this thread runs its next instruction, as it does under valgrind. */
    __atomic_store_n(&a_blocking, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&a_sent_at, now_ms(), __ATOMIC_SEQ_CST);
    if (OH_WebSocketClient_Send(other_client, message, strlen(message)) != WEBSOCKET_OK)
        rec_violation("Send on the other client from a callback failed");
    while (!__atomic_load_n(&a_release, __ATOMIC_SEQ_CST) && now_ms() < deadline) sleep_ms(1);
    __atomic_store_n(&a_blocking, 0, __ATOMIC_SEQ_CST);
}

static void work_started_in_a_blocking_callback(void)
{
    struct WebSocket *a = OH_WebSocketClient_Constructor(rec_on_open, sends_then_blocks,
                                                         rec_on_error, rec_on_close);
    static char trigger[] = "go";
    long long took;
    int round;
    CHECK(a != NULL);
    rec_forget(a);
    other_client = rec_client();
    CONNECT_OPEN(a, echo_url("/a"));
    CONNECT_OPEN(other_client, echo_url("/b"));
    for (round = 0; round < 3; round++) {
        __atomic_store_n(&a_release, 0, __ATOMIC_SEQ_CST);
        CHECK_EQ(OH_WebSocketClient_Send(a, trigger, strlen(trigger)), WEBSOCKET_OK);
        WAIT_FOR(other_client, EV_MESSAGE, (size_t)round + 1, 1900);
        took = now_ms() - __atomic_load_n(&a_sent_at, __ATOMIC_SEQ_CST);
        CHECK_MSG(__atomic_load_n(&a_blocking, __ATOMIC_SEQ_CST),
                  "round %d: B's echo came only after A's callback returned (%lld ms)", round,
                  took);
        printf("round %d: B's echo %lld ms after A's callback sent it\n", round, took);
        CHECK_MSG(took < scaled_ms(500), "round %d: B's echo took %lld ms", round, took);
        __atomic_store_n(&a_release, 1, __ATOMIC_SEQ_CST);
        while (__atomic_load_n(&a_blocking, __ATOMIC_SEQ_CST)) sleep_ms(1);
    }
    CLOSE_WAIT(a, 1000, "done");
    CLOSE_WAIT(other_client, 1000, "done");
    rec_check_sequence(a, 1);
    rec_check_sequence(other_client, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(a), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Destroy(other_client), WEBSOCKET_OK);
}

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

    work_started_in_a_blocking_callback();
    return 0;
}
