/*
 * test_dispatcher.c — callbacks on the application's thread (net_websocket_ext.h, "Callbacks
 * on your thread"): three echo clients on one dispatcher, driven by a poll() loop on the main
 * thread, each echoing 10,000 messages; every callback runs on the main thread, inside
 * WebSocketEx_DispatcherRun, in each client's order and the usual sequence (onOpen, the
 * messages, onClose). The extension callbacks (typed messages, pongs, handshake responses,
 * reconnection, messages in pieces) come the same way. Also: the fd is level-triggered
 * (readable exactly while callbacks are pending), Run's count and maxCallbacks, Wait, the
 * one-runner rule (a re-entrant and a concurrent Run are refused), and the error codes of
 * every function for NULL and stale handles.
 */
#include "common.h"

#include "dispatch_loop.h"

#include <string.h>

#define CLIENTS 3
#define MESSAGES 10000
#define WINDOW 32

static WebSocketEx_Dispatcher *d;

struct echo_client {
    struct WebSocket *ws;
    int index;
    int sent;
    int received;
};
static struct echo_client clients[CLIENTS];

static struct echo_client *find(struct WebSocket *ws)
{
    int i;
    for (i = 0; i < CLIENTS; i++)
        if (clients[i].ws == ws) return &clients[i];
    return NULL;
}

static void send_next(struct echo_client *c)
{
    char text[64];
    int n = snprintf(text, sizeof text, "client %d message %d", c->index, c->sent);
    int rc = WebSocketEx_SendText(c->ws, text, (size_t)n);
    if (rc != WEBSOCKET_OK) rec_violation("client %d: SendText gave %d", c->index, rc);
    c->sent++;
}

/* The thread of a concurrent Run, started from inside a callback. */
static void *concurrent_run(void *arg)
{
    int *result = (int *)arg;
    *result = WebSocketEx_DispatcherRun(d, 0);
    return NULL;
}

static int reentrant_result = 1, concurrent_result = 1;

static void on_open(struct WebSocket *ws, WebSocket_OpenResult result)
{
    struct echo_client *c = find(ws);
    int i;
    rec_enter(ws);
    rec_open(ws, result);
    if (c != NULL && c->index == 0) {
        /* One thread at a time runs a dispatcher: this one is inside Run already, and so
         * is the dispatcher, for any other thread. */
        pthread_t thread;
        reentrant_result = WebSocketEx_DispatcherRun(d, 0);
        if (pthread_create(&thread, NULL, concurrent_run, &concurrent_result) == 0)
            pthread_join(thread, NULL);
    }
    for (i = 0; c != NULL && i < WINDOW; i++) send_next(c);
    rec_leave(ws);
}

static void on_message(struct WebSocket *ws, char *data, uint32_t length)
{
    struct echo_client *c = find(ws);
    char expected[64];
    int n;
    rec_enter(ws);
    if (c == NULL) {
        rec_violation("a message for an unknown client");
        rec_leave(ws);
        return;
    }
    n = snprintf(expected, sizeof expected, "client %d message %d", c->index, c->received);
    if ((size_t)n != length || memcmp(data, expected, length) != 0 || data[length] != '\0')
        rec_violation("client %d: message %d is \"%.*s\", expected \"%s\"", c->index,
                      c->received, (int)length, data, expected);
    c->received++;
    /* Every 1000th is recorded, for the sequence check (not all 30,000). */
    if (c->received % 1000 == 0) rec_message(ws, data, length);
    if (c->sent < MESSAGES) send_next(c);
    rec_leave(ws);
}

static int all_echoed(void *arg)
{
    int i;
    (void)arg;
    for (i = 0; i < CLIENTS; i++)
        if (clients[i].received < MESSAGES) return 0;
    return 1;
}

/* ---- the extension callbacks ----------------------------------------------------------- */

static int typed_user_data;

static void on_typed_message(struct WebSocket *ws, const char *data, size_t length,
                             WebSocketEx_MessageType type, void *userData)
{
    rec_enter(ws);
    if (userData != &typed_user_data) rec_violation("typed message: wrong userData");
    if (data[length] != '\0') rec_violation("typed message: data[length] != 0");
    /* The type travels in the recorded code. */
    rec_message(ws, data, (uint32_t)length);
    if (type != (length == 4 ? WEBSOCKET_EX_BINARY : WEBSOCKET_EX_TEXT))
        rec_violation("typed message of %zu bytes: type %d", length, (int)type);
    rec_leave(ws);
}

static void test_extension_callbacks(void)
{
    struct WebSocket *c = rec_client();
    const char ping[] = "are you there";
    const rec_event *ev;
    CHECK_EQ(WebSocketEx_SetDispatcher(c, d), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetUserData(c, &typed_user_data), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetMessageCallback(c, on_typed_message), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetPongCallback(c, rec_on_pong), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetHandshakeResponseCallback(c, rec_on_handshake_response),
             WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url("/dispatcher-ext"), no_headers()),
             WEBSOCKET_OK);
    RUN_UNTIL_COUNT(d, c, EV_OPEN, 1, 10000);
    CHECK_EQ(rec_count(c, EV_HANDSHAKE), 1);
    CHECK_EQ(rec_nth(c, EV_HANDSHAKE, 0)->code, 101);
    CHECK_EQ(WebSocketEx_SendText(c, "typed text", 10), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SendBinary(c, "\x00\x01\xfe\xff", 4), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SendPing(c, ping, sizeof ping - 1), WEBSOCKET_OK);
    RUN_UNTIL_COUNT(d, c, EV_MESSAGE | EV_PONG, 3, 10000);
    CHECK_EQ(strcmp(rec_nth(c, EV_MESSAGE, 0)->text, "typed text"), 0);
    CHECK_EQ(rec_nth(c, EV_MESSAGE, 1)->length, 4);
    ev = rec_nth(c, EV_PONG, 0);
    CHECK(ev != NULL && ev->terminated && strcmp(ev->text, ping) == 0);
    CHECK(ev->user_data == &typed_user_data);
    CHECK_EQ(OH_WebSocketClient_Close(c, close_option(1000, "done")), WEBSOCKET_OK);
    RUN_UNTIL_COUNT(d, c, EV_CLOSE, 1, 10000);
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* Messages in pieces through the dispatcher: 8 MiB in 64 KiB frames, then the server's
 * report ("TOTAL CRC"), every piece on the main thread (rec_enter checks it) in order, the
 * bytes copied for the queue intact. */
#define PIECES_TOTAL (8u << 20)
static struct {
    size_t binary_bytes, pieces;
    uint32_t crc;
    int binary_done, in_message;
    char report[64];
    size_t report_length;
    int report_done;
} pieces;

static int pieces_done(void *arg)
{
    (void)arg;
    return pieces.report_done;
}

static void on_piece(struct WebSocket *ws, const char *data, size_t length,
                     WebSocketEx_MessageType type, int flags, void *user_data)
{
    (void)user_data;
    rec_enter(ws);
    if (data[length] != 0) rec_violation("piece of %zu bytes not 0-terminated", length);
    if (((flags & WEBSOCKET_EX_FIRST) != 0) == pieces.in_message)
        rec_violation("FIRST flag %d while %s a message", flags,
                      pieces.in_message ? "inside" : "outside");
    pieces.in_message = !(flags & WEBSOCKET_EX_FINAL);
    pieces.pieces++;
    if (type == WEBSOCKET_EX_BINARY) {
        pieces.binary_bytes += length;
        pieces.crc = crc32_update(pieces.crc, data, length);
        if (flags & WEBSOCKET_EX_FINAL) pieces.binary_done = 1;
    } else if (!pieces.binary_done || pieces.report_length + length >= sizeof pieces.report) {
        rec_violation("unexpected text piece of %zu bytes", length);
    } else {
        memcpy(pieces.report + pieces.report_length, data, length);
        pieces.report_length += length;
        if (flags & WEBSOCKET_EX_FINAL) pieces.report_done = 1;
    }
    rec_leave(ws);
}

static void test_fragments(void)
{
    struct WebSocket *c = rec_client();
    char path[64], expected[64];
    CHECK_EQ(WebSocketEx_SetDispatcher(c, d), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetFragmentCallback(c, on_piece), WEBSOCKET_OK);
    snprintf(path, sizeof path, "/generate/binary/%u/%u", PIECES_TOTAL, 64u << 10);
    CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url(path), no_headers()), WEBSOCKET_OK);
    if (!run_until(d, pieces_done, NULL, 20000)) {
        rec_dump(c);
        test_fail(__FILE__, __LINE__, "no report after %zu bytes in %zu pieces",
                  pieces.binary_bytes, pieces.pieces);
    }
    snprintf(expected, sizeof expected, "%u %08lx", PIECES_TOTAL, (unsigned long)pieces.crc);
    CHECK_EQ(pieces.binary_bytes, PIECES_TOTAL);
    CHECK_MSG(strcmp(pieces.report, expected) == 0, "server reported \"%s\", we got \"%s\"",
              pieces.report, expected);
    CHECK_EQ(OH_WebSocketClient_Close(c, close_option(1000, "done")), WEBSOCKET_OK);
    RUN_UNTIL_COUNT(d, c, EV_CLOSE, 1, 10000);
    rec_check_sequence(c, 1);
    CHECK_EQ(rec_count(c, EV_MESSAGE), 0);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
    printf("test_dispatcher: %u bytes in %zu pieces through the dispatcher\n", PIECES_TOTAL,
           pieces.pieces);
}

/* A refused server with reconnection on: onError, the reconnect callback, onError, then
 * onClose (gave up), all from Run. */
static void test_reconnect_callback(void)
{
    struct WebSocket *c = rec_client();
    const rec_event *ev;
    CHECK_EQ(WebSocketEx_SetDispatcher(c, d), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetReconnect(c, 1, 10, 10, 0), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetReconnectCallback(c, rec_on_reconnect), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Connect(c, "ws://127.0.0.1:1/", no_headers()), WEBSOCKET_OK);
    RUN_UNTIL_COUNT(d, c, EV_CLOSE, 1, 10000);
    CHECK_EQ(rec_count(c, EV_ERROR), 2);
    CHECK_EQ(rec_count(c, EV_RECONNECT), 1);
    ev = rec_nth(c, EV_CLOSE, 0);
    CHECK_EQ(ev->code, 1006);
    CHECK_CONTAINS(ev->text, "gave up");
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* ---- the API's edges ------------------------------------------------------------------- */

static void test_bad_handles(void)
{
    int not_a_dispatcher = 0;
    WebSocketEx_Dispatcher *bogus = (WebSocketEx_Dispatcher *)&not_a_dispatcher;
    struct WebSocket *c = rec_client();
    CHECK_EQ(WebSocketEx_DispatcherGetFd(NULL), -1);
    CHECK_EQ(WebSocketEx_DispatcherGetFd(bogus), -1);
    CHECK_EQ(WebSocketEx_DispatcherRun(NULL, 0), -WEBSOCKET_CLIENT_NULL);
    CHECK_EQ(WebSocketEx_DispatcherRun(bogus, 0), -WEBSOCKET_CLIENT_NOT_CREATED);
    CHECK_CONTAINS(WebSocketEx_GetLastErrorMessage(), "not a live dispatcher");
    CHECK_EQ(WebSocketEx_DispatcherWait(NULL, 0), -WEBSOCKET_CLIENT_NULL);
    CHECK_EQ(WebSocketEx_DispatcherWait(bogus, 0), -WEBSOCKET_CLIENT_NOT_CREATED);
    CHECK_EQ(WebSocketEx_DispatcherDestroy(NULL), WEBSOCKET_CLIENT_NULL);
    CHECK_EQ(WebSocketEx_DispatcherDestroy(bogus), WEBSOCKET_CLIENT_NOT_CREATED);
    CHECK_EQ(WebSocketEx_SetDispatcher(NULL, d), WEBSOCKET_CLIENT_NULL);
    CHECK_EQ(WebSocketEx_SetDispatcher(c, bogus), WEBSOCKET_CLIENT_NOT_CREATED);
    CHECK_EQ(WebSocketEx_SetDispatcher(c, NULL), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetDispatchLimit(NULL, 1), WEBSOCKET_CLIENT_NULL);
    CHECK_EQ(WebSocketEx_SetDispatchLimit(c, 0), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_NO_CONNECTION_CONTEXT);
    CHECK_EQ(WebSocketEx_SetDispatcher(c, d), WEBSOCKET_CLIENT_NOT_CREATED);
    CHECK_EQ(WebSocketEx_SetDispatchLimit(c, 1), WEBSOCKET_CLIENT_NOT_CREATED);

    /* Nothing pending: Run calls nothing, Wait(0) only looks, Wait(50) waits its time. */
    {
        long long start;
        CHECK_EQ(WebSocketEx_DispatcherRun(d, 0), 0);
        CHECK_EQ(WebSocketEx_DispatcherWait(d, 0), 0);
        start = now_ms();
        CHECK_EQ(WebSocketEx_DispatcherWait(d, 50), 0);
        CHECK_MSG(now_ms() - start >= 45, "Wait(50) returned after %lld ms", now_ms() - start);
        CHECK(!fd_readable(d));
    }
}

/* The first callbacks of the three clients: the fd stays readable while they wait (level
 * triggered), Wait sees them, a client with callbacks pending cannot change dispatcher, and
 * Run(d, 1) calls exactly one. */
static void test_level_triggered(void)
{
    int i, runs = 0;
    CHECK_MSG(WebSocketEx_DispatcherWait(d, (int)scaled_ms(10000)) == 1,
              "no callback pending within 10 s of Connect");
    /* Time for the three local handshakes: then each client has its onOpen pending. */
    sleep_ms(scaled_ms(300));
    CHECK(fd_readable(d));
    CHECK(fd_readable(d)); /* still: nothing was run */
    CHECK_EQ(WebSocketEx_DispatcherWait(d, -1), 1);
    for (i = 0; i < CLIENTS; i++) {
        CHECK_EQ(WebSocketEx_SetDispatcher(clients[i].ws, NULL), WEBSOCKET_CONNECTION_ERROR);
        CHECK_CONTAINS(WebSocketEx_GetLastErrorMessage(), "pending");
    }
    /* One at a time; the echoes of the first windows may come in between. */
    while (runs < 100 && (rec_count(clients[0].ws, EV_OPEN) == 0 ||
                          rec_count(clients[1].ws, EV_OPEN) == 0 ||
                          rec_count(clients[2].ws, EV_OPEN) == 0)) {
        CHECK_EQ(WebSocketEx_DispatcherWait(d, (int)scaled_ms(10000)), 1);
        CHECK_EQ(WebSocketEx_DispatcherRun(d, 1), 1);
        runs++;
    }
    for (i = 0; i < CLIENTS; i++) CHECK_EQ(rec_count(clients[i].ws, EV_OPEN), 1);
    CHECK_EQ(reentrant_result, -WEBSOCKET_CONNECTION_ERROR);
    CHECK_EQ(concurrent_result, -WEBSOCKET_CONNECTION_ERROR);
}

int main(void)
{
    int i;
    long long start;
    test_init();
    rec_callbacks_on_main(1);
    d = WebSocketEx_DispatcherCreate();
    CHECK(d != NULL);
    CHECK(WebSocketEx_DispatcherGetFd(d) >= 0);
    test_bad_handles();

    for (i = 0; i < CLIENTS; i++) {
        clients[i].index = i;
        clients[i].ws = OH_WebSocketClient_Constructor(on_open, on_message, rec_on_error,
                                                       rec_on_close);
        CHECK(clients[i].ws != NULL);
        rec_forget(clients[i].ws);
        CHECK_EQ(WebSocketEx_SetDispatcher(clients[i].ws, d), WEBSOCKET_OK);
    }
    CHECK_EQ(WebSocketEx_DispatcherDestroy(d), WEBSOCKET_CONNECTION_ERROR);
    CHECK_CONTAINS(WebSocketEx_GetLastErrorMessage(), "attached");
    /* Nothing is called before Run: Connect returns, the callbacks wait. */
    for (i = 0; i < CLIENTS; i++)
        CHECK_EQ(OH_WebSocketClient_Connect(clients[i].ws, echo_url("/dispatcher"),
                                            no_headers()),
                 WEBSOCKET_OK);
    test_level_triggered();

    start = now_ms();
    CHECK_MSG(run_until(d, all_echoed, NULL, 60000), "echoes: %d, %d, %d of %d",
              clients[0].received, clients[1].received, clients[2].received, MESSAGES);
    printf("%d echoes of each of %d clients in %lld ms\n", MESSAGES, CLIENTS, now_ms() - start);
    for (i = 0; i < CLIENTS; i++) {
        CHECK_EQ(clients[i].sent, MESSAGES);
        CHECK_EQ(rec_count(clients[i].ws, EV_MESSAGE), MESSAGES / 1000);
        CHECK_EQ(OH_WebSocketClient_Close(clients[i].ws, close_option(1000, "bye")),
                 WEBSOCKET_OK);
    }
    for (i = 0; i < CLIENTS; i++) {
        RUN_UNTIL_COUNT(d, clients[i].ws, EV_CLOSE, 1, 10000);
        CHECK_EQ(rec_nth(clients[i].ws, EV_CLOSE, 0)->code, 1000);
        rec_check_sequence(clients[i].ws, 1);
    }
    /* Nothing more comes: the fd is not readable once everything ran. */
    CHECK_EQ(WebSocketEx_DispatcherRun(d, 0), 0);
    CHECK(!fd_readable(d));

    test_extension_callbacks();
    test_reconnect_callback();
    test_fragments();

    for (i = 0; i < CLIENTS; i++) CHECK_EQ(OH_WebSocketClient_Destroy(clients[i].ws), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_DispatcherDestroy(d), WEBSOCKET_OK);
    CHECK_EQ(strcmp(WebSocketEx_GetLastErrorMessage(), ""), 0);
    /* The pointer is dead now. */
    CHECK_EQ(WebSocketEx_DispatcherGetFd(d), -1);
    CHECK_EQ(WebSocketEx_DispatcherRun(d, 0), -WEBSOCKET_CLIENT_NOT_CREATED);
    CHECK_EQ(WebSocketEx_DispatcherDestroy(d), WEBSOCKET_CLIENT_NOT_CREATED);
    rec_reset();
    printf("ok\n");
    return 0;
}
