/*
 * test_dispatcher_destroy.c — Destroy, Close and DispatcherDestroy with a dispatcher
 * (net_websocket_ext.h, "Callbacks on your thread"):
 * - Destroy from inside a dispatched callback returns 0 and the client's other pending
 *   callbacks are discarded (Run counts only what it called; the fd is clear again);
 * - Destroy from another thread with callbacks pending discards them; while the dispatcher
 *   thread runs one of the client's callbacks, it waits for that callback to return;
 * - Close from the dispatcher thread, outside and inside callbacks; Connect and SetDispatcher
 *   are refused while the previous connection's last callback is pending;
 * - DispatcherDestroy is refused while a client is attached, while a connection started with
 *   it may still call back, while callbacks are pending and while it runs; then the pointer
 *   is dead, and the client's next connection calls back on library threads;
 * - from inside a dispatched callback, Destroy of another client discards its pending
 *   callbacks, and Connect of a third client works.
 * Every callback checks that its client was not destroyed (a flag set when Destroy returns).
 */
#include "common.h"

#include "dispatch_loop.h"

#include <string.h>

static WebSocketEx_Dispatcher *d;

enum { A_SELF, B_PENDING, B_RUNNING, C_CLOSE, E_ATTACHED, F_DESTROYER, F_VICTIM, F_LATE,
       CLIENTS };
static struct WebSocket *clients[CLIENTS];
static int destroyed[CLIENTS];
static int destroy_in_callback_rc = -1;
static int running_inside, running_finished, finished_when_destroyed = -1;
static int close_in_callback_rc = -1, destroy_dispatcher_in_callback_rc = -1;
static int destroy_other_rc = -1, connect_other_rc = -1;
static WebSocketEx_Dispatcher *d2;

static int load(int *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
static void store(int *p, int v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }

static int which(struct WebSocket *ws)
{
    int i;
    for (i = 0; i < CLIENTS; i++)
        if (clients[i] == ws) return i;
    return -1;
}

/* Start of every callback: its client must not have been destroyed. */
static int begin(struct WebSocket *ws, const char *name)
{
    int i = which(ws);
    rec_enter(ws);
    if (i < 0) rec_violation("%s for an unknown client", name);
    else if (load(&destroyed[i])) rec_violation("%s of client %d after Destroy returned", name, i);
    return i;
}

static void on_open(struct WebSocket *ws, WebSocket_OpenResult result)
{
    int i = begin(ws, "onOpen");
    rec_open(ws, result);
    if (i == F_DESTROYER) {
        /* Another client, with callbacks pending behind this one, and a third's Connect. */
        destroy_other_rc = OH_WebSocketClient_Destroy(clients[F_VICTIM]);
        store(&destroyed[F_VICTIM], 1);
        connect_other_rc =
            OH_WebSocketClient_Connect(clients[F_LATE], echo_url("/late"), no_headers());
    }
    rec_leave(ws);
}

static void on_message(struct WebSocket *ws, char *data, uint32_t length)
{
    int i = begin(ws, "onMessage");
    rec_message(ws, data, length);
    if (i == A_SELF && rec_count(ws, EV_MESSAGE) == 1) {
        destroy_in_callback_rc = OH_WebSocketClient_Destroy(ws);
        store(&destroyed[i], 1);
    } else if (i == B_RUNNING && !load(&running_inside)) {
        store(&running_inside, 1);
        sleep_ms(300);
        store(&running_finished, 1);
    } else if (i == C_CLOSE && strcmp(data, "close me") == 0) {
        close_in_callback_rc = OH_WebSocketClient_Close(ws, close_option(4001, "asked"));
    }
    rec_leave(ws);
}

static void on_close(struct WebSocket *ws, WebSocket_CloseResult result)
{
    int i = begin(ws, "onClose");
    rec_close(ws, result);
    if (i == E_ATTACHED && d2 != NULL)
        destroy_dispatcher_in_callback_rc = WebSocketEx_DispatcherDestroy(d2);
    rec_leave(ws);
}

static void on_error(struct WebSocket *ws, WebSocket_ErrorResult result)
{
    begin(ws, "onError");
    rec_error(ws, result);
    rec_leave(ws);
}

static struct WebSocket *client(int i)
{
    clients[i] = OH_WebSocketClient_Constructor(on_open, on_message, on_error, on_close);
    CHECK(clients[i] != NULL);
    rec_forget(clients[i]);
    return clients[i];
}

/* Connects client i with dispatcher dd to path and waits (without running anything) until
 * its onOpen and the server's first messages have had time to be queued. */
static void connect_unrun(int i, WebSocketEx_Dispatcher *dd, const char *path)
{
    CHECK_EQ(WebSocketEx_SetDispatcher(client(i), dd), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Connect(clients[i], echo_url(path), no_headers()), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_DispatcherWait(dd, (int)scaled_ms(10000)), 1);
    sleep_ms(scaled_ms(300));
}

/* Runs d for quiet_ms and checks that client i got no callback meanwhile. */
static void run_quiet(int i, long quiet_ms)
{
    size_t before = rec_count(clients[i], EV_ANY);
    long long end = now_ms() + scaled_ms(quiet_ms);
    while (now_ms() < end) {
        if (WebSocketEx_DispatcherWait(d, 20) == 1) CHECK(WebSocketEx_DispatcherRun(d, 0) >= 0);
    }
    CHECK_EQ(rec_count(clients[i], EV_ANY), before);
}

/* Closes client i, runs d until its onClose, checks the sequence and destroys it. */
static void close_run_destroy(int i, int line)
{
    size_t closes = rec_count(clients[i], EV_CLOSE);
    struct count_goal goal;
    CHECK_EQ(OH_WebSocketClient_Close(clients[i], close_option(1000, "")), WEBSOCKET_OK);
    goal.client = clients[i];
    goal.mask = EV_CLOSE;
    goal.n = closes + 1;
    if (!run_until(d, count_reached, &goal, 10000)) {
        rec_dump(clients[i]);
        test_fail(__FILE__, line, "no onClose of client %d", i);
    }
    rec_check_sequence(clients[i], 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(clients[i]), WEBSOCKET_OK);
    store(&destroyed[i], 1);
}
#define CLOSE_WAIT_RUN(i) close_run_destroy((i), __LINE__)

static void test_destroy_inside_callback(void)
{
    int ran;
    connect_unrun(A_SELF, d, "/messages/50");
    /* onOpen, then the first message, whose callback destroys the client: the other 49
     * are discarded, not called. */
    ran = WebSocketEx_DispatcherRun(d, 0);
    CHECK_EQ(destroy_in_callback_rc, WEBSOCKET_OK);
    CHECK_EQ(ran, 2);
    CHECK_EQ(rec_count(clients[A_SELF], EV_MESSAGE), 1);
    CHECK_EQ(WebSocketEx_DispatcherWait(d, 0), 0);
    CHECK(!fd_readable(d));
    run_quiet(A_SELF, 300);
    CHECK_EQ(OH_WebSocketClient_Destroy(clients[A_SELF]), WEBSOCKET_CLIENT_NOT_CREATED);
}

static void *destroy_b_pending(void *arg)
{
    (void)arg;
    CHECK_EQ(OH_WebSocketClient_Destroy(clients[B_PENDING]), WEBSOCKET_OK);
    store(&destroyed[B_PENDING], 1);
    return NULL;
}

static void *destroy_b_running(void *arg)
{
    long long deadline = now_ms() + scaled_ms(10000);
    (void)arg;
    while (!load(&running_inside) && now_ms() < deadline) sleep_ms(1);
    CHECK_EQ(OH_WebSocketClient_Destroy(clients[B_RUNNING]), WEBSOCKET_OK);
    store(&finished_when_destroyed, load(&running_finished));
    store(&destroyed[B_RUNNING], 1);
    return NULL;
}

static int b_running_destroyed(void *arg)
{
    (void)arg;
    return load(&destroyed[B_RUNNING]);
}

static void test_destroy_from_another_thread(void)
{
    pthread_t thread;
    /* With callbacks pending and nobody running them: all discarded. */
    connect_unrun(B_PENDING, d, "/messages/50");
    CHECK(fd_readable(d));
    CHECK(pthread_create(&thread, NULL, destroy_b_pending, NULL) == 0);
    pthread_join(thread, NULL);
    CHECK_EQ(WebSocketEx_DispatcherWait(d, 0), 0);
    CHECK_EQ(WebSocketEx_DispatcherRun(d, 0), 0);
    CHECK_EQ(rec_count(clients[B_PENDING], EV_ANY), 0);

    /* While the dispatcher thread runs one of the client's callbacks: Destroy waits for it
     * to return, and the rest is discarded. */
    connect_unrun(B_RUNNING, d, "/messages/50");
    CHECK(pthread_create(&thread, NULL, destroy_b_running, NULL) == 0);
    CHECK(run_until(d, b_running_destroyed, NULL, 10000));
    pthread_join(thread, NULL);
    CHECK_EQ(finished_when_destroyed, 1);
    CHECK_EQ(rec_count(clients[B_RUNNING], EV_MESSAGE), 1);
    run_quiet(B_RUNNING, 300);
}

static void test_close_from_the_dispatcher_thread(void)
{
    struct WebSocket *c = client(C_CLOSE);
    char close_me[] = "close me";
    const rec_event *ev;
    CHECK_EQ(WebSocketEx_SetDispatcher(c, d), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url("/close-me"), no_headers()), WEBSOCKET_OK);
    RUN_UNTIL_COUNT(d, c, EV_OPEN, 1, 10000);
    /* Outside callbacks. The end is queued; until it has run, the client's next Connect
     * (and a change of dispatcher) is refused: its last callback comes first. */
    CHECK_EQ(OH_WebSocketClient_Close(c, close_option(1000, "from main")), WEBSOCKET_OK);
    sleep_ms(scaled_ms(500));
    CHECK_EQ(WebSocketEx_DispatcherWait(d, 0), 1);
    CHECK_EQ(rec_count(c, EV_CLOSE), 0);
    CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url("/close-me"), no_headers()),
             WEBSOCKET_CONNECTION_ERROR);
    CHECK_EQ(WebSocketEx_SetDispatcher(c, NULL), WEBSOCKET_CONNECTION_ERROR);
    CHECK_EQ(WebSocketEx_DispatcherRun(d, 0), 1);
    ev = rec_nth(c, EV_CLOSE, 0);
    CHECK(ev != NULL && ev->code == 1000);

    /* Inside a callback. */
    CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url("/close-me"), no_headers()), WEBSOCKET_OK);
    RUN_UNTIL_COUNT(d, c, EV_OPEN, 2, 10000);
    CHECK_EQ(OH_WebSocketClient_Send(c, close_me, sizeof close_me - 1), WEBSOCKET_OK);
    RUN_UNTIL_COUNT(d, c, EV_CLOSE, 2, 10000);
    CHECK_EQ(close_in_callback_rc, WEBSOCKET_OK);
    CHECK_EQ(rec_nth(c, EV_CLOSE, 1)->code, 4001);
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
    store(&destroyed[C_CLOSE], 1);
}

static void test_dispatcher_destroy_refused(void)
{
    struct WebSocket *e = client(E_ATTACHED);
    WebSocketEx_Dispatcher *dd = WebSocketEx_DispatcherCreate();
    CHECK(dd != NULL);
    /* Attached by SetDispatcher. */
    CHECK_EQ(WebSocketEx_SetDispatcher(e, dd), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_DispatcherDestroy(dd), WEBSOCKET_CONNECTION_ERROR);
    CHECK_CONTAINS(WebSocketEx_GetLastErrorMessage(), "attached");
    /* Detached, but its connection was started with it. */
    CHECK_EQ(OH_WebSocketClient_Connect(e, echo_url("/attached"), no_headers()), WEBSOCKET_OK);
    RUN_UNTIL_COUNT(dd, e, EV_OPEN, 1, 10000);
    CHECK_EQ(WebSocketEx_SetDispatcher(e, NULL), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_DispatcherDestroy(dd), WEBSOCKET_CONNECTION_ERROR);
    CHECK_CONTAINS(WebSocketEx_GetLastErrorMessage(), "attached");
    /* Ended, with its onClose pending. */
    CHECK_EQ(OH_WebSocketClient_Close(e, close_option(1000, "")), WEBSOCKET_OK);
    sleep_ms(scaled_ms(500));
    CHECK_EQ(WebSocketEx_DispatcherDestroy(dd), WEBSOCKET_CONNECTION_ERROR);
    CHECK_CONTAINS(WebSocketEx_GetLastErrorMessage(), "pending");
    /* While it runs (onClose tries). */
    d2 = dd;
    CHECK_EQ(WebSocketEx_DispatcherRun(dd, 0), 1);
    CHECK_EQ(destroy_dispatcher_in_callback_rc, WEBSOCKET_CONNECTION_ERROR);
    d2 = NULL;
    CHECK_EQ(rec_count(e, EV_CLOSE), 1);
    /* Nobody uses it now. */
    CHECK_EQ(WebSocketEx_DispatcherDestroy(dd), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_DispatcherGetFd(dd), -1);
    CHECK_EQ(WebSocketEx_DispatcherWait(dd, 0), -WEBSOCKET_CLIENT_NOT_CREATED);
    CHECK_EQ(WebSocketEx_SetDispatcher(e, dd), WEBSOCKET_CLIENT_NOT_CREATED);
    /* The next connection calls back on library threads. */
    rec_callbacks_on_main(0);
    CONNECT_OPEN(e, echo_url("/library-threads"));
    CHECK(!pthread_equal(rec_nth(e, EV_OPEN, 1)->thread, pthread_self()));
    CLOSE_WAIT(e, 1000, "");
    rec_check_sequence(e, 1);
    rec_callbacks_on_main(1);
    CHECK_EQ(OH_WebSocketClient_Destroy(e), WEBSOCKET_OK);
    store(&destroyed[E_ATTACHED], 1);
}

static void test_destroy_and_connect_others_inside_a_callback(void)
{
    struct WebSocket *late;
    connect_unrun(F_DESTROYER, d, "/destroyer");
    connect_unrun(F_VICTIM, d, "/messages/50");
    late = client(F_LATE);
    CHECK_EQ(WebSocketEx_SetDispatcher(late, d), WEBSOCKET_OK);
    /* The destroyer's onOpen comes first; the victim's 51 callbacks are discarded. */
    CHECK_EQ(WebSocketEx_DispatcherRun(d, 0), 1);
    CHECK_EQ(destroy_other_rc, WEBSOCKET_OK);
    CHECK_EQ(connect_other_rc, WEBSOCKET_OK);
    CHECK_EQ(rec_count(clients[F_VICTIM], EV_ANY), 0);
    RUN_UNTIL_COUNT(d, late, EV_OPEN, 1, 10000);
    CLOSE_WAIT_RUN(F_LATE);
    CLOSE_WAIT_RUN(F_DESTROYER);
}

int main(void)
{
    test_init();
    rec_callbacks_on_main(1);
    d = WebSocketEx_DispatcherCreate();
    CHECK(d != NULL);
    test_destroy_inside_callback();
    test_destroy_from_another_thread();
    test_close_from_the_dispatcher_thread();
    test_dispatcher_destroy_refused();
    test_destroy_and_connect_others_inside_a_callback();
    CHECK_EQ(WebSocketEx_DispatcherRun(d, 0), 0);
    CHECK_EQ(WebSocketEx_DispatcherDestroy(d), WEBSOCKET_OK);
    rec_reset();
    printf("ok\n");
    return 0;
}
