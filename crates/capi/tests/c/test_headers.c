/*
 * test_headers.c — which headers the opening handshake carries (net_websocket.h,
 * OH_WebSocketClient_Connect): the AddHeader headers are always sent, exactly once, whether
 * Connect gets an empty options, the client's own requestOptions (as OpenHarmony code passes
 * it) or a separate caller list, whose headers follow them; a caller list is not kept for the
 * next Connect. A Sec-WebSocket-Protocol added with AddHeader is a subprotocol offer that the
 * server can accept (WebSocketEx_GetSubprotocol). Read back through the echo server's
 * /headers path, which reports the request's header lines.
 */
#include "common.h"

#include <network/netstack/net_websocket_ext.h>

#include <strings.h>

/* Connects c to /headers with options and returns the report (valid until rec_forget(c)). */
static const char *request_headers(struct WebSocket *c, struct WebSocket_RequestOptions options)
{
    const char *url = echo_url("/headers");
    const rec_event *ev;
    rec_forget(c);
    CHECK_EQ(OH_WebSocketClient_Connect(c, url, options), WEBSOCKET_OK);
    WAIT_FOR(c, EV_OPEN | EV_ERROR | EV_CLOSE, 1, 10000);
    CHECK_EQ(rec_nth(c, EV_ANY, 0)->type, EV_OPEN);
    WAIT_FOR(c, EV_MESSAGE, 1, 5000);
    ev = rec_nth(c, EV_MESSAGE, 0);
    CLOSE_WAIT(c, 1000, "done");
    rec_check_sequence(c, 1);
    return ev->text;
}

/* The line number (0-based) of the first field called name (without case) in lines; exits
 * without one. */
static size_t line_of(const char *lines, const char *name)
{
    size_t n = 0;
    const char *line = lines;
    size_t name_length = strlen(name);
    while (line != NULL && *line != '\0') {
        if (strncasecmp(line, name, name_length) == 0 && line[name_length] == ':') return n;
        line = strchr(line, '\n');
        if (line != NULL) line++;
        n++;
    }
    test_fail(__FILE__, __LINE__, "no %s field in \"%s\"", name, lines);
}

#define CHECK_FIELD_COUNT(lines, name, value, expected)                                   \
    do {                                                                                  \
        size_t count_ = count_fields((lines), (name), (value));                           \
        if (count_ != (size_t)(expected))                                                 \
            test_fail(__FILE__, __LINE__, "%zu fields \"%s: %s\", expected %zu in:\n%s",   \
                      count_, (name), (value) ? (value) : "*", (size_t)(expected),        \
                      (lines));                                                           \
    } while (0)

static void test_add_header_is_sent_once_whatever_connect_gets(void)
{
    struct WebSocket *c = rec_client();
    struct WebSocket_Header extra = header("X-Extra", "e-1"), more = header("X-More", "m-2");
    struct WebSocket_RequestOptions caller;
    const char *lines;

    CHECK_EQ(OH_WebSocketClient_AddHeader(c, header("X-Token", "t-123")), WEBSOCKET_OK);

    /* (a) An empty options still sends the AddHeader header. */
    lines = request_headers(c, no_headers());
    CHECK_FIELD_COUNT(lines, "X-Token", "t-123", 1);
    CHECK_FIELD_COUNT(lines, "X-Token", NULL, 1);

    /* (b) The client's own list, as OpenHarmony code passes it: once, not twice. */
    lines = request_headers(c, c->requestOptions);
    CHECK_FIELD_COUNT(lines, "X-Token", "t-123", 1);
    CHECK_FIELD_COUNT(lines, "X-Token", NULL, 1);

    /* (c) A separate caller list of two: the AddHeader header, then the caller's, in order. */
    extra.next = &more;
    caller.headers = &extra;
    lines = request_headers(c, caller);
    CHECK_FIELD_COUNT(lines, "X-Token", "t-123", 1);
    CHECK_FIELD_COUNT(lines, "X-Token", NULL, 1);
    CHECK_FIELD_COUNT(lines, "X-Extra", "e-1", 1);
    CHECK_FIELD_COUNT(lines, "X-More", "m-2", 1);
    CHECK(line_of(lines, "X-Token") < line_of(lines, "X-Extra"));
    CHECK(line_of(lines, "X-Extra") < line_of(lines, "X-More"));

    /* The caller list was read during that Connect only: the next one does not send it. */
    lines = request_headers(c, no_headers());
    CHECK_FIELD_COUNT(lines, "X-Token", "t-123", 1);
    CHECK_FIELD_COUNT(lines, "X-Extra", NULL, 0);
    CHECK_FIELD_COUNT(lines, "X-More", NULL, 0);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* A second AddHeader adds to the list; both go out once each with the client's own list. */
static void test_two_add_headers_with_the_clients_list(void)
{
    struct WebSocket *c = rec_client();
    const char *lines;
    CHECK_EQ(OH_WebSocketClient_AddHeader(c, header("X-One", "1")), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_AddHeader(c, header("X-Two", "2")), WEBSOCKET_OK);
    lines = request_headers(c, c->requestOptions);
    CHECK_FIELD_COUNT(lines, "X-One", "1", 1);
    CHECK_FIELD_COUNT(lines, "X-Two", "2", 1);
    CHECK(line_of(lines, "X-One") < line_of(lines, "X-Two"));
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* Sec-WebSocket-Protocol through AddHeader, Connect with an empty options: the offer is sent
 * once and the server's choice is reported. */
static void test_add_header_subprotocol_offer(void)
{
    struct WebSocket *c = rec_client();
    const char *lines, *chosen;
    CHECK_EQ(OH_WebSocketClient_AddHeader(c, header("Sec-WebSocket-Protocol", "chat.v2, chat")),
             WEBSOCKET_OK);
    lines = request_headers(c, no_headers());
    CHECK_FIELD_COUNT(lines, "Sec-WebSocket-Protocol", "chat.v2, chat", 1);
    CHECK_FIELD_COUNT(lines, "Sec-WebSocket-Protocol", NULL, 1);

    rec_forget(c);
    CHECK(WebSocketEx_GetSubprotocol(c) == NULL); /* not open */
    CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url("/subprotocol/first"), no_headers()),
             WEBSOCKET_OK);
    WAIT_FOR(c, EV_OPEN | EV_ERROR | EV_CLOSE, 1, 10000);
    CHECK_EQ(rec_nth(c, EV_ANY, 0)->type, EV_OPEN);
    chosen = WebSocketEx_GetSubprotocol(c);
    CHECK_MSG(chosen != NULL && strcmp(chosen, "chat.v2") == 0,
              "GetSubprotocol is \"%s\", expected \"chat.v2\"", chosen ? chosen : "(NULL)");
    CHECK_ECHO(c, "with a subprotocol");
    CLOSE_WAIT(c, 1000, "done");
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

int main(void)
{
    test_init();
    test_add_header_is_sent_once_whatever_connect_gets();
    test_two_add_headers_with_the_clients_list();
    test_add_header_subprotocol_offer();
    printf("test_headers: all passed\n");
    return 0;
}
