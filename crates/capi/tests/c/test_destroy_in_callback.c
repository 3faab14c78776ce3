/*
 * test_destroy_in_callback.c — Destroy from inside each callback, from another thread while
 * messages flow, and of an open or connecting client from the main thread (SPEC §3 Destroy,
 * §4). Destroy returns 0, and once it has returned no callback of that client runs: every
 * callback checks a flag that is set right after Destroy returns.
 *
 * All clients are constructed up front, so no address is reused while events are recorded.
 */
#include "common.h"

#include <string.h>

struct target {
    struct WebSocket *client;
    int destroy_on;     /* EV_* type whose callback calls Destroy; 0: someone else does */
    int destroy_rc;     /* what that Destroy returned */
    int destroyed;      /* set once Destroy has returned (atomic) */
    int echo_back;      /* onMessage sends the message back (keeps messages flowing) */
};

enum { T_OPEN, T_MESSAGE, T_ERROR, T_ERROR_AFTER_OPEN, T_CLOSE, T_FLOW, T_IDLE, T_CONNECTING,
       T_COUNT };
static struct target targets[T_COUNT];

static struct target *find(struct WebSocket *client)
{
    int i;
    for (i = 0; i < T_COUNT; i++)
        if (targets[i].client == client) return &targets[i];
    return NULL;
}

static int is_destroyed(struct target *t)
{
    return __atomic_load_n(&t->destroyed, __ATOMIC_SEQ_CST);
}

static void mark_destroyed(struct target *t)
{
    __atomic_store_n(&t->destroyed, 1, __ATOMIC_SEQ_CST);
}

/* Start of every callback: the client must not have been destroyed. */
static struct target *begin(struct WebSocket *client, const char *name)
{
    struct target *t = find(client);
    rec_enter(client);
    if (t == NULL) {
        rec_violation("%s for an unknown client %p", name, (void *)client);
    } else if (is_destroyed(t)) {
        rec_violation("%s ran after Destroy returned (target %d)", name, (int)(t - targets));
    }
    return t;
}

/* End of every callback: Destroy in the callback itself, if this is the chosen one. */
static void end(struct WebSocket *client, struct target *t, int type, const char *name)
{
    if (t != NULL && t->destroy_on == type && !is_destroyed(t)) {
        t->destroy_rc = OH_WebSocketClient_Destroy(client);
        mark_destroyed(t);
    } else if (t != NULL && t->destroy_on == 0 && is_destroyed(t)) {
        /* Destroyed by another thread while this callback was running. */
        rec_violation("Destroy returned while %s was still running (target %d)", name,
                      (int)(t - targets));
    }
    rec_leave(client);
}

static void on_open(struct WebSocket *client, WebSocket_OpenResult result)
{
    struct target *t = begin(client, "onOpen");
    rec_open(client, result);
    end(client, t, EV_OPEN, "onOpen");
}

static void on_message(struct WebSocket *client, char *data, uint32_t length)
{
    struct target *t = begin(client, "onMessage");
    rec_message(client, data, length);
    if (t != NULL && t->echo_back) {
        (void)OH_WebSocketClient_Send(client, data, length);
        sleep_ms(1); /* widen the window in which a premature Destroy return shows */
    }
    end(client, t, EV_MESSAGE, "onMessage");
}

static void on_error(struct WebSocket *client, WebSocket_ErrorResult result)
{
    struct target *t = begin(client, "onError");
    rec_error(client, result);
    end(client, t, EV_ERROR, "onError");
}

static void on_close(struct WebSocket *client, WebSocket_CloseResult result)
{
    struct target *t = begin(client, "onClose");
    rec_close(client, result);
    end(client, t, EV_CLOSE, "onClose");
}

static void wait_destroyed(struct target *t, int line)
{
    long long deadline = now_ms() + scaled_ms(10000);
    while (!is_destroyed(t) && now_ms() < deadline) sleep_ms(5);
    if (!is_destroyed(t)) {
        rec_dump(t->client);
        test_fail(__FILE__, line, "the callback that destroys target %d never ran",
                  (int)(t - targets));
    }
}

/* The callback destroyed its client: 0, then silence, then the pointer is dead. */
static void check_destroyed_in_callback(int which, const char *url, size_t expected_events,
                                        int line)
{
    struct target *t = &targets[which];
    char x[] = "x";

    CHECK_EQ(OH_WebSocketClient_Connect(t->client, url, no_headers()), WEBSOCKET_OK);
    wait_destroyed(t, line);
    CHECK_MSG(t->destroy_rc == WEBSOCKET_OK, "target %d: Destroy in callback returned %d", which,
              t->destroy_rc);
    CHECK_QUIET(t->client, 500);
    if (rec_count(t->client, EV_ANY) != expected_events) {
        rec_dump(t->client);
        test_fail(__FILE__, line, "target %d: %zu callbacks, expected %zu", which,
                  rec_count(t->client, EV_ANY), expected_events);
    }
    rec_check_sequence(t->client, 0);
    CHECK_EQ(OH_WebSocketClient_Send(t->client, x, 1), WEBSOCKET_CLIENT_NOT_CREATED);
    CHECK_EQ(OH_WebSocketClient_Destroy(t->client), WEBSOCKET_CLIENT_NOT_CREATED);
}

/* ---- Destroy from another thread while messages flow ----------------------------------- */

static void *destroyer(void *arg)
{
    struct target *t = (struct target *)arg;
    int rc;
    sleep_ms(300);
    rc = OH_WebSocketClient_Destroy(t->client);
    mark_destroyed(t);
    t->destroy_rc = rc;
    return NULL;
}

static void test_destroy_while_flowing(void)
{
    struct target *t = &targets[T_FLOW];
    char msg[] = "ping-pong message";
    pthread_t thread;
    int i, rc = WEBSOCKET_OK;
    long long deadline;

    CONNECT_OPEN(t->client, echo_url("/flow"));
    for (i = 0; i < 16; i++)
        CHECK_EQ(OH_WebSocketClient_Send(t->client, msg, strlen(msg)), WEBSOCKET_OK);
    WAIT_FOR(t->client, EV_MESSAGE, 16, 5000);

    CHECK_EQ(pthread_create(&thread, NULL, destroyer, t), 0);
    /* Keep sending from this thread too, until the handle is dead. */
    deadline = now_ms() + scaled_ms(10000);
    while (now_ms() < deadline) {
        int was_destroyed = is_destroyed(t);
        rc = OH_WebSocketClient_Send(t->client, msg, strlen(msg));
        if (was_destroyed) {
            CHECK_MSG(rc == WEBSOCKET_CLIENT_NOT_CREATED, "Send after Destroy returned %d", rc);
            break;
        }
        CHECK_MSG(rc == WEBSOCKET_OK || rc == WEBSOCKET_NO_CONNECTION ||
                      rc == WEBSOCKET_CLIENT_NOT_CREATED,
                  "Send during Destroy returned %d", rc);
        sleep_ms(1);
    }
    /* Bounded: a Destroy that deadlocks against a running callback must not hang the test. */
    deadline = now_ms() + scaled_ms(5000);
    while (!is_destroyed(t) && now_ms() < deadline) sleep_ms(5);
    CHECK_MSG(is_destroyed(t), "Destroy from another thread did not return within 5 s");
    CHECK_EQ(pthread_join(thread, NULL), 0);
    CHECK_EQ(t->destroy_rc, WEBSOCKET_OK);
    CHECK_EQ(rc, WEBSOCKET_CLIENT_NOT_CREATED);
    CHECK_QUIET(t->client, 500);
    CHECK_MSG(rec_count(t->client, EV_MESSAGE) > 16, "messages were not flowing");
    CHECK_EQ(rec_count(t->client, EV_CLOSE | EV_ERROR), 0);
    rec_check_sequence(t->client, 0);
}

/* ---- Destroy of an open or connecting client from the main thread ----------------------- */

static void destroy_from_main(struct target *t)
{
    long long start = now_ms();
    CHECK_EQ(OH_WebSocketClient_Destroy(t->client), WEBSOCKET_OK);
    mark_destroyed(t);
    CHECK_MSG(now_ms() - start < scaled_ms(2000), "Destroy took %lld ms", now_ms() - start);
    CHECK_QUIET(t->client, 500);
}

static void test_destroy_open_and_connecting(void)
{
    struct target *idle = &targets[T_IDLE], *connecting = &targets[T_CONNECTING];

    CONNECT_OPEN(idle->client, echo_url("/idle"));
    destroy_from_main(idle);
    CHECK_EQ(rec_count(idle->client, EV_ANY), 1); /* onOpen, and no onClose after Destroy */

    CHECK_EQ(OH_WebSocketClient_Connect(connecting->client, echo_url("/silent"), no_headers()),
             WEBSOCKET_OK);
    sleep_ms(200);
    destroy_from_main(connecting);
    CHECK_EQ(rec_count(connecting->client, EV_ANY), 0);
}

int main(void)
{
    int i;

    test_init();
    for (i = 0; i < T_COUNT; i++) {
        targets[i].client = OH_WebSocketClient_Constructor(on_open, on_message, on_error,
                                                           on_close);
        CHECK(targets[i].client != NULL);
    }
    targets[T_OPEN].destroy_on = EV_OPEN;
    targets[T_MESSAGE].destroy_on = EV_MESSAGE;
    targets[T_ERROR].destroy_on = EV_ERROR;
    targets[T_ERROR_AFTER_OPEN].destroy_on = EV_ERROR;
    targets[T_CLOSE].destroy_on = EV_CLOSE;
    targets[T_FLOW].echo_back = 1;

    /* onOpen only. */
    check_destroyed_in_callback(T_OPEN, echo_url("/open"), 1, __LINE__);
    /* onOpen and the first of five messages; the other four are never delivered. */
    check_destroyed_in_callback(T_MESSAGE, echo_url("/messages/5"), 2, __LINE__);
    /* Connection refused: onError only. */
    check_destroyed_in_callback(T_ERROR, "ws://127.0.0.1:1/", 1, __LINE__);
    /* Abrupt loss after open: onOpen, onError, and no onClose after the Destroy. */
    check_destroyed_in_callback(T_ERROR_AFTER_OPEN, echo_url("/drop"), 2, __LINE__);
    /* Server close: onOpen, onClose. */
    check_destroyed_in_callback(T_CLOSE, echo_url("/close/4000"), 2, __LINE__);

    test_destroy_while_flowing();
    test_destroy_open_and_connecting();
    rec_reset();
    return 0;
}
