/*
 * test_ext.c — every function of net_websocket_ext.h (SPEC §8): bad handles, user data, the
 * typed message callback, SendText's UTF-8 check (1009), SendBinary, the size and queue limits,
 * the buffered amount, and permessage-deflate negotiated and round-tripping through the echo
 * server. Needs WS_ECHO_URL (scripts/c-tests.sh starts the echo server).
 */
#include "common.h"

#include <network/netstack/net_websocket_ext.h>

#include <string.h>

static char text_x[] = "x";

/* Every handle-taking extension function on client returns expected (GetUserData: NULL,
 * GetBufferedAmount: 0). */
static void check_all_ext_functions(struct WebSocket *client, int expected, const char *what)
{
    int marker = 0;
    CHECK_MSG(WebSocketEx_SetUserData(client, &marker) == expected,
              "SetUserData(%s) did not return %d", what, expected);
    CHECK_MSG(WebSocketEx_GetUserData(client) == NULL, "GetUserData(%s) was not NULL", what);
    CHECK_MSG(WebSocketEx_SetMessageCallback(client, NULL) == expected,
              "SetMessageCallback(%s) did not return %d", what, expected);
    CHECK_MSG(WebSocketEx_SendText(client, text_x, 1) == expected,
              "SendText(%s) did not return %d", what, expected);
    CHECK_MSG(WebSocketEx_SendBinary(client, text_x, 1) == expected,
              "SendBinary(%s) did not return %d", what, expected);
    CHECK_MSG(WebSocketEx_SetCompression(client, 1) == expected,
              "SetCompression(%s) did not return %d", what, expected);
    CHECK_MSG(WebSocketEx_SetMaxSendSize(client, 10) == expected,
              "SetMaxSendSize(%s) did not return %d", what, expected);
    CHECK_MSG(WebSocketEx_SetMaxReceiveSize(client, 10) == expected,
              "SetMaxReceiveSize(%s) did not return %d", what, expected);
    CHECK_MSG(WebSocketEx_SetSendQueueLimit(client, 10) == expected,
              "SetSendQueueLimit(%s) did not return %d", what, expected);
    CHECK_MSG(WebSocketEx_GetBufferedAmount(client) == 0,
              "GetBufferedAmount(%s) was not 0", what);
}

static void test_bad_handles(void)
{
    struct WebSocket fake, before, *dead;
    int stack_int = 7;

    check_all_ext_functions(NULL, WEBSOCKET_CLIENT_NULL, "NULL");

    memset(&fake, 0, sizeof fake);
    before = fake;
    check_all_ext_functions(&fake, WEBSOCKET_CLIENT_NOT_CREATED, "a caller-allocated struct");
    CHECK_MSG(memcmp(&fake, &before, sizeof fake) == 0,
              "an extension function wrote into a struct WebSocket it did not create");
    check_all_ext_functions((struct WebSocket *)(void *)&stack_int,
                            WEBSOCKET_CLIENT_NOT_CREATED, "a pointer to a stack int");
    CHECK_EQ(stack_int, 7);
    check_all_ext_functions((struct WebSocket *)(uintptr_t)16, WEBSOCKET_CLIENT_NOT_CREATED,
                            "the unmapped address 16");

    dead = rec_client();
    CHECK_EQ(OH_WebSocketClient_Destroy(dead), WEBSOCKET_NO_CONNECTION_CONTEXT);
    check_all_ext_functions(dead, WEBSOCKET_CLIENT_NOT_CREATED, "a destroyed client");
}

/* Arguments checked before the connection state: NULL data, invalid UTF-8, size limit. */
static void test_argument_errors(void)
{
    static const struct {
        const char *bytes;
        size_t length;
        const char *what;
    } invalid[] = {
        {"\xff", 1, "the byte ff"},
        {"a\xc3", 2, "a truncated 2-byte sequence"},
        {"\xc0\x80", 2, "an overlong NUL"},
        {"\xed\xa0\x80", 3, "a UTF-16 surrogate"},
        {"\xf4\x90\x80\x80", 4, "a code point above U+10FFFF"},
        {"\x80" "abc", 4, "a lone continuation byte"},
    };
    char big[64];
    struct WebSocket *c = rec_client();
    size_t i;

    memset(big, 'b', sizeof big);
    CHECK_EQ(WebSocketEx_SendText(c, NULL, 1), WEBSOCKET_SEND_DATA_NULL);
    CHECK_EQ(WebSocketEx_SendBinary(c, NULL, 1), WEBSOCKET_SEND_DATA_NULL);
    for (i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
        CHECK_MSG(WebSocketEx_SendText(c, invalid[i].bytes, invalid[i].length) ==
                      WEBSOCKET_PROTOCOL_ERROR,
                  "SendText of %s did not return 1009", invalid[i].what);
    CHECK_EQ(WebSocketEx_GetBufferedAmount(c), 0);
    /* Valid data on a client that never connected: queued for its first connection. */
    CHECK_EQ(WebSocketEx_SendText(c, text_x, 1), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SendBinary(c, text_x, 1), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_GetBufferedAmount(c), 2);

    CHECK_EQ(WebSocketEx_SetMaxSendSize(c, 32), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SendText(c, big, 33), WEBSOCKET_DATA_LENGTH_EXCEEDED);
    CHECK_EQ(WebSocketEx_SendBinary(c, big, 33), WEBSOCKET_DATA_LENGTH_EXCEEDED);
    CHECK_EQ(OH_WebSocketClient_Send(c, big, 33), WEBSOCKET_DATA_LENGTH_EXCEEDED);
    CHECK_EQ(WebSocketEx_SendText(c, big, 32), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetMaxSendSize(c, 0), WEBSOCKET_OK); /* back to 4 MiB */
    CHECK_EQ(WebSocketEx_SendBinary(c, big, 33), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_GetBufferedAmount(c), 2 + 32 + 33);
    /* Refused ones queued nothing. */
    CHECK_EQ(WebSocketEx_SendText(c, "\xff", 1), WEBSOCKET_PROTOCOL_ERROR);
    CHECK_EQ(WebSocketEx_GetBufferedAmount(c), 2 + 32 + 33);
    /* Destroy frees them unsent; no Connect started anything. */
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_NO_CONNECTION_CONTEXT);
}

/* ---- typed messages and user data ---- */

#define MAX_TYPED 8
static struct typed {
    WebSocketEx_MessageType type;
    size_t length;
    char head[32];
    int terminated;
    void *user_data;
} typed[MAX_TYPED];
static size_t typed_seen;
static pthread_mutex_t typed_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_typed(struct WebSocket *client, const char *data, size_t length,
                     WebSocketEx_MessageType type, void *user_data)
{
    (void)client;
    pthread_mutex_lock(&typed_lock);
    if (typed_seen < MAX_TYPED) {
        struct typed *t = &typed[typed_seen];
        size_t n = length < sizeof t->head - 1 ? length : sizeof t->head - 1;
        t->type = type;
        t->length = length;
        memcpy(t->head, data, n);
        t->head[n] = '\0';
        t->terminated = data[length] == '\0';
        t->user_data = user_data;
    }
    typed_seen++;
    pthread_mutex_unlock(&typed_lock);
}

static size_t typed_count(void)
{
    size_t n;
    pthread_mutex_lock(&typed_lock);
    n = typed_seen;
    pthread_mutex_unlock(&typed_lock);
    return n;
}

static void typed_reset(void)
{
    pthread_mutex_lock(&typed_lock);
    typed_seen = 0;
    memset(typed, 0, sizeof typed);
    pthread_mutex_unlock(&typed_lock);
}

static void wait_typed(size_t n)
{
    long long deadline = now_ms() + scaled_ms(10000);
    while (typed_count() < n && now_ms() < deadline) sleep_ms(2);
    CHECK_MSG(typed_count() >= n, "%zu typed message(s) arrived, expected %zu", typed_count(), n);
}

static void test_typed_messages(void)
{
    static char owner[] = "owner";
    char nul_text[] = {'a', '\0', 'b'};
    char ascii_binary[] = "looks like text";
    char invalid[] = "\xff";
    struct WebSocket *c = rec_client();

    typed_reset();
    CHECK(WebSocketEx_GetUserData(c) == NULL);
    CHECK_EQ(WebSocketEx_SetUserData(c, owner), WEBSOCKET_OK);
    CHECK(WebSocketEx_GetUserData(c) == owner);
    CHECK_EQ(WebSocketEx_SetMessageCallback(c, on_typed), WEBSOCKET_OK);
    CONNECT_OPEN(c, echo_url("/typed"));

    /* SendText with a NUL is still text (valid UTF-8); SendBinary keeps text-like bytes
     * binary; invalid UTF-8 is refused and nothing goes out. */
    CHECK_EQ(WebSocketEx_SendText(c, nul_text, sizeof nul_text), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SendText(c, invalid, 1), WEBSOCKET_PROTOCOL_ERROR);
    CHECK_EQ(WebSocketEx_SendBinary(c, ascii_binary, strlen(ascii_binary)), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SendBinary(c, invalid, 1), WEBSOCKET_OK);
    wait_typed(3);
    CHECK_EQ(typed[0].type, WEBSOCKET_EX_TEXT);
    CHECK_EQ(typed[0].length, sizeof nul_text);
    CHECK(memcmp(typed[0].head, nul_text, sizeof nul_text) == 0);
    CHECK_EQ(typed[1].type, WEBSOCKET_EX_BINARY);
    CHECK(strcmp(typed[1].head, ascii_binary) == 0);
    CHECK_EQ(typed[2].type, WEBSOCKET_EX_BINARY);
    CHECK_EQ(typed[2].length, 1);
    CHECK(typed[0].terminated && typed[1].terminated && typed[2].terminated);
    CHECK(typed[0].user_data == owner && typed[2].user_data == owner);
    CHECK_MSG(rec_count(c, EV_MESSAGE) == 0, "onMessage ran while the typed callback was set");

    /* Removing the typed callback restores onMessage. */
    CHECK_EQ(WebSocketEx_SetMessageCallback(c, NULL), WEBSOCKET_OK);
    CHECK_ECHO(c, "back to onMessage");
    CHECK_EQ(typed_count(), 3);
    CHECK_EQ(WebSocketEx_SetUserData(c, NULL), WEBSOCKET_OK);
    CHECK(WebSocketEx_GetUserData(c) == NULL);
    CLOSE_WAIT(c, 1000, "done");
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* ---- compression ---- */

/* Connects c to /extensions (the server first reports what it answered) and returns that. */
static void negotiated(struct WebSocket *c, char *out, size_t size)
{
    const rec_event *ev;
    rec_forget(c);
    CONNECT_OPEN(c, echo_url("/extensions"));
    WAIT_FOR(c, EV_MESSAGE, 1, 5000);
    ev = rec_nth(c, EV_MESSAGE, 0);
    snprintf(out, size, "%s", ev->text);
}

static void test_compression(void)
{
    enum { BIG = 256 * 1024 };
    char answered[256];
    char *big = malloc(BIG + 1);
    struct WebSocket *c = rec_client();
    const rec_event *ev;
    size_t i;

    CHECK(big != NULL);
    for (i = 0; i < BIG; i++) big[i] = "compressible "[i % 13];
    big[BIG] = '\0';

    negotiated(c, answered, sizeof answered);
    CHECK_MSG(strcmp(answered, "none") == 0, "compression is off by default, but got \"%s\"",
              answered);
    CLOSE_WAIT(c, 1000, "done");

    CHECK_EQ(WebSocketEx_SetCompression(c, 1), WEBSOCKET_OK);
    negotiated(c, answered, sizeof answered);
    CHECK_MSG(strncmp(answered, "permessage-deflate", 18) == 0,
              "SetCompression(1): the server answered \"%s\"", answered);
    /* Compressed both ways: a large text message and an empty one come back intact. */
    CHECK_EQ(WebSocketEx_SendText(c, big, BIG), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SendText(c, big, 0), WEBSOCKET_OK);
    WAIT_FOR(c, EV_MESSAGE, 3, 10000);
    ev = rec_nth(c, EV_MESSAGE, 1);
    CHECK(ev != NULL && ev->length == BIG && memcmp(ev->text, big, BIG) == 0);
    ev = rec_nth(c, EV_MESSAGE, 2);
    CHECK(ev != NULL && ev->length == 0);
    CLOSE_WAIT(c, 1000, "done");

    CHECK_EQ(WebSocketEx_SetCompression(c, 0), WEBSOCKET_OK);
    negotiated(c, answered, sizeof answered);
    CHECK_MSG(strcmp(answered, "none") == 0, "SetCompression(0): the server answered \"%s\"",
              answered);
    CLOSE_WAIT(c, 1000, "done");
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
    free(big);
}

/* A response whose extension the offer does not allow fails the handshake: one onError
 * naming it, no onOpen, no onClose (with and without an offer). */
static void test_bad_extension_response(void)
{
    struct WebSocket *c = rec_client();
    const rec_event *ev;
    int enable;

    for (enable = 0; enable <= 1; enable++) {
        rec_forget(c);
        CHECK_EQ(WebSocketEx_SetCompression(c, enable), WEBSOCKET_OK);
        CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url("/bad-extension"), no_headers()),
                 WEBSOCKET_OK);
        WAIT_FOR(c, EV_ERROR, 1, 5000);
        CHECK_QUIET(c, 300);
        CHECK_EQ(rec_count(c, EV_ANY), 1);
        ev = rec_nth(c, EV_ERROR, 0);
        CHECK_MSG(ev->code == WEBSOCKET_PROTOCOL_ERROR,
                  "compression %d: onError(%u, \"%s\"), expected 1009", enable,
                  (unsigned)ev->code, ev->text);
        CHECK_MSG(strstr(ev->text, "xtension") != NULL || strstr(ev->text, "deflate") != NULL,
                  "compression %d: onError message \"%s\" does not name the extension", enable,
                  ev->text);
        rec_check_sequence(c, 1);
    }
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* ---- limits ---- */

/* A message over the receive limit fails the connection: onError(1009), then onClose(1009). */
static void test_receive_limit(void)
{
    char msg[2000];
    struct WebSocket *c = rec_client();
    const rec_event *ev;

    memset(msg, 'r', sizeof msg);
    CHECK_EQ(WebSocketEx_SetMaxReceiveSize(c, 1000), WEBSOCKET_OK);
    CONNECT_OPEN(c, echo_url("/receive-limit"));
    CHECK_ECHO(c, "small enough");
    CHECK_EQ(OH_WebSocketClient_Send(c, msg, sizeof msg), WEBSOCKET_OK);
    WAIT_FOR(c, EV_CLOSE, 1, 10000);
    CHECK_EQ(rec_count(c, EV_MESSAGE), 1);
    ev = rec_nth(c, EV_ERROR, 0);
    CHECK_MSG(ev != NULL && ev->code == WEBSOCKET_PROTOCOL_ERROR,
              "an over-size message did not give onError(1009)");
    CHECK_EQ(rec_nth(c, EV_CLOSE, 0)->code, 1009);
    rec_check_sequence(c, 1);

    /* 0 restores the default (1 GiB): the same message now arrives. */
    CHECK_EQ(WebSocketEx_SetMaxReceiveSize(c, 0), WEBSOCKET_OK);
    rec_forget(c);
    CONNECT_OPEN(c, echo_url("/receive-limit"));
    CHECK_EQ(OH_WebSocketClient_Send(c, msg, sizeof msg), WEBSOCKET_OK);
    WAIT_FOR(c, EV_MESSAGE, 1, 5000);
    CHECK_EQ(rec_nth(c, EV_MESSAGE, 0)->length, sizeof msg);
    CLOSE_WAIT(c, 1000, "done");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* Messages wait in the queue while the handshake does not finish (/silent never answers):
 * GetBufferedAmount counts them, and the queue limit refuses more with 1013. */
static void test_queue_limit(void)
{
    char chunk[600];
    struct WebSocket *c = rec_client();

    memset(chunk, 'q', sizeof chunk);
    CHECK_EQ(WebSocketEx_SetSendQueueLimit(c, 1000), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_GetBufferedAmount(c), 0);
    CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url("/silent"), no_headers()), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SendBinary(c, chunk, sizeof chunk), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_GetBufferedAmount(c), sizeof chunk);
    CHECK_EQ(WebSocketEx_SendBinary(c, chunk, sizeof chunk), WEBSOCKET_QUEUE_LENGTH_EXCEEDED);
    CHECK_EQ(WebSocketEx_SendText(c, chunk, 400), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_GetBufferedAmount(c), 1000);
    CHECK_EQ(OH_WebSocketClient_Send(c, chunk, 1), WEBSOCKET_QUEUE_LENGTH_EXCEEDED);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

int main(void)
{
    test_init();
    test_bad_handles();
    test_argument_errors();
    test_typed_messages();
    test_compression();
    test_bad_extension_response();
    test_receive_limit();
    test_queue_limit();
    return 0;
}
