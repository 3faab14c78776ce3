/*
 * test_compat.c — the return values of NET_WEBSOCKET_COMPAT=openharmony (README, "Return
 * values under NET_WEBSOCKET_COMPAT=openharmony"; SPEC §10) beyond what the conformance
 * suites check (test_xts), next to the default mode's. scripts/c-tests.sh runs it twice: with
 * the switch every EXPECT_MODES call checks the reference's value, without it ours; KEPT marks
 * the cases where both modes keep our value because the reference's comes from a defect of it.
 * Needs WS_ECHO_URL (scripts/c-tests.sh starts the echo server).
 */
#include "common.h"

#include <network/netstack/net_websocket_ext.h>

#include <string.h>

static int compat;

/* actual must be `reference` under the switch and `ours` without it. */
#define EXPECT_MODES(actual, reference, ours)                                             \
    do {                                                                                  \
        int expected_ = compat ? (reference) : (ours);                                    \
        int actual_ = (actual);                                                           \
        if (actual_ != expected_)                                                         \
            test_fail(__FILE__, __LINE__, "%s is %d, expected %d (%s)", #actual, actual_,  \
                      expected_, compat ? "the reference's value" : "the default mode's"); \
    } while (0)

/* The same value in both modes: ours, kept under the switch. */
#define KEPT(actual, ours) CHECK_EQ((actual), (ours))

/* Constructor: the reference returns NULL while 100 clients are live; we have no limit. */
static void test_client_limit(void)
{
    struct WebSocket *clients[101];
    int i;
    for (i = 0; i < 100; i++) {
        clients[i] = OH_WebSocketClient_Constructor(NULL, NULL, NULL, NULL);
        CHECK_MSG(clients[i] != NULL, "client %d of 100 was refused", i + 1);
    }
    clients[100] = OH_WebSocketClient_Constructor(NULL, NULL, NULL, NULL);
    EXPECT_MODES(clients[100] == NULL, 1, 0);
    for (i = 0; i < 101; i++)
        if (clients[i] != NULL)
            CHECK_EQ(OH_WebSocketClient_Destroy(clients[i]), WEBSOCKET_NO_CONNECTION_CONTEXT);
    /* One destroyed, one more allowed. */
    clients[0] = OH_WebSocketClient_Constructor(NULL, NULL, NULL, NULL);
    CHECK(clients[0] != NULL);
    CHECK_EQ(OH_WebSocketClient_Destroy(clients[0]), WEBSOCKET_NO_CONNECTION_CONTEXT);
}

/* AddHeader on a struct WebSocket of the caller's: under the switch a node is appended to
 * its list (copies of the strings, one block per node, freed with free()); without it 1002
 * and the struct untouched. */
static void test_add_header_to_callers_struct(void)
{
    struct WebSocket own, before;
    struct WebSocket_Header first = header("X-First", "caller's own node");
    char name[] = "X-Added", value[] = "by the library";
    struct WebSocket_Header *added;

    memset(&own, 0, sizeof own);
    own.requestOptions.headers = &first;
    before = own;
    EXPECT_MODES(OH_WebSocketClient_AddHeader(&own, header(name, value)),
                 WEBSOCKET_OK, WEBSOCKET_CLIENT_NOT_CREATED);
    EXPECT_MODES(OH_WebSocketClient_AddHeader(&own, header(NULL, "no name")),
                 WEBSOCKET_OK, WEBSOCKET_CLIENT_NOT_CREATED);
    CHECK(memcmp(&own, &before, sizeof own) == 0); /* the list's head stays the caller's */
    if (!compat) {
        CHECK(first.next == NULL);
        return;
    }
    added = first.next;
    CHECK(added != NULL && added->next != NULL && added->next->next == NULL);
    CHECK(added->fieldName != name && strcmp(added->fieldName, "X-Added") == 0);
    CHECK(added->fieldValue != value && strcmp(added->fieldValue, "by the library") == 0);
    CHECK(added->next->fieldName == NULL);
    CHECK(strcmp(added->next->fieldValue, "no name") == 0);
    free(added->next);
    free(added);

    /* An empty list: the node becomes its head. */
    memset(&own, 0, sizeof own);
    CHECK_EQ(OH_WebSocketClient_AddHeader(&own, header("X-Only", "1")), WEBSOCKET_OK);
    CHECK(own.requestOptions.headers != NULL);
    CHECK(strcmp(own.requestOptions.headers->fieldName, "X-Only") == 0);
    free(own.requestOptions.headers);
    /* The other functions still refuse the caller's struct. */
    CHECK_EQ(OH_WebSocketClient_Connect(&own, echo_url("/"), no_headers()),
             WEBSOCKET_CLIENT_NOT_CREATED);
    CHECK_EQ(OH_WebSocketClient_Destroy(&own), WEBSOCKET_CLIENT_NOT_CREATED);
}

/* AddHeader on our own client: header injection stays impossible (the reference accepts any
 * pointers and returns 0). */
static void test_add_header_checks_kept(void)
{
    struct WebSocket *c = rec_client();
    KEPT(OH_WebSocketClient_AddHeader(c, header(NULL, "v")), WEBSOCKET_NO_HEADER_CONTEXT);
    KEPT(OH_WebSocketClient_AddHeader(c, header("X", "a\r\nX-Injected: 1")),
         WEBSOCKET_NO_HEADER_CONTEXT);
    CHECK(c->requestOptions.headers == NULL);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_NO_CONNECTION_CONTEXT);
}

/* Connect with a URL we cannot use: the reference's 1006 (its libwebsockets call fails at
 * once), ours 1005; NULL stays 1005 (the reference crashes). Under the switch the headers
 * are checked first, as the reference does. */
static void test_connect_urls(void)
{
    static const char *const unusable[] = {
        "", "ws://", "ftp://127.0.0.1/", "ws://[::1/", "ws://127.0.0.1:99999/",
    };
    struct WebSocket *c = rec_client();
    struct WebSocket_Header *nodes = (struct WebSocket_Header *)calloc(8193, sizeof *nodes);
    char *long_url = (char *)malloc(8300);
    struct WebSocket_RequestOptions many;
    size_t i;

    CHECK(nodes != NULL && long_url != NULL);
    for (i = 0; i < sizeof unusable / sizeof unusable[0]; i++)
        EXPECT_MODES(OH_WebSocketClient_Connect(c, unusable[i], no_headers()),
                     WEBSOCKET_CONNECTION_NO_MEMORY, WEBSOCKET_CONNECTION_PARSE_URL_ERROR);
    strcpy(long_url, "ws://127.0.0.1/");
    memset(long_url + 15, 'a', 8200);
    long_url[15 + 8200] = '\0';
    EXPECT_MODES(OH_WebSocketClient_Connect(c, long_url, no_headers()),
                 WEBSOCKET_CONNECTION_NO_MEMORY, WEBSOCKET_CONNECTION_PARSE_URL_ERROR);
    KEPT(OH_WebSocketClient_Connect(c, NULL, no_headers()),
         WEBSOCKET_CONNECTION_PARSE_URL_ERROR);

    /* 8193 headers and an unusable URL: which one is reported. */
    for (i = 0; i < 8193; i++) {
        nodes[i].fieldName = "X";
        nodes[i].fieldValue = "1";
        nodes[i].next = i + 1 < 8193 ? &nodes[i + 1] : NULL;
    }
    many.headers = nodes;
    EXPECT_MODES(OH_WebSocketClient_Connect(c, "", many), WEBSOCKET_HEADER_EXCEEDED,
                 WEBSOCKET_CONNECTION_PARSE_URL_ERROR);

    CHECK_QUIET(c, 200);
    CHECK_EQ(rec_count(c, EV_ANY), 0);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_NO_CONNECTION_CONTEXT);
    free(long_url);
    free(nodes);
}

/* Connect while connecting or open: 1003 and the connection untouched (the reference returns
 * 0 and starts a second connection beside the first). */
static void test_connect_twice_kept(void)
{
    struct WebSocket *c = rec_client();
    CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url("/"), no_headers()), WEBSOCKET_OK);
    KEPT(OH_WebSocketClient_Connect(c, echo_url("/"), no_headers()), WEBSOCKET_CONNECTION_ERROR);
    WAIT_FOR(c, EV_OPEN | EV_ERROR, 1, 5000);
    CHECK_EQ(rec_count(c, EV_OPEN), 1);
    KEPT(OH_WebSocketClient_Connect(c, echo_url("/"), no_headers()), WEBSOCKET_CONNECTION_ERROR);
    CHECK_ECHO(c, "one connection");
    CLOSE_WAIT(c, 1000, "bye");
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* Close while connecting (a server that never answers the handshake): the attempt is
 * cancelled in both modes (onClose 1006 follows); the reference answers 1017, since no
 * connection ever opened. Destroy then gives 0 in both modes (the suites' expectation). */
static void test_close_while_connecting(void)
{
    struct WebSocket *c = rec_client();
    const rec_event *ev;
    CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url("/silent"), no_headers()), WEBSOCKET_OK);
    EXPECT_MODES(OH_WebSocketClient_Close(c, close_option(1000, "cancel")),
                 WEBSOCKET_NO_CONNECTION, WEBSOCKET_OK);
    WAIT_FOR(c, EV_CLOSE, 1, 5000);
    ev = rec_nth(c, EV_CLOSE, 0);
    CHECK_EQ(ev->code, 1006);
    CHECK_EQ(rec_count(c, EV_OPEN | EV_ERROR), 0);
    KEPT(OH_WebSocketClient_Close(c, close_option(1000, "again")), WEBSOCKET_NO_CONNECTION);
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* Once a connection opened, the reference accepts every Close: again while closing, and
 * after the end (nothing happens then). An invalid code on an open connection stays 1003. */
static void test_close_after_open(void)
{
    struct WebSocket *c = rec_client();
    CONNECT_OPEN(c, echo_url("/"));
    KEPT(OH_WebSocketClient_Close(c, close_option(999, "invalid code")),
         WEBSOCKET_CONNECTION_ERROR);
    CHECK_ECHO(c, "still open");
    CHECK_EQ(OH_WebSocketClient_Close(c, close_option(1000, "bye")), WEBSOCKET_OK);
    EXPECT_MODES(OH_WebSocketClient_Close(c, close_option(1000, "twice")), WEBSOCKET_OK,
                 WEBSOCKET_NO_CONNECTION);
    WAIT_FOR(c, EV_CLOSE, 1, 10000);
    CHECK_EQ(rec_nth(c, EV_CLOSE, 0)->code, 1000);
    EXPECT_MODES(OH_WebSocketClient_Close(c, close_option(1000, "after the end")),
                 WEBSOCKET_OK, WEBSOCKET_NO_CONNECTION);
    CHECK_QUIET(c, 200);
    CHECK_EQ(rec_count(c, EV_CLOSE), 1);
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* Send after Close or after the end: the reference keeps the message in the client's queue
 * for its next connection (0); ours refuses it (1017). */
static void test_send_after_end(void)
{
    static char closing[] = "sent while closing", ended[] = "sent after the end";
    struct WebSocket *c = rec_client();
    CONNECT_OPEN(c, echo_url("/"));
    CHECK_EQ(OH_WebSocketClient_Close(c, close_option(1000, "bye")), WEBSOCKET_OK);
    EXPECT_MODES(OH_WebSocketClient_Send(c, closing, strlen(closing)), WEBSOCKET_OK,
                 WEBSOCKET_NO_CONNECTION);
    WAIT_FOR(c, EV_CLOSE, 1, 10000);
    EXPECT_MODES(OH_WebSocketClient_Send(c, ended, strlen(ended)), WEBSOCKET_OK,
                 WEBSOCKET_NO_CONNECTION);
    /* The extension's send functions keep our rule in both modes. */
    KEPT(WebSocketEx_SendText(c, "x", 1), WEBSOCKET_NO_CONNECTION);
    EXPECT_MODES((int)WebSocketEx_GetBufferedAmount(c),
                 (int)(strlen(closing) + strlen(ended)), 0);

    /* The next connection sends what waited, in order, after it opened. */
    rec_forget(c);
    CONNECT_OPEN(c, echo_url("/"));
    if (compat) {
        WAIT_FOR(c, EV_MESSAGE, 2, 5000);
        CHECK(strcmp(rec_nth(c, EV_MESSAGE, 0)->text, closing) == 0);
        CHECK(strcmp(rec_nth(c, EV_MESSAGE, 1)->text, ended) == 0);
    }
    CHECK_ECHO(c, "after the waiting ones");
    CHECK_EQ(rec_count(c, EV_MESSAGE), compat ? 3 : 1);
    CLOSE_WAIT(c, 1000, "bye");
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* An attempt that failed (a refused port) never opened: Close is 1017 in both modes; Send is
 * 1017 in ours and queued for the next connection in the reference's. */
static void test_failed_attempt(void)
{
    static char text[] = "after a failed attempt";
    struct WebSocket *c = rec_client();
    CONNECT_FAIL(c, "ws://127.0.0.1:1/", WEBSOCKET_CONNECTION_ERROR);
    KEPT(OH_WebSocketClient_Close(c, close_option(1000, "bye")), WEBSOCKET_NO_CONNECTION);
    EXPECT_MODES(OH_WebSocketClient_Send(c, text, strlen(text)), WEBSOCKET_OK,
                 WEBSOCKET_NO_CONNECTION);
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* Limits the reference does not have: the send queue (its queue is unbounded). The size
 * limit is the reference's own (4 MiB). */
static void test_limits_kept(void)
{
    const size_t over = 4 * 1024 * 1024 + 1;
    char *big = (char *)malloc(over);
    struct WebSocket *c = rec_client();
    CHECK(big != NULL);
    memset(big, 'b', over);
    KEPT(OH_WebSocketClient_Send(c, big, over), WEBSOCKET_DATA_LENGTH_EXCEEDED);
    CHECK_EQ(WebSocketEx_SetSendQueueLimit(c, 4), WEBSOCKET_OK);
    KEPT(OH_WebSocketClient_Send(c, big, 5), WEBSOCKET_QUEUE_LENGTH_EXCEEDED);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_NO_CONNECTION_CONTEXT);
    free(big);
}

int main(void)
{
    const char *mode = getenv("NET_WEBSOCKET_COMPAT");
    test_init();
    compat = mode != NULL && strcmp(mode, "openharmony") == 0;
    printf("test_compat: %s mode\n", compat ? "NET_WEBSOCKET_COMPAT=openharmony" : "default");
    test_client_limit(); /* first: no other client is live */
    test_add_header_to_callers_struct();
    test_add_header_checks_kept();
    test_connect_urls();
    test_connect_twice_kept();
    test_close_while_connecting();
    test_close_after_open();
    test_send_after_end();
    test_failed_attempt();
    test_limits_kept();
    rec_reset();
    return 0;
}
