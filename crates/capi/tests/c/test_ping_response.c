/*
 * test_ping_response.c — the handshake response callback, pings and pongs
 * (net_websocket_ext.h: WebSocketEx_SetHandshakeResponseCallback, WebSocketEx_SendPing,
 * WebSocketEx_SetPongCallback), and every new lifecycle function with bad handles: the 101
 * with its fields before onOpen, a 404 before onError; a ping's payload comes back exactly in
 * the pong callback (NUL-terminated, empty and 125 bytes too), in order with the messages;
 * 126 bytes give 1012, a ping before Connect 1017; an unsolicited pong (/pong) reaches the
 * callback; removing a callback stops it. NULL → 1001, a caller-allocated struct or a
 * destroyed client → 1002 (GetSubprotocol → NULL).
 */
#include "common.h"

#include <network/netstack/net_websocket_ext.h>

static void test_handshake_response_before_open(void)
{
    static const char in_order[] =
        "Upgrade: websocket\nConnection: Upgrade\nSec-WebSocket-Accept: ";
    struct WebSocket *c = rec_client();
    const rec_event *ev;
    char accept[128];
    CHECK_EQ(WebSocketEx_SetHandshakeResponseCallback(c, rec_on_handshake_response),
             WEBSOCKET_OK);
    CONNECT_OPEN(c, echo_url("/"));
    CHECK_EQ(rec_count(c, EV_ANY), 2);
    ev = rec_nth(c, EV_ANY, 0);
    CHECK_EQ(ev->type, EV_HANDSHAKE);
    CHECK_EQ(ev->code, 101);
    CHECK_MSG(strcmp(ev->text, "Switching Protocols") == 0, "reason \"%s\"", ev->text);
    CHECK_MSG(count_fields(ev->headers, "Upgrade", "websocket") == 1, "headers:\n%s",
              ev->headers);
    CHECK_MSG(count_fields(ev->headers, "Connection", "Upgrade") == 1, "headers:\n%s",
              ev->headers);
    field_value(ev->headers, "Sec-WebSocket-Accept", accept, sizeof accept);
    CHECK_MSG(strlen(accept) == 28, "Sec-WebSocket-Accept \"%s\" in\n%s", accept, ev->headers);
    /* In the order received: the echo server sends Upgrade, Connection, then the accept. */
    CHECK_MSG(strncmp(ev->headers, in_order, strlen(in_order)) == 0,
              "headers not in the order sent:\n%s", ev->headers);
    CHECK_EQ(rec_nth(c, EV_ANY, 1)->type, EV_OPEN);
    CLOSE_WAIT(c, 1000, "done");
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_handshake_response_before_error(void)
{
    struct WebSocket *c = rec_client();
    const rec_event *ev;
    CHECK_EQ(WebSocketEx_SetHandshakeResponseCallback(c, rec_on_handshake_response),
             WEBSOCKET_OK);
    /* (test_callbacks.c checks the onError itself.) */
    CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url("/status/404"), no_headers()), WEBSOCKET_OK);
    WAIT_FOR(c, EV_ERROR, 1, 5000);
    CHECK_QUIET(c, 200);
    CHECK_EQ(rec_count(c, EV_ANY), 2);
    ev = rec_nth(c, EV_ANY, 0);
    CHECK_EQ(ev->type, EV_HANDSHAKE);
    CHECK_EQ(ev->code, 404);
    CHECK_MSG(strcmp(ev->text, "Not Found") == 0, "reason \"%s\"", ev->text);
    CHECK_MSG(count_fields(ev->headers, "Content-Length", "0") == 1, "headers:\n%s",
              ev->headers);
    CHECK_EQ(rec_nth(c, EV_ANY, 1)->type, EV_ERROR);
    /* Removed: the next attempt reports nothing through it. */
    CHECK_EQ(WebSocketEx_SetHandshakeResponseCallback(c, NULL), WEBSOCKET_OK);
    rec_forget(c);
    CONNECT_OPEN(c, echo_url("/"));
    CHECK_EQ(rec_count(c, EV_HANDSHAKE), 0);
    CLOSE_WAIT(c, 1000, "done");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* SendPing(payload) → exactly that payload in the next pong. */
static void check_ping(struct WebSocket *c, const char *payload, size_t length)
{
    size_t before = rec_count(c, EV_PONG);
    const rec_event *ev;
    CHECK_EQ(WebSocketEx_SendPing(c, payload, length), WEBSOCKET_OK);
    WAIT_FOR(c, EV_PONG, before + 1, 5000);
    ev = rec_nth(c, EV_PONG, before);
    CHECK_EQ(ev->length, length);
    CHECK_MSG(length == 0 || memcmp(ev->text, payload, length) == 0, "pong \"%s\" for \"%.*s\"",
              ev->text, (int)length, payload);
    CHECK_MSG(ev->terminated, "pong data[length] was not 0");
}

static void test_ping_pong(void)
{
    int marker = 0;
    char payload[126];
    struct WebSocket *c = rec_client();
    char first[] = "first";
    const rec_event *ev;
    memset(payload, 'p', sizeof payload);
    CHECK_EQ(WebSocketEx_SendPing(c, "early", 5), WEBSOCKET_NO_CONNECTION);
    CHECK_EQ(WebSocketEx_SetUserData(c, &marker), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetPongCallback(c, rec_on_pong), WEBSOCKET_OK);
    CONNECT_OPEN(c, echo_url("/"));
    check_ping(c, "rtt-1", 5);
    CHECK(rec_nth(c, EV_PONG, 0)->user_data == &marker);
    check_ping(c, "", 0);
    check_ping(c, payload, 125);
    CHECK_EQ(WebSocketEx_SendPing(c, payload, 126), WEBSOCKET_DATA_LENGTH_EXCEEDED);
    CHECK_EQ(WebSocketEx_SendPing(c, NULL, 5), WEBSOCKET_SEND_DATA_NULL);

    /* In order with the messages: the echo of "first" comes before the pong. */
    rec_forget(c);
    CHECK_EQ(OH_WebSocketClient_Send(c, first, strlen(first)), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SendPing(c, "second", 6), WEBSOCKET_OK);
    WAIT_FOR(c, EV_PONG, 1, 5000);
    WAIT_FOR(c, EV_MESSAGE, 1, 5000);
    CHECK_EQ(rec_nth(c, EV_ANY, 0)->type, EV_MESSAGE);
    ev = rec_nth(c, EV_ANY, 1);
    CHECK_EQ(ev->type, EV_PONG);
    CHECK_MSG(strcmp(ev->text, "second") == 0, "pong \"%s\"", ev->text);

    /* Removed: a pong still arrives (the echo after it shows it did) but is not reported. */
    CHECK_EQ(WebSocketEx_SetPongCallback(c, NULL), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SendPing(c, "unseen", 6), WEBSOCKET_OK);
    CHECK_ECHO(c, "after the unseen pong");
    CHECK_EQ(rec_count(c, EV_PONG), 1);
    CLOSE_WAIT(c, 1000, "done");
    CHECK_EQ(WebSocketEx_SendPing(c, "late", 4), WEBSOCKET_NO_CONNECTION);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_unsolicited_pong(void)
{
    struct WebSocket *c = rec_client();
    const rec_event *ev;
    CHECK_EQ(WebSocketEx_SetPongCallback(c, rec_on_pong), WEBSOCKET_OK);
    CONNECT_OPEN(c, echo_url("/pong"));
    WAIT_FOR(c, EV_PONG, 1, 5000);
    ev = rec_nth(c, EV_PONG, 0);
    CHECK_EQ(ev->length, 11);
    CHECK_MSG(strcmp(ev->text, "unsolicited") == 0, "pong \"%s\"", ev->text);
    CHECK(ev->terminated);
    CHECK_ECHO(c, "after the pong");
    CHECK_EQ(rec_count(c, EV_PONG), 1);
    CLOSE_WAIT(c, 1000, "done");
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* Every lifecycle function on a bad handle: expected, without touching it. */
static void check_bad_handle(struct WebSocket *client, int expected, const char *what)
{
#define CHECK_SETTER(call)                                                                \
    do {                                                                                  \
        int rc_ = (call);                                                                 \
        CHECK_MSG(rc_ == expected, "%s on %s returned %d, expected %d", #call, what, rc_,  \
                  expected);                                                              \
        CHECK_MSG(strlen(WebSocketEx_GetLastErrorMessage()) > 0,                          \
                  "%s on %s failed without a message", #call, what);                      \
    } while (0)
    CHECK_SETTER(WebSocketEx_SetConnectTimeout(client, 1000));
    CHECK_SETTER(WebSocketEx_SetCloseTimeout(client, 1000));
    CHECK_SETTER(WebSocketEx_SetKeepalive(client, 1000, 0));
    CHECK_SETTER(WebSocketEx_SetReconnect(client, 1, 10, 20, 0));
    CHECK_SETTER(WebSocketEx_SetReconnectCallback(client, rec_on_reconnect));
    CHECK_SETTER(WebSocketEx_SetFollowRedirects(client, 0));
    CHECK_SETTER(WebSocketEx_SetSubprotocols(client, "chat"));
    CHECK_SETTER(WebSocketEx_SetHandshakeResponseCallback(client, rec_on_handshake_response));
    CHECK_SETTER(WebSocketEx_SetPongCallback(client, rec_on_pong));
#undef CHECK_SETTER
    CHECK_MSG(WebSocketEx_SendPing(client, "x", 1) == expected, "SendPing on %s", what);
    CHECK_MSG(WebSocketEx_GetSubprotocol(client) == NULL, "GetSubprotocol on %s", what);
}

static void test_bad_handles(void)
{
    struct WebSocket fake, before, *dead = rec_client();
    memset(&fake, 0, sizeof fake);
    before = fake;
    check_bad_handle(NULL, WEBSOCKET_CLIENT_NULL, "NULL");
    check_bad_handle(&fake, WEBSOCKET_CLIENT_NOT_CREATED, "a caller-allocated struct");
    CHECK_MSG(memcmp(&fake, &before, sizeof fake) == 0,
              "a lifecycle function wrote into a struct WebSocket it did not create");
    CHECK_EQ(OH_WebSocketClient_Destroy(dead), WEBSOCKET_NO_CONNECTION_CONTEXT);
    check_bad_handle(dead, WEBSOCKET_CLIENT_NOT_CREATED, "a destroyed client");
}

int main(void)
{
    test_init();
    test_handshake_response_before_open();
    test_handshake_response_before_error();
    test_ping_pong();
    test_unsolicited_pong();
    test_bad_handles();
    printf("test_ping_response: all passed\n");
    return 0;
}
