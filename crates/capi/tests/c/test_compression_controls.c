/*
 * test_compression_controls.c — the permessage-deflate controls of net_websocket_ext.h:
 * level, threshold, windows, memLevel and the per-message opt-out (WEBSOCKET_EX_NO_COMPRESS).
 * What went out compressed is checked on the server side: the echo server's /rsv1 path answers
 * each message with "rsv1=1 len=N" or "rsv1=0 len=N". Also every setter's codes for NULL,
 * stale handles and bad values. Needs WS_ECHO_URL (scripts/c-tests.sh starts the server).
 */
#include "common.h"

#include <network/netstack/net_websocket_ext.h>

#include <string.h>

enum { BIG = 4096 };
static char big[BIG + 1];

static void every_function_returns(struct WebSocket *c, int code)
{
    CHECK_EQ(WebSocketEx_SetCompressionLevel(c, 1), code);
    CHECK_EQ(WebSocketEx_SetCompressionThreshold(c, 0), code);
    CHECK_EQ(WebSocketEx_SetCompressionWindow(c, 0, 0), code);
    CHECK_EQ(WebSocketEx_SetCompressionMemLevel(c, 8), code);
    CHECK_EQ(WebSocketEx_SendTextEx(c, "x", 1, WEBSOCKET_EX_NO_COMPRESS), code);
    CHECK_EQ(WebSocketEx_SendBinaryEx(c, "x", 1, 0), code);
    /* The handle is checked before the flags. */
    CHECK_EQ(WebSocketEx_SendTextEx(c, "x", 1, 0x80u), code);
}

static void test_bad_handles(void)
{
    struct WebSocket fake, *c = rec_client();
    memset(&fake, 0, sizeof fake);
    every_function_returns(NULL, WEBSOCKET_CLIENT_NULL);
    every_function_returns(&fake, WEBSOCKET_CLIENT_NOT_CREATED);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_NO_CONNECTION_CONTEXT);
    every_function_returns(c, WEBSOCKET_CLIENT_NOT_CREATED);
}

static void test_bad_values(void)
{
    struct WebSocket *c = rec_client();
    /* The knobs need compression on (they would otherwise be dropped unnoticed). */
    EXPECT(WebSocketEx_SetCompressionLevel(c, 1), WEBSOCKET_CONNECTION_ERROR, "compression is off");
    EXPECT(WebSocketEx_SetCompressionThreshold(c, 1), WEBSOCKET_CONNECTION_ERROR,
           "compression is off");
    EXPECT(WebSocketEx_SetCompressionWindow(c, 9, 9), WEBSOCKET_CONNECTION_ERROR,
           "compression is off");
    EXPECT(WebSocketEx_SetCompressionMemLevel(c, 1), WEBSOCKET_CONNECTION_ERROR,
           "compression is off");
    CHECK_EQ(WebSocketEx_SetCompression(c, 1), WEBSOCKET_OK);
    EXPECT(WebSocketEx_SetCompressionLevel(c, -1), WEBSOCKET_CONNECTION_ERROR, "level");
    EXPECT(WebSocketEx_SetCompressionLevel(c, 10), WEBSOCKET_CONNECTION_ERROR, "level");
    EXPECT(WebSocketEx_SetCompressionLevel(c, 0), WEBSOCKET_OK, "");
    EXPECT(WebSocketEx_SetCompressionLevel(c, 9), WEBSOCKET_OK, "");
    EXPECT(WebSocketEx_SetCompressionThreshold(c, (size_t)-1), WEBSOCKET_OK, "");
    EXPECT(WebSocketEx_SetCompressionWindow(c, 7, 0), WEBSOCKET_CONNECTION_ERROR,
           "client_max_window_bits");
    EXPECT(WebSocketEx_SetCompressionWindow(c, 16, 0), WEBSOCKET_CONNECTION_ERROR,
           "client_max_window_bits");
    EXPECT(WebSocketEx_SetCompressionWindow(c, 0, 7), WEBSOCKET_CONNECTION_ERROR,
           "server_max_window_bits");
    EXPECT(WebSocketEx_SetCompressionWindow(c, 0, -1), WEBSOCKET_CONNECTION_ERROR,
           "server_max_window_bits");
    EXPECT(WebSocketEx_SetCompressionWindow(c, 8, 15), WEBSOCKET_OK, "");
    EXPECT(WebSocketEx_SetCompressionWindow(c, 0, 0), WEBSOCKET_OK, "");
    EXPECT(WebSocketEx_SetCompressionMemLevel(c, 0), WEBSOCKET_CONNECTION_ERROR, "mem_level");
    EXPECT(WebSocketEx_SetCompressionMemLevel(c, 10), WEBSOCKET_CONNECTION_ERROR, "mem_level");
    EXPECT(WebSocketEx_SetCompressionMemLevel(c, 1), WEBSOCKET_OK, "");
    /* Unknown flag bits: 1009, as SendFragment's unknown type; nothing is queued. */
    EXPECT(WebSocketEx_SendTextEx(c, "x", 1, 2u), WEBSOCKET_PROTOCOL_ERROR, "unknown flag");
    EXPECT(WebSocketEx_SendBinaryEx(c, "x", 1, 0x80000001u), WEBSOCKET_PROTOCOL_ERROR,
           "unknown flag");
    CHECK_EQ(WebSocketEx_GetBufferedAmount(c), 0);
    /* The send checks apply as for SendText/SendBinary. */
    CHECK_EQ(WebSocketEx_SendTextEx(c, NULL, 1, 0), WEBSOCKET_SEND_DATA_NULL);
    CHECK_EQ(WebSocketEx_SendTextEx(c, "\xff", 1, WEBSOCKET_EX_NO_COMPRESS),
             WEBSOCKET_PROTOCOL_ERROR);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_NO_CONNECTION_CONTEXT);
}

/* Waits for the nth message and checks it is the /rsv1 report want. */
static void expect_report(struct WebSocket *c, size_t nth, const char *want, int line)
{
    const rec_event *ev;
    WAIT_FOR(c, EV_MESSAGE, nth + 1, 5000);
    ev = rec_nth(c, EV_MESSAGE, nth);
    CHECK_MSG(ev != NULL && strcmp(ev->text, want) == 0, "line %d: report %zu is \"%s\", not \"%s\"",
              line, nth, ev ? ev->text : "(none)", want);
}
#define EXPECT_REPORT(c, nth, want) expect_report((c), (nth), (want), __LINE__)

/* Messages under the threshold go out without RSV1; at it and above, with it. */
static void test_threshold(void)
{
    struct WebSocket *c = rec_client();
    CHECK_EQ(WebSocketEx_SetCompression(c, 1), WEBSOCKET_OK);
    /* The default threshold: 1 KiB. */
    CONNECT_OPEN(c, echo_url("/rsv1"));
    CHECK_EQ(WebSocketEx_SendText(c, big, 1023), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SendText(c, big, 1024), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SendBinary(c, big, 10), WEBSOCKET_OK);
    EXPECT_REPORT(c, 0, "rsv1=0 len=1023");
    EXPECT_REPORT(c, 1, "rsv1=1 len=1024");
    EXPECT_REPORT(c, 2, "rsv1=0 len=10");
    CLOSE_WAIT(c, 1000, "done");

    rec_forget(c);
    CHECK_EQ(WebSocketEx_SetCompressionThreshold(c, 100), WEBSOCKET_OK);
    CONNECT_OPEN(c, echo_url("/rsv1"));
    CHECK_EQ(WebSocketEx_SendText(c, big, 99), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SendText(c, big, 100), WEBSOCKET_OK);
    EXPECT_REPORT(c, 0, "rsv1=0 len=99");
    EXPECT_REPORT(c, 1, "rsv1=1 len=100");
    CLOSE_WAIT(c, 1000, "done");

    /* 0 compresses every message, even an empty one. */
    rec_forget(c);
    CHECK_EQ(WebSocketEx_SetCompressionThreshold(c, 0), WEBSOCKET_OK);
    CONNECT_OPEN(c, echo_url("/rsv1"));
    CHECK_EQ(WebSocketEx_SendText(c, big, 1), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SendText(c, big, 0), WEBSOCKET_OK);
    EXPECT_REPORT(c, 0, "rsv1=1 len=1");
    EXPECT_REPORT(c, 1, "rsv1=1 len=0");
    CLOSE_WAIT(c, 1000, "done");
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* The opt-out, mid-stream with context takeover on: that message goes out without RSV1 and
 * the next compressed one, which refers back past it, still inflates (checked by the echo). */
static void test_opt_out(void)
{
    struct WebSocket *c = rec_client();
    const rec_event *ev;
    int round;
    CHECK_EQ(WebSocketEx_SetCompression(c, 1), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetCompressionThreshold(c, 0), WEBSOCKET_OK);
    /* Before the first Connect: kept with its flag for the first connection. */
    CHECK_EQ(WebSocketEx_SendTextEx(c, big, 2000, WEBSOCKET_EX_NO_COMPRESS), WEBSOCKET_OK);
    CONNECT_OPEN(c, echo_url("/rsv1"));
    CHECK_EQ(WebSocketEx_SendTextEx(c, big, 2000, 0), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SendBinaryEx(c, big, 2000, WEBSOCKET_EX_NO_COMPRESS), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SendBinaryEx(c, big, 2000, 0), WEBSOCKET_OK);
    EXPECT_REPORT(c, 0, "rsv1=0 len=2000");
    EXPECT_REPORT(c, 1, "rsv1=1 len=2000");
    EXPECT_REPORT(c, 2, "rsv1=0 len=2000");
    EXPECT_REPORT(c, 3, "rsv1=1 len=2000");
    CLOSE_WAIT(c, 1000, "done");

    /* Against the echo: compressed, plain, compressed, ... each comes back intact. */
    rec_forget(c);
    CONNECT_OPEN(c, echo_url("/"));
    for (round = 0; round < 6; round++) {
        uint32_t flags = round % 2 ? WEBSOCKET_EX_NO_COMPRESS : 0;
        CHECK_EQ(WebSocketEx_SendTextEx(c, big + round, BIG - round, flags), WEBSOCKET_OK);
    }
    WAIT_FOR(c, EV_MESSAGE, 6, 5000);
    for (round = 0; round < 6; round++) {
        ev = rec_nth(c, EV_MESSAGE, (size_t)round);
        CHECK_MSG(ev->length == (size_t)(BIG - round) &&
                      memcmp(ev->text, big + round, (size_t)(BIG - round)) == 0,
                  "echo %d differs", round);
    }
    CLOSE_WAIT(c, 1000, "done");

    /* Without compression negotiated the flag changes nothing. */
    rec_forget(c);
    CHECK_EQ(WebSocketEx_SetCompression(c, 0), WEBSOCKET_OK);
    CONNECT_OPEN(c, echo_url("/rsv1"));
    CHECK_EQ(WebSocketEx_SendTextEx(c, big, 2000, WEBSOCKET_EX_NO_COMPRESS), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SendTextEx(c, big, 2000, 0), WEBSOCKET_OK);
    EXPECT_REPORT(c, 0, "rsv1=0 len=2000");
    EXPECT_REPORT(c, 1, "rsv1=0 len=2000");
    CLOSE_WAIT(c, 1000, "done");
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* Each level, and a few windows and memLevels, round-trip through the echo; level 0 (stored
 * blocks) is still flagged RSV1; a client window of 8 bits sends uncompressed (zlib cannot
 * make raw deflate with a 256-byte window). */
static void test_levels_and_windows(void)
{
    static const int windows[][3] = {
        /* client bits, server bits, memLevel */
        {9, 9, 1}, {12, 0, 9}, {15, 15, 8}, {0, 10, 4},
    };
    struct WebSocket *c = rec_client();
    const rec_event *ev;
    int level;
    size_t i;
    CHECK_EQ(WebSocketEx_SetCompression(c, 1), WEBSOCKET_OK);
    for (level = 0; level <= 9; level++) {
        rec_forget(c);
        CHECK_EQ(WebSocketEx_SetCompressionLevel(c, level), WEBSOCKET_OK);
        CONNECT_OPEN(c, echo_url("/"));
        CHECK_EQ(WebSocketEx_SendText(c, big, BIG), WEBSOCKET_OK);
        CHECK_EQ(WebSocketEx_SendText(c, big, BIG), WEBSOCKET_OK);
        WAIT_FOR(c, EV_MESSAGE, 2, 5000);
        for (i = 0; i < 2; i++) {
            ev = rec_nth(c, EV_MESSAGE, i);
            CHECK_MSG(ev->length == BIG && memcmp(ev->text, big, BIG) == 0,
                      "level %d: echo %zu differs", level, i);
        }
        CLOSE_WAIT(c, 1000, "done");
    }
    rec_forget(c);
    CHECK_EQ(WebSocketEx_SetCompressionLevel(c, 0), WEBSOCKET_OK);
    CONNECT_OPEN(c, echo_url("/rsv1"));
    CHECK_EQ(WebSocketEx_SendText(c, big, BIG), WEBSOCKET_OK);
    EXPECT_REPORT(c, 0, "rsv1=1 len=4096");
    CLOSE_WAIT(c, 1000, "done");

    CHECK_EQ(WebSocketEx_SetCompressionLevel(c, 6), WEBSOCKET_OK);
    for (i = 0; i < sizeof windows / sizeof windows[0]; i++) {
        rec_forget(c);
        CHECK_EQ(WebSocketEx_SetCompressionWindow(c, windows[i][0], windows[i][1]),
                 WEBSOCKET_OK);
        CHECK_EQ(WebSocketEx_SetCompressionMemLevel(c, windows[i][2]), WEBSOCKET_OK);
        CONNECT_OPEN(c, echo_url("/"));
        CHECK_EQ(WebSocketEx_SendText(c, big, BIG), WEBSOCKET_OK);
        WAIT_FOR(c, EV_MESSAGE, 1, 5000);
        ev = rec_nth(c, EV_MESSAGE, 0);
        CHECK_MSG(ev->length == BIG && memcmp(ev->text, big, BIG) == 0,
                  "window %d/%d memLevel %d: echo differs", windows[i][0], windows[i][1],
                  windows[i][2]);
        CLOSE_WAIT(c, 1000, "done");
    }

    rec_forget(c);
    CHECK_EQ(WebSocketEx_SetCompressionWindow(c, 8, 0), WEBSOCKET_OK);
    CONNECT_OPEN(c, echo_url("/rsv1"));
    CHECK_EQ(WebSocketEx_SendText(c, big, BIG), WEBSOCKET_OK);
    EXPECT_REPORT(c, 0, "rsv1=0 len=4096");
    CLOSE_WAIT(c, 1000, "done");

    /* Turning compression off and on again keeps the settings. */
    CHECK_EQ(WebSocketEx_SetCompression(c, 1), WEBSOCKET_OK);
    rec_forget(c);
    CONNECT_OPEN(c, echo_url("/rsv1"));
    CHECK_EQ(WebSocketEx_SendText(c, big, BIG), WEBSOCKET_OK);
    EXPECT_REPORT(c, 0, "rsv1=0 len=4096");
    CLOSE_WAIT(c, 1000, "done");
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

int main(void)
{
    size_t i;
    test_init();
    for (i = 0; i < BIG; i++) big[i] = "a compressible line of text\n"[i % 28];
    big[BIG] = '\0';
    test_bad_handles();
    test_bad_values();
    test_threshold();
    test_opt_out();
    test_levels_and_windows();
    printf("test_compression_controls: all passed\n");
    return 0;
}
