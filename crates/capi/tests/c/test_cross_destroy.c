/*
 * test_cross_destroy.c — Destroy of one client from inside another client's callback (SPEC §3
 * Destroy, §4): it waits for a callback of the destroyed client that runs on another library
 * thread, so none runs after Destroy returns; and two callbacks that destroy each other's
 * clients at the same moment do not deadlock.
 */
#include "common.h"

#include <string.h>

static struct WebSocket *a, *b;
static int b_running, b_finished, finished_when_destroyed = -1;
static int a_inside, b_inside, destroys_returned;

static int load(int *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
static void store(int *p, int v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }

/* Waits (bounded) until *flag is set. */
static int wait_flag(int *flag, long timeout_ms)
{
    long long deadline = now_ms() + scaled_ms(timeout_ms);
    while (!load(flag) && now_ms() < deadline) sleep_ms(1);
    return load(flag);
}

/* Scenario 1: B's callback is slow; A's callback destroys B while it runs. */
static void slow_on_message(struct WebSocket *client, char *data, uint32_t length)
{
    (void)client; (void)data; (void)length;
    store(&b_running, 1);
    sleep_ms(300);
    store(&b_finished, 1);
}

static void destroying_on_message(struct WebSocket *client, char *data, uint32_t length)
{
    (void)client; (void)data; (void)length;
    if (!wait_flag(&b_running, 2000)) return;
    CHECK_EQ(OH_WebSocketClient_Destroy(b), WEBSOCKET_OK);
    store(&finished_when_destroyed, load(&b_finished));
}

/* Scenario 2: each callback destroys the other client once both are inside. */
static void mutual_on_message(struct WebSocket *client, char *data, uint32_t length)
{
    int *mine = client == a ? &a_inside : &b_inside;
    int *other = client == a ? &b_inside : &a_inside;
    (void)data; (void)length;
    store(mine, 1);
    if (!wait_flag(other, 2000)) return;
    CHECK_EQ(OH_WebSocketClient_Destroy(client == a ? b : a), WEBSOCKET_OK);
    __atomic_add_fetch(&destroys_returned, 1, __ATOMIC_SEQ_CST);
}

static void open_both(WebSocket_OnMessageCallback on_a, WebSocket_OnMessageCallback on_b)
{
    a = OH_WebSocketClient_Constructor(rec_on_open, on_a, rec_on_error, rec_on_close);
    b = OH_WebSocketClient_Constructor(rec_on_open, on_b, rec_on_error, rec_on_close);
    CHECK(a != NULL && b != NULL);
    CONNECT_OPEN(a, echo_url("/cross-a"));
    CONNECT_OPEN(b, echo_url("/cross-b"));
}

static char ping_text[] = "go";

int main(void)
{
    test_init();

    open_both(destroying_on_message, slow_on_message);
    CHECK_EQ(OH_WebSocketClient_Send(b, ping_text, strlen(ping_text)), WEBSOCKET_OK);
    CHECK(wait_flag(&b_running, 2000));
    CHECK_EQ(OH_WebSocketClient_Send(a, ping_text, strlen(ping_text)), WEBSOCKET_OK);
    {
        long long deadline = now_ms() + scaled_ms(3000);
        while (load(&finished_when_destroyed) < 0 && now_ms() < deadline) sleep_ms(1);
    }
    CHECK_MSG(load(&finished_when_destroyed) == 1,
              "Destroy(B) from A's callback returned while B's callback still ran (%d)",
              load(&finished_when_destroyed));
    CHECK_EQ(OH_WebSocketClient_Destroy(a), WEBSOCKET_OK);
    rec_reset();

    open_both(mutual_on_message, mutual_on_message);
    CHECK_EQ(OH_WebSocketClient_Send(a, ping_text, strlen(ping_text)), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Send(b, ping_text, strlen(ping_text)), WEBSOCKET_OK);
    CHECK(wait_flag(&a_inside, 3000) && wait_flag(&b_inside, 3000));
    {
        long long deadline = now_ms() + scaled_ms(3000);
        while (load(&destroys_returned) < 2 && now_ms() < deadline) sleep_ms(1);
    }
    CHECK_MSG(load(&destroys_returned) == 2, "mutual Destroy deadlocked (%d returned)",
              load(&destroys_returned));
    return 0;
}
