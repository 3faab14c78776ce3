/*
 * test_pending.c — messages sent before a client's first Connect (SPEC §3, Send), as
 * OpenHarmony's implementation and its conformance tests have it: Send returns 0 and keeps a
 * copy, counted against the send-queue limit (1013 beyond it) and by
 * WebSocketEx_GetBufferedAmount; the first connection gets them in order, ahead of anything
 * sent after Connect returned, and sends them after it opens; Destroy of a client that never
 * connected frees them (valgrind checks it) and returns 1018. The type rules are those of the
 * send functions. Runs in the default mode (test_compat covers the switch).
 * Needs WS_ECHO_URL (scripts/c-tests.sh starts the echo server).
 */
#include "common.h"

#include <network/netstack/net_websocket_ext.h>

#include <string.h>

/* ---- messages with their types --------------------------------------------------------- */

#define MAX_TYPES 16
static WebSocketEx_MessageType types[MAX_TYPES];
static size_t types_seen;
static pthread_mutex_t types_lock = PTHREAD_MUTEX_INITIALIZER;

/* The typed message callback: records the message with the recorder and its type here. */
static void on_typed(struct WebSocket *client, const char *data, size_t length,
                     WebSocketEx_MessageType type, void *user_data)
{
    (void)user_data;
    rec_enter(client);
    pthread_mutex_lock(&types_lock);
    if (types_seen < MAX_TYPES) types[types_seen] = type;
    types_seen++;
    pthread_mutex_unlock(&types_lock);
    rec_message(client, data, (uint32_t)length);
    rec_leave(client);
}

static struct WebSocket *typed_client(void)
{
    struct WebSocket *c = rec_client();
    pthread_mutex_lock(&types_lock);
    types_seen = 0;
    pthread_mutex_unlock(&types_lock);
    CHECK_EQ(WebSocketEx_SetMessageCallback(c, on_typed), WEBSOCKET_OK);
    return c;
}

/* The n-th message: its bytes, length and type. */
static void check_message(struct WebSocket *c, size_t n, const char *bytes, size_t length,
                          WebSocketEx_MessageType type)
{
    const rec_event *ev = rec_nth(c, EV_MESSAGE, n);
    WebSocketEx_MessageType seen;
    CHECK_MSG(ev != NULL, "no message %zu", n);
    CHECK_MSG(ev->length == length && memcmp(ev->text, bytes, length) == 0,
              "message %zu is \"%s\" (%zu bytes), expected %zu bytes", n, ev->text, ev->length,
              length);
    pthread_mutex_lock(&types_lock);
    seen = types[n];
    pthread_mutex_unlock(&types_lock);
    CHECK_MSG(seen == type, "message %zu came back as type %d, sent as %d", n, (int)seen,
              (int)type);
}

/* ---- the tests --------------------------------------------------------------------------- */

/* Queued before Connect, with the type each send function gives; refused calls queue nothing;
 * a Close (1017) and a refused Connect keep the queue; the first connection sends it after
 * open, then what was sent after Connect returned. */
static void test_sent_after_open(void)
{
    static char first[] = "first", with_nul[] = {'a', '\0', 'b'}, not_utf8[] = {'\xff', '\xfe'};
    static char after[] = "sent after Connect returned";
    struct WebSocket *c = typed_client();

    CHECK_EQ(OH_WebSocketClient_Send(c, first, 5), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Send(c, with_nul, sizeof with_nul), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Send(c, not_utf8, sizeof not_utf8), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SendText(c, "text", 4), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SendBinary(c, "bin", 3), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_GetBufferedAmount(c), 5 + 3 + 2 + 4 + 3);

    /* Refused or empty: nothing queued. */
    CHECK_EQ(OH_WebSocketClient_Send(c, first, 0), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Send(c, NULL, 1), WEBSOCKET_SEND_DATA_NULL);
    CHECK_EQ(WebSocketEx_SendText(c, "\xc3", 1), WEBSOCKET_PROTOCOL_ERROR);
    CHECK_EQ(WebSocketEx_SendPing(c, "p", 1), WEBSOCKET_NO_CONNECTION);
    CHECK_EQ(OH_WebSocketClient_Close(c, close_option(1000, "not yet")), WEBSOCKET_NO_CONNECTION);
    CHECK_EQ(OH_WebSocketClient_Connect(c, "ftp://127.0.0.1/", no_headers()),
             WEBSOCKET_CONNECTION_PARSE_URL_ERROR);
    CHECK_EQ(WebSocketEx_GetBufferedAmount(c), 17);
    CHECK_QUIET(c, 100);
    CHECK_EQ(rec_count(c, EV_ANY), 0);

    CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url("/"), no_headers()), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Send(c, after, strlen(after)), WEBSOCKET_OK);
    WAIT_FOR(c, EV_OPEN | EV_ERROR, 1, 5000);
    CHECK_EQ(rec_count(c, EV_OPEN), 1);
    WAIT_FOR(c, EV_MESSAGE, 6, 5000);
    check_message(c, 0, first, 5, WEBSOCKET_EX_TEXT);
    check_message(c, 1, with_nul, sizeof with_nul, WEBSOCKET_EX_BINARY);
    check_message(c, 2, not_utf8, sizeof not_utf8, WEBSOCKET_EX_BINARY);
    check_message(c, 3, "text", 4, WEBSOCKET_EX_TEXT);
    check_message(c, 4, "bin", 3, WEBSOCKET_EX_BINARY);
    check_message(c, 5, after, strlen(after), WEBSOCKET_EX_TEXT);
    CHECK_QUIET(c, 200);
    CHECK_EQ(rec_count(c, EV_MESSAGE), 6);
    CHECK_EQ(WebSocketEx_GetBufferedAmount(c), 0);

    CLOSE_WAIT(c, 1000, "done");
    /* In the default mode, after the end: 1017 again. */
    CHECK_EQ(OH_WebSocketClient_Send(c, first, 5), WEBSOCKET_NO_CONNECTION);
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* The send-queue limit counts the queued bytes: 1013 beyond it, nothing queued; the size
 * limit still comes first. Exactly the accepted messages arrive. */
static void test_queue_limit(void)
{
    static char six[] = "666666", five[] = "55555", four[] = "4444", one[] = "1";
    struct WebSocket *c = typed_client();

    CHECK_EQ(WebSocketEx_SetSendQueueLimit(c, 10), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Send(c, six, 6), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Send(c, five, 5), WEBSOCKET_QUEUE_LENGTH_EXCEEDED);
    CHECK_EQ(OH_WebSocketClient_Send(c, four, 4), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SendBinary(c, one, 1), WEBSOCKET_QUEUE_LENGTH_EXCEEDED);
    CHECK_EQ(WebSocketEx_SendText(c, one, 1), WEBSOCKET_QUEUE_LENGTH_EXCEEDED);
    CHECK_EQ(WebSocketEx_GetBufferedAmount(c), 10);
    CHECK_EQ(WebSocketEx_SetMaxSendSize(c, 3), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Send(c, four, 4), WEBSOCKET_DATA_LENGTH_EXCEEDED);
    CHECK_EQ(WebSocketEx_SetMaxSendSize(c, 0), WEBSOCKET_OK);

    CONNECT_OPEN(c, echo_url("/"));
    WAIT_FOR(c, EV_MESSAGE, 2, 5000);
    check_message(c, 0, six, 6, WEBSOCKET_EX_TEXT);
    check_message(c, 1, four, 4, WEBSOCKET_EX_TEXT);
    CHECK_QUIET(c, 200);
    CHECK_EQ(rec_count(c, EV_MESSAGE), 2);
    CLOSE_WAIT(c, 1000, "done");
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* Destroy without Connect frees the queued copies (under valgrind a leak fails the run) and
 * returns 1018; with a Connect that started an attempt, 0. */
static void test_destroy_frees_queued(void)
{
    const size_t size = 1024 * 1024;
    char *big = (char *)malloc(size);
    struct WebSocket *c;
    int i;

    CHECK(big != NULL);
    memset(big, 'q', size);
    c = rec_client();
    for (i = 0; i < 3; i++) CHECK_EQ(WebSocketEx_SendBinary(c, big, size), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Send(c, big, 100), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_GetBufferedAmount(c), 3 * size + 100);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_NO_CONNECTION_CONTEXT);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_CLIENT_NOT_CREATED);

    /* Handed to an attempt that fails (a refused port): they go with it. */
    c = rec_client();
    CHECK_EQ(OH_WebSocketClient_Send(c, big, size), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Connect(c, "ws://127.0.0.1:1/", no_headers()), WEBSOCKET_OK);
    WAIT_FOR(c, EV_ERROR, 1, 5000);
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
    free(big);
}

int main(void)
{
    test_init();
    test_sent_after_open();
    test_queue_limit();
    test_destroy_frees_queued();
    rec_reset();
    return 0;
}
