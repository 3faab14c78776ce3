/*
 * test_callbacks.c — which callbacks arrive, in which order and on which thread (SPEC §4),
 * for a clean session, failures before open, server-side closes, abrupt loss, protocol
 * violations, a Close while connecting, and API calls made from inside callbacks.
 * Every client's events also pass rec_check_sequence (onOpen → onMessage* → onClose, onError
 * only as the end of a connection, serialized, never on the main thread).
 */
#include "common.h"

#include <string.h>

static char text_x[] = "x";

/* Checks the n-th event of c (all types) is `type` with `code` (code 0: any). */
static void expect_event(struct WebSocket *c, size_t n, int type, uint32_t code, int line)
{
    const rec_event *ev = rec_nth(c, EV_ANY, n);
    if (ev == NULL || ev->type != type || (code != 0 && ev->code != code)) {
        rec_dump(c);
        test_fail(__FILE__, line, "event %zu is not the expected one (type %d, code %u)", n,
                  type, (unsigned)code);
    }
}

static void test_success_order(void)
{
    struct WebSocket *c = rec_client();
    pthread_t self = pthread_self();
    size_t i;

    CONNECT_OPEN(c, echo_url("/order"));
    CHECK_ECHO(c, "one");
    CHECK_ECHO(c, "two");
    CHECK_ECHO(c, "three");
    CLOSE_WAIT(c, 1000, "done");
    CHECK_QUIET(c, 300);
    CHECK_EQ(rec_count(c, EV_ANY), 5);
    expect_event(c, 0, EV_OPEN, 101, __LINE__);
    expect_event(c, 1, EV_MESSAGE, 0, __LINE__);
    expect_event(c, 2, EV_MESSAGE, 0, __LINE__);
    expect_event(c, 3, EV_MESSAGE, 0, __LINE__);
    expect_event(c, 4, EV_CLOSE, 1000, __LINE__);
    for (i = 0; i < 5; i++)
        CHECK_MSG(!pthread_equal(rec_nth(c, EV_ANY, i)->thread, self),
                  "callback %zu ran on the thread that called Connect", i);
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* Nothing listens on port 1: one onError(1003, message), no onOpen/onClose; after it, Send
 * is 1017 and a new Connect is allowed (and fails the same way). */
static void test_connection_refused(void)
{
    struct WebSocket *c = rec_client();
    const rec_event *ev;

    CHECK_EQ(OH_WebSocketClient_Connect(c, "ws://127.0.0.1:1/", no_headers()), WEBSOCKET_OK);
    WAIT_FOR(c, EV_ERROR, 1, 5000);
    CHECK_QUIET(c, 500);
    CHECK_EQ(rec_count(c, EV_ANY), 1);
    ev = rec_nth(c, EV_ERROR, 0);
    CHECK_MSG(ev->code == WEBSOCKET_CONNECTION_ERROR, "onError code %u, expected 1003",
              (unsigned)ev->code);
    CHECK_MSG(ev->length > 0, "onError without a message");
    CHECK_EQ(OH_WebSocketClient_Send(c, text_x, 1), WEBSOCKET_NO_CONNECTION);
    CHECK_EQ(OH_WebSocketClient_Close(c, close_option(1000, "x")), WEBSOCKET_NO_CONNECTION);

    CHECK_EQ(OH_WebSocketClient_Connect(c, "ws://127.0.0.1:1/", no_headers()), WEBSOCKET_OK);
    WAIT_FOR(c, EV_ERROR, 2, 5000);
    CHECK_QUIET(c, 300);
    CHECK_EQ(rec_count(c, EV_ANY), 2);
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_status_404(void)
{
    struct WebSocket *c = rec_client();
    const rec_event *ev;

    CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url("/status/404"), no_headers()), WEBSOCKET_OK);
    WAIT_FOR(c, EV_ERROR, 1, 5000);
    CHECK_QUIET(c, 500);
    CHECK_EQ(rec_count(c, EV_ANY), 1);
    ev = rec_nth(c, EV_ERROR, 0);
    CHECK_MSG(ev->code == WEBSOCKET_PROTOCOL_ERROR || ev->code == WEBSOCKET_CONNECTION_ERROR,
              "onError code %u, expected 1009 or 1003", (unsigned)ev->code);
    CHECK_MSG(strstr(ev->text, "404") != NULL, "onError message \"%s\" does not name 404",
              ev->text);
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_server_close(void)
{
    struct WebSocket *c = rec_client();
    const rec_event *ev;

    CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url("/close/4000"), no_headers()), WEBSOCKET_OK);
    WAIT_FOR(c, EV_CLOSE | EV_ERROR, 1, 10000);
    CHECK_QUIET(c, 300);
    CHECK_EQ(rec_count(c, EV_ANY), 2);
    expect_event(c, 0, EV_OPEN, 101, __LINE__);
    ev = rec_nth(c, EV_ANY, 1);
    CHECK_MSG(ev->type == EV_CLOSE && ev->code == 4000 && strcmp(ev->text, "server closing") == 0,
              "got type %d (%u, \"%s\"), expected onClose(4000, \"server closing\")", ev->type,
              (unsigned)ev->code, ev->text);
    CHECK_EQ(OH_WebSocketClient_Send(c, text_x, 1), WEBSOCKET_NO_CONNECTION);
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* After open: onError(error_code, or any of the two when alt_code != 0) then
 * onClose(close_code). */
static void expect_error_then_close(const char *path, uint32_t error_code, uint32_t alt_code,
                                    uint32_t close_code)
{
    struct WebSocket *c = rec_client();
    const rec_event *err;

    CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url(path), no_headers()), WEBSOCKET_OK);
    WAIT_FOR(c, EV_CLOSE, 1, 10000);
    CHECK_QUIET(c, 300);
    if (rec_count(c, EV_ANY) != 3) rec_dump(c);
    CHECK_MSG(rec_count(c, EV_ANY) == 3, "%s: expected onOpen, onError, onClose", path);
    expect_event(c, 0, EV_OPEN, 101, __LINE__);
    err = rec_nth(c, EV_ANY, 1);
    CHECK_MSG(err->type == EV_ERROR, "%s: second callback is not onError", path);
    CHECK_MSG(err->code == error_code || (alt_code != 0 && err->code == alt_code),
              "%s: onError(%u, \"%s\"), expected %u", path, (unsigned)err->code, err->text,
              (unsigned)error_code);
    CHECK_MSG(err->length > 0, "%s: onError without a message", path);
    expect_event(c, 2, EV_CLOSE, close_code, __LINE__);
    CHECK_EQ(OH_WebSocketClient_Send(c, text_x, 1), WEBSOCKET_NO_CONNECTION);
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_server_messages(void)
{
    struct WebSocket *c = rec_client();
    char expected[32];
    size_t i;

    CONNECT_OPEN(c, echo_url("/messages/5"));
    WAIT_FOR(c, EV_MESSAGE, 5, 5000);
    for (i = 0; i < 5; i++) {
        const rec_event *ev = rec_nth(c, EV_MESSAGE, i);
        snprintf(expected, sizeof expected, "message %zu", i);
        CHECK_MSG(strcmp(ev->text, expected) == 0, "message %zu is \"%s\", expected \"%s\"", i,
                  ev->text, expected);
    }
    CLOSE_WAIT(c, 1000, "bye");
    CHECK_QUIET(c, 300);
    CHECK_EQ(rec_count(c, EV_ANY), 7);
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* Code 0 or reason NULL mean 1000 with an empty reason (SPEC §3, the reference's default). */
static void test_close_default(void)
{
    struct WebSocket *c = rec_client();
    const rec_event *ev;

    CONNECT_OPEN(c, echo_url("/default-close"));
    CLOSE_WAIT(c, 0, NULL);
    CONNECT_OPEN(c, echo_url("/default-close"));
    CLOSE_WAIT(c, 0, "ignored");
    CONNECT_OPEN(c, echo_url("/default-close"));
    CHECK_EQ(OH_WebSocketClient_Close(c, close_option(4000, NULL)), WEBSOCKET_OK);
    WAIT_FOR(c, EV_CLOSE, 3, 10000);
    ev = rec_nth(c, EV_CLOSE, 2);
    CHECK_MSG(ev->code == 1000, "Close(4000, NULL) ended with onClose(%u), expected 1000",
              (unsigned)ev->code);
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* Close from onOpen while the server is sending: the five messages that precede the
 * server's close frame are all delivered, then onClose (SPEC §4). */
static void close_in_open(struct WebSocket *client, WebSocket_OpenResult result)
{
    int rc;
    rec_enter(client);
    rec_open(client, result);
    rc = OH_WebSocketClient_Close(client, close_option(1000, "early"));
    if (rc != WEBSOCKET_OK) rec_violation("Close inside onOpen returned %d", rc);
    rec_leave(client);
}

static void test_messages_before_close(void)
{
    struct WebSocket *c =
        OH_WebSocketClient_Constructor(close_in_open, rec_on_message, rec_on_error, rec_on_close);
    size_t i;

    CHECK(c != NULL);
    rec_forget(c);
    CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url("/messages/5"), no_headers()), WEBSOCKET_OK);
    WAIT_FOR(c, EV_CLOSE | EV_ERROR, 1, 10000);
    rec_check_sequence(c, 1);
    if (rec_count(c, EV_MESSAGE) != 5) rec_dump(c);
    CHECK_EQ(rec_count(c, EV_MESSAGE), 5);
    for (i = 0; i < 5; i++) expect_event(c, 1 + i, EV_MESSAGE, 0, __LINE__);
    expect_event(c, 6, EV_CLOSE, 1000, __LINE__);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* The server never answers the handshake; Close cancels: onClose(1006), no onOpen. */
static void test_close_while_connecting(void)
{
    struct WebSocket *c = rec_client();

    CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url("/silent"), no_headers()), WEBSOCKET_OK);
    sleep_ms(300);
    CHECK_EQ(rec_count(c, EV_ANY), 0);
    CHECK_EQ(OH_WebSocketClient_Close(c, close_option(1000, "cancel")), WEBSOCKET_OK);
    WAIT_FOR(c, EV_CLOSE, 1, 5000);
    CHECK_QUIET(c, 300);
    CHECK_EQ(rec_count(c, EV_OPEN | EV_MESSAGE), 0);
    CHECK_MSG(rec_nth(c, EV_CLOSE, 0)->code == 1006, "onClose(%u), expected 1006",
              (unsigned)rec_nth(c, EV_CLOSE, 0)->code);
    CHECK_EQ(rec_count(c, EV_CLOSE), 1);
    CHECK_EQ(OH_WebSocketClient_Send(c, text_x, 1), WEBSOCKET_NO_CONNECTION);
    if (rec_count(c, EV_ERROR) > 0) {
        /* SPEC §3 only promises onClose(1006) for a cancelled attempt; an onError before it
         * is not forbidden there, but it is not the "exactly one onError, no onClose" of a
         * failure either, so the order check does not apply. */
        printf("note: Close while connecting reported onError(%u, \"%s\") before onClose\n",
               (unsigned)rec_nth(c, EV_ERROR, 0)->code, rec_nth(c, EV_ERROR, 0)->text);
    } else {
        rec_check_sequence(c, 1);
    }
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* ---- API calls from inside callbacks --------------------------------------------------- */

static struct WebSocket *other_client;
static char other_url[256];
static int rc_send_in_open = -1, rc_connect_in_open = -1;
static int rc_send_in_message = -1, rc_close_in_message = -1;

static void store_rc(int *where, int rc)
{
    __atomic_store_n(where, rc, __ATOMIC_SEQ_CST);
}

static int load_rc(int *where)
{
    return __atomic_load_n(where, __ATOMIC_SEQ_CST);
}

static void reentrant_open(struct WebSocket *client, WebSocket_OpenResult result)
{
    char msg[] = "from onOpen";
    rec_enter(client);
    rec_open(client, result);
    store_rc(&rc_send_in_open, OH_WebSocketClient_Send(client, msg, strlen(msg)));
    store_rc(&rc_connect_in_open,
             OH_WebSocketClient_Connect(other_client, other_url, no_headers()));
    rec_leave(client);
}

static void reentrant_message(struct WebSocket *client, char *data, uint32_t length)
{
    char msg[] = "from onMessage";
    rec_enter(client);
    rec_message(client, data, length);
    if (strcmp(data, "from onOpen") == 0)
        store_rc(&rc_send_in_message, OH_WebSocketClient_Send(client, msg, strlen(msg)));
    else if (strcmp(data, "from onMessage") == 0)
        store_rc(&rc_close_in_message,
                 OH_WebSocketClient_Close(client, close_option(4001, "from onMessage")));
    rec_leave(client);
}

static void test_calls_inside_callbacks(void)
{
    struct WebSocket *c = OH_WebSocketClient_Constructor(reentrant_open, reentrant_message,
                                                         rec_on_error, rec_on_close);
    const rec_event *ev;

    CHECK(c != NULL);
    rec_forget(c);
    other_client = rec_client();
    echo_url_into(other_url, sizeof other_url, "/other");
    CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url("/reentrant"), no_headers()), WEBSOCKET_OK);
    WAIT_FOR(c, EV_CLOSE | EV_ERROR, 1, 10000);
    CHECK_EQ(load_rc(&rc_send_in_open), WEBSOCKET_OK);
    CHECK_EQ(load_rc(&rc_connect_in_open), WEBSOCKET_OK);
    CHECK_EQ(load_rc(&rc_send_in_message), WEBSOCKET_OK);
    CHECK_EQ(load_rc(&rc_close_in_message), WEBSOCKET_OK);
    CHECK_EQ(rec_count(c, EV_MESSAGE), 2);
    ev = rec_nth(c, EV_CLOSE, 0);
    CHECK_MSG(ev != NULL && ev->code == 4001, "expected onClose(4001) after Close in onMessage");
    rec_check_sequence(c, 1);

    WAIT_FOR(other_client, EV_OPEN | EV_ERROR, 1, 5000);
    CHECK_EQ(rec_count(other_client, EV_OPEN), 1);
    CHECK_ECHO(other_client, "other client works");
    CLOSE_WAIT(other_client, 1000, "bye");
    rec_check_sequence(other_client, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(other_client), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

int main(void)
{
    test_init();
    test_success_order();
    test_connection_refused();
    test_status_404();
    test_server_close();
    /* Abrupt loss: onError(1003 or 1007) then onClose(1006) (SPEC §4). */
    expect_error_then_close("/drop", WEBSOCKET_CONNECTION_ERROR,
                            WEBSOCKET_CONNECTION_CLOSED_BY_PEER, 1006);
    /* Reserved opcode: onError(1009), close 1002. */
    expect_error_then_close("/violate", WEBSOCKET_PROTOCOL_ERROR, 0, 1002);
    /* Invalid UTF-8 in a text message: onError(1009), close 1007. */
    expect_error_then_close("/invalid-utf8", WEBSOCKET_PROTOCOL_ERROR, 0, 1007);
    test_server_messages();
    test_close_default();
    test_messages_before_close();
    test_close_while_connecting();
    test_calls_inside_callbacks();
    rec_reset();
    return 0;
}
