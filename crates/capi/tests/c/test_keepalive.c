/*
 * test_keepalive.c — WebSocketEx_SetKeepalive (net_websocket_ext.h "Connection lifecycle"):
 * against a server that never answers (/mute) the connection is declared lost after
 * deadAfterMs, with onError(1003, "keepalive: no answer to ping within N s") then
 * onClose(1006); deadAfterMs 0 means twice the interval; keepalive off keeps a silent
 * connection open; against the echo server, which answers pings, the connection stays open
 * and the keepalive pings are really sent (their pongs reach the pong callback); bad values
 * give 1003, a message for this thread only, and change nothing. The library's timers run in
 * real time, so lower bounds and quiet periods are not scaled; upper bounds are.
 */
#include "common.h"

#include <network/netstack/net_websocket_ext.h>

static char text_x[] = "x";

/* Opens c on /mute and waits for keepalive to end it; returns ms from onOpen to onError. */
static long long keepalive_kills_mute(struct WebSocket *c, const char *message_part)
{
    const rec_event *open, *error, *close;
    rec_forget(c);
    CONNECT_OPEN(c, echo_url("/mute"));
    WAIT_FOR(c, EV_CLOSE, 1, 10000);
    CHECK_EQ(rec_count(c, EV_ANY), 3);
    open = rec_nth(c, EV_ANY, 0);
    error = rec_nth(c, EV_ANY, 1);
    close = rec_nth(c, EV_ANY, 2);
    CHECK_EQ(open->type, EV_OPEN);
    CHECK_MSG(error->type == EV_ERROR && error->code == WEBSOCKET_CONNECTION_ERROR,
              "expected onError(1003) after onOpen");
    CHECK_CONTAINS(error->text, message_part);
    CHECK_EQ(close->type, EV_CLOSE);
    CHECK_EQ(close->code, 1006);
    CHECK_QUIET(c, 200);
    rec_check_sequence(c, 1);
    return error->at_ms - open->at_ms;
}

static void test_unanswered_pings_end_the_connection(void)
{
    struct WebSocket *c = rec_client();
    long long elapsed;
    CHECK_EQ(WebSocketEx_SetKeepalive(c, 500, 1500), WEBSOCKET_OK);
    CHECK_EQ(strcmp(WebSocketEx_GetLastErrorMessage(), ""), 0);
    elapsed = keepalive_kills_mute(c, "keepalive: no answer to ping within 1 s");
    CHECK_MSG(elapsed >= 1400 && elapsed <= scaled_ms(4000),
              "keepalive (500, 1500) ended /mute %lld ms after onOpen", elapsed);
    CHECK_EQ(OH_WebSocketClient_Send(c, text_x, 1), WEBSOCKET_NO_CONNECTION);

    /* deadAfterMs 0: twice the interval. */
    CHECK_EQ(WebSocketEx_SetKeepalive(c, 500, 0), WEBSOCKET_OK);
    elapsed = keepalive_kills_mute(c, "keepalive: no answer to ping within");
    CHECK_MSG(elapsed >= 900 && elapsed <= scaled_ms(3500),
              "keepalive (500, 0) ended /mute %lld ms after onOpen", elapsed);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* Keepalive off: a server that never sends a byte keeps the connection. */
static void test_off_keeps_a_silent_connection(void)
{
    struct WebSocket *c = rec_client();
    /* Turned off after a short setting: the last call wins. */
    CHECK_EQ(WebSocketEx_SetKeepalive(c, 300, 600), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetKeepalive(c, 0, 0), WEBSOCKET_OK);
    CONNECT_OPEN(c, echo_url("/mute"));
    sleep_ms(3000);
    CHECK_EQ(rec_count(c, EV_ANY), 1);
    CHECK_EQ(OH_WebSocketClient_Send(c, text_x, 1), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SendPing(c, "still here", 10), WEBSOCKET_OK);
    CHECK_EQ(rec_count(c, EV_ANY), 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* The echo server answers every ping: a short interval never declares the connection lost,
 * and the pongs show the pings went out. */
static void test_answered_pings_keep_the_connection(void)
{
    struct WebSocket *c = rec_client();
    size_t pongs;
    CHECK_EQ(WebSocketEx_SetKeepalive(c, 200, 600), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetPongCallback(c, rec_on_pong), WEBSOCKET_OK);
    CONNECT_OPEN(c, echo_url("/"));
    sleep_ms(2000);
    CHECK_EQ(rec_count(c, EV_ERROR | EV_CLOSE), 0);
    pongs = rec_count(c, EV_PONG);
    CHECK_MSG(pongs >= 3, "%zu pongs in 2 s with a 200 ms ping interval", pongs);
    CHECK_ECHO(c, "kept alive");
    CLOSE_WAIT(c, 1000, "done");
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* Messages count as traffic too: with the echo server echoing every 100 ms, no ping is
 * needed and none is sent. */
static void test_messages_count_as_traffic(void)
{
    struct WebSocket *c = rec_client();
    int i;
    CHECK_EQ(WebSocketEx_SetKeepalive(c, 400, 1200), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetPongCallback(c, rec_on_pong), WEBSOCKET_OK);
    CONNECT_OPEN(c, echo_url("/"));
    for (i = 0; i < 15; i++) {
        CHECK_ECHO(c, "traffic");
        sleep_ms(100);
    }
    CHECK_EQ(rec_count(c, EV_PONG), 0);
    CHECK_EQ(rec_count(c, EV_ERROR | EV_CLOSE), 0);
    CLOSE_WAIT(c, 1000, "done");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* Set by a thread that made no WebSocketEx_Set... call: whether its message is "" (read
 * there: the message is the thread's own, gone when the thread ends). */
static int other_thread_message_empty;
static void *read_message_on_another_thread(void *unused)
{
    const char *message = WebSocketEx_GetLastErrorMessage();
    (void)unused;
    other_thread_message_empty = message != NULL && strcmp(message, "") == 0;
    return NULL;
}

static void test_bad_values(void)
{
    struct WebSocket *c = rec_client();
    pthread_t thread;
    long long elapsed;
    CHECK_EQ(WebSocketEx_SetKeepalive(c, 500, 1500), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetKeepalive(c, 500, 500), WEBSOCKET_CONNECTION_ERROR);
    CHECK(strlen(WebSocketEx_GetLastErrorMessage()) > 0);
    CHECK_EQ(WebSocketEx_SetKeepalive(c, 500, 400), WEBSOCKET_CONNECTION_ERROR);
    CHECK(strlen(WebSocketEx_GetLastErrorMessage()) > 0);
    /* The message belongs to this thread. */
    CHECK_EQ(pthread_create(&thread, NULL, read_message_on_another_thread, NULL), 0);
    CHECK_EQ(pthread_join(thread, NULL), 0);
    CHECK(other_thread_message_empty);
    CHECK(strlen(WebSocketEx_GetLastErrorMessage()) > 0);
    /* The failed calls changed nothing: (500, 1500) still applies. */
    elapsed = keepalive_kills_mute(c, "keepalive: no answer to ping within 1 s");
    CHECK_MSG(elapsed >= 1400 && elapsed <= scaled_ms(4000),
              "after refused values, keepalive ended /mute %lld ms after onOpen", elapsed);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

int main(void)
{
    test_init();
    test_unanswered_pings_end_the_connection();
    test_off_keeps_a_silent_connection();
    test_answered_pings_keep_the_connection();
    test_messages_count_as_traffic();
    test_bad_values();
    printf("test_keepalive: all passed\n");
    return 0;
}
