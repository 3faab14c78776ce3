/*
 * test_subprotocols.c — WebSocketEx_SetSubprotocols and WebSocketEx_GetSubprotocol
 * (net_websocket_ext.h), through the echo server's /subprotocol/first (accepts the first one
 * offered), /subprotocol/NAME (answers NAME whatever was offered) and /headers: the offer is
 * sent once, the server's choice is reported after onOpen, no choice is NULL, a choice that
 * was not offered fails the attempt with onError(1009), lists that are not tokens give 1003
 * and change nothing, the setter and a Sec-WebSocket-Protocol header together make Connect
 * return 1015, and NULL or "" stop offering.
 */
#include "common.h"

#include <network/netstack/net_websocket_ext.h>

/* Opens c on path, checks GetSubprotocol against expected (NULL: none), closes. */
static void check_chosen(struct WebSocket *c, const char *path, const char *expected)
{
    const char *chosen;
    rec_forget(c);
    CONNECT_OPEN(c, echo_url(path));
    chosen = WebSocketEx_GetSubprotocol(c);
    if (expected == NULL)
        CHECK_MSG(chosen == NULL, "%s: GetSubprotocol is \"%s\", expected NULL", path, chosen);
    else
        CHECK_MSG(chosen != NULL && strcmp(chosen, expected) == 0,
                  "%s: GetSubprotocol is \"%s\", expected \"%s\"", path,
                  chosen ? chosen : "(NULL)", expected);
    CHECK_ECHO(c, path);
    CLOSE_WAIT(c, 1000, "done");
    rec_check_sequence(c, 1);
}

/* The Sec-WebSocket-Protocol fields c sends, as /headers reports them (into buf). */
static size_t offers(struct WebSocket *c, char *buf, size_t size)
{
    const rec_event *ev;
    size_t count;
    rec_forget(c);
    CONNECT_OPEN(c, echo_url("/headers"));
    WAIT_FOR(c, EV_MESSAGE, 1, 5000);
    ev = rec_nth(c, EV_MESSAGE, 0);
    count = count_fields(ev->text, "Sec-WebSocket-Protocol", NULL);
    field_value(ev->text, "Sec-WebSocket-Protocol", buf, size);
    CLOSE_WAIT(c, 1000, "done");
    return count;
}

static void test_offer_and_choice(void)
{
    struct WebSocket *c = rec_client();
    char offered[256];
    CHECK(WebSocketEx_GetSubprotocol(c) == NULL);
    CHECK_EQ(WebSocketEx_SetSubprotocols(c, "chat.v2, chat"), WEBSOCKET_OK);
    CHECK_EQ(strcmp(WebSocketEx_GetLastErrorMessage(), ""), 0);
    CHECK_EQ(offers(c, offered, sizeof offered), 1);
    CHECK_MSG(strstr(offered, "chat.v2") == offered && strstr(offered, ", chat") != NULL,
              "offered \"%s\", expected chat.v2 then chat", offered);
    check_chosen(c, "/subprotocol/first", "chat.v2");
    check_chosen(c, "/subprotocol/chat", "chat");
    /* The plain echo path chooses none. */
    check_chosen(c, "/", NULL);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* The pointer stays valid from onOpen until the next Connect, through the close. */
static void test_choice_outlives_the_close(void)
{
    struct WebSocket *c = rec_client();
    const char *chosen;
    CHECK_EQ(WebSocketEx_SetSubprotocols(c, "chat.v2, chat"), WEBSOCKET_OK);
    CONNECT_OPEN(c, echo_url("/subprotocol/first"));
    chosen = WebSocketEx_GetSubprotocol(c);
    CHECK(chosen != NULL);
    CLOSE_WAIT(c, 1000, "done");
    CHECK_MSG(strcmp(chosen, "chat.v2") == 0, "after onClose the choice reads \"%s\"", chosen);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_choice_not_offered(void)
{
    struct WebSocket *c = rec_client();
    CHECK_EQ(WebSocketEx_SetSubprotocols(c, "chat.v2, chat"), WEBSOCKET_OK);
    CHECK_CONTAINS(CONNECT_FAIL(c, echo_url("/subprotocol/other"), WEBSOCKET_PROTOCOL_ERROR),
                   "subprotocol");
    CHECK(WebSocketEx_GetSubprotocol(c) == NULL);
    /* Nothing offered at all: any choice is one not offered. */
    CHECK_EQ(WebSocketEx_SetSubprotocols(c, NULL), WEBSOCKET_OK);
    rec_forget(c);
    CHECK_CONTAINS(CONNECT_FAIL(c, echo_url("/subprotocol/other"), WEBSOCKET_PROTOCOL_ERROR),
                   "subprotocol");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_bad_lists(void)
{
    static const char *const bad[] = {"a b", "x,,", ",", "chat, ", "ch\"at", "(x)"};
    struct WebSocket *c = rec_client();
    size_t i;
    CHECK_EQ(WebSocketEx_SetSubprotocols(c, "chat.v2, chat"), WEBSOCKET_OK);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_MSG(WebSocketEx_SetSubprotocols(c, bad[i]) == WEBSOCKET_CONNECTION_ERROR,
                  "SetSubprotocols(\"%s\") was accepted", bad[i]);
        CHECK_MSG(strlen(WebSocketEx_GetLastErrorMessage()) > 0,
                  "SetSubprotocols(\"%s\") failed without a message", bad[i]);
    }
    /* They changed nothing. */
    check_chosen(c, "/subprotocol/first", "chat.v2");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_setter_and_header_conflict(void)
{
    struct WebSocket *c = rec_client();
    struct WebSocket_Header offer = header("Sec-WebSocket-Protocol", "chat");
    struct WebSocket_RequestOptions options;
    CHECK_EQ(WebSocketEx_SetSubprotocols(c, "chat.v2"), WEBSOCKET_OK);
    options.headers = &offer;
    CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url("/"), options), WEBSOCKET_NO_HEADER_CONTEXT);
    CHECK_EQ(OH_WebSocketClient_AddHeader(c, offer), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url("/"), no_headers()),
             WEBSOCKET_NO_HEADER_CONTEXT);
    CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url("/"), c->requestOptions),
             WEBSOCKET_NO_HEADER_CONTEXT);
    CHECK_QUIET(c, 200);
    /* Without the setter, the header alone is the offer. */
    CHECK_EQ(WebSocketEx_SetSubprotocols(c, NULL), WEBSOCKET_OK);
    check_chosen(c, "/subprotocol/first", "chat");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_null_and_empty_clear(void)
{
    struct WebSocket *c = rec_client();
    char offered[256];
    CHECK_EQ(WebSocketEx_SetSubprotocols(c, "chat"), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetSubprotocols(c, NULL), WEBSOCKET_OK);
    CHECK_EQ(offers(c, offered, sizeof offered), 0);
    check_chosen(c, "/subprotocol/first", NULL);
    CHECK_EQ(WebSocketEx_SetSubprotocols(c, "chat"), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetSubprotocols(c, ""), WEBSOCKET_OK);
    CHECK_EQ(offers(c, offered, sizeof offered), 0);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

int main(void)
{
    test_init();
    test_offer_and_choice();
    test_choice_outlives_the_close();
    test_choice_not_offered();
    test_bad_lists();
    test_setter_and_header_conflict();
    test_null_and_empty_clear();
    printf("test_subprotocols: all passed\n");
    return 0;
}
