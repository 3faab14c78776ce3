/*
 * test_timeouts.c — WebSocketEx_SetConnectTimeout and WebSocketEx_SetCloseTimeout
 * (net_websocket_ext.h "Connection lifecycle"): a handshake that never ends, because the
 * server says nothing (/silent) or answers one byte per second (/trickle), fails with one
 * onError(1003) naming the time and the stage, at the configured time and not before; a Close
 * that the server never answers (/mute) ends with onClose(1006) after the close timeout, and
 * 0 gives the 5 s default back. The library's timers run in real time, so their lower bounds
 * are not scaled; the upper bounds are (valgrind runs are slow to deliver the callback).
 */
#include "common.h"

#include <network/netstack/net_websocket_ext.h>

/* The handshake on path takes longer than the 1.5 s connect timeout. */
static void check_handshake_times_out(const char *path)
{
    struct WebSocket *c = rec_client();
    long long started;
    const char *message;
    long long elapsed;
    CHECK_EQ(WebSocketEx_SetConnectTimeout(c, 1500), WEBSOCKET_OK);
    CHECK_EQ(strcmp(WebSocketEx_GetLastErrorMessage(), ""), 0);
    started = now_ms();
    message = CONNECT_FAIL(c, echo_url(path), WEBSOCKET_CONNECTION_ERROR);
    CHECK_CONTAINS(message, "timed out after 1.5 s in the WebSocket handshake");
    elapsed = rec_nth(c, EV_ERROR, 0)->at_ms - started;
    CHECK_MSG(elapsed >= 1400 && elapsed <= scaled_ms(4000),
              "%s: onError %lld ms after Connect, expected 1400 ms to %ld ms", path, elapsed,
              scaled_ms(4000));
    /* Nothing follows the failure, not even when the rest of the response would arrive. */
    CHECK_QUIET(c, 300);
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_connect_timeout(void)
{
    check_handshake_times_out("/silent");
    check_handshake_times_out("/trickle");
}

/* A timeout that is long enough lets a normal handshake through, and 0 restores the default
 * (30 s: /silent then does not fail within 3 s). */
static void test_connect_timeout_long_enough_and_default(void)
{
    struct WebSocket *c = rec_client();
    long long started;
    CHECK_EQ(WebSocketEx_SetConnectTimeout(c, 1500), WEBSOCKET_OK);
    CONNECT_OPEN(c, echo_url("/"));
    /* Nothing of the timeout is left once open. */
    sleep_ms(2000);
    CHECK_ECHO(c, "open past the connect timeout");
    CLOSE_WAIT(c, 1000, "done");
    rec_check_sequence(c, 1);

    CHECK_EQ(WebSocketEx_SetConnectTimeout(c, 0), WEBSOCKET_OK);
    rec_forget(c);
    started = now_ms();
    CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url("/silent"), no_headers()), WEBSOCKET_OK);
    sleep_ms(3000);
    CHECK_MSG(rec_count(c, EV_ANY) == 0, "a callback within %lld ms of Connect to /silent",
              now_ms() - started);
    /* Close while connecting cancels the attempt. */
    CHECK_EQ(OH_WebSocketClient_Close(c, close_option(1000, "cancel")), WEBSOCKET_OK);
    WAIT_FOR(c, EV_CLOSE, 1, 5000);
    CHECK_EQ(rec_nth(c, EV_CLOSE, 0)->code, 1006);
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* Close on /mute: the server never sends its close frame. Returns the onClose delay. */
static long long close_unanswered(struct WebSocket *c)
{
    long long started;
    const rec_event *ev;
    rec_forget(c);
    CONNECT_OPEN(c, echo_url("/mute"));
    started = now_ms();
    CHECK_EQ(OH_WebSocketClient_Close(c, close_option(1000, "bye")), WEBSOCKET_OK);
    WAIT_FOR(c, EV_CLOSE, 1, 10000);
    ev = rec_nth(c, EV_CLOSE, 0);
    CHECK_MSG(ev->code == 1006, "onClose(%u, \"%s\"), expected 1006", (unsigned)ev->code,
              ev->text);
    CHECK_QUIET(c, 200);
    rec_check_sequence(c, 1);
    return ev->at_ms - started;
}

static void test_close_timeout(void)
{
    struct WebSocket *c = rec_client();
    long long elapsed;
    /* Keepalive off: only the close timeout may end the connection. */
    CHECK_EQ(WebSocketEx_SetKeepalive(c, 0, 0), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetCloseTimeout(c, 500), WEBSOCKET_OK);
    elapsed = close_unanswered(c);
    CHECK_MSG(elapsed >= 450 && elapsed <= scaled_ms(2500),
              "onClose %lld ms after Close with a 500 ms close timeout", elapsed);

    CHECK_EQ(WebSocketEx_SetCloseTimeout(c, 0), WEBSOCKET_OK); /* back to 5000 */
    elapsed = close_unanswered(c);
    CHECK_MSG(elapsed >= 4900 && elapsed <= 5000 + scaled_ms(2000),
              "onClose %lld ms after Close with the default close timeout (5 s)", elapsed);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* A connection already running keeps the settings it started with. */
static void test_close_timeout_applies_from_the_next_connect(void)
{
    struct WebSocket *c = rec_client();
    long long started, elapsed;
    CHECK_EQ(WebSocketEx_SetKeepalive(c, 0, 0), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetCloseTimeout(c, 500), WEBSOCKET_OK);
    CONNECT_OPEN(c, echo_url("/mute"));
    CHECK_EQ(WebSocketEx_SetCloseTimeout(c, 3000), WEBSOCKET_OK);
    started = now_ms();
    CHECK_EQ(OH_WebSocketClient_Close(c, close_option(1000, "bye")), WEBSOCKET_OK);
    WAIT_FOR(c, EV_CLOSE, 1, 10000);
    elapsed = rec_nth(c, EV_CLOSE, 0)->at_ms - started;
    CHECK_MSG(elapsed >= 450 && elapsed <= scaled_ms(2500),
              "onClose %lld ms after Close; the connection started with a 500 ms timeout",
              elapsed);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

int main(void)
{
    test_init();
    test_connect_timeout();
    test_connect_timeout_long_enough_and_default();
    test_close_timeout();
    test_close_timeout_applies_from_the_next_connect();
    printf("test_timeouts: all passed\n");
    return 0;
}
