/*
 * test_send_limits.c — lengths no buffer can have, memory that cannot be had, and pings in
 * the send queue (net_websocket.h / net_websocket_ext.h, the send functions):
 *   - every send function given SIZE_MAX (or any length over PTRDIFF_MAX) returns 1012
 *     without touching the data, whatever the limits are set to;
 *   - with the limits lifted, a real 1 TiB region (mapped, never touched) cannot be copied:
 *     Send returns 1010 (WEBSOCKET_SEND_NO_MEMORY) instead of aborting the process;
 *   - a ping counts in the send-queue limit and in WebSocketEx_GetBufferedAmount as its frame
 *     (6 bytes and the payload), so a ping loop cannot grow memory without bound: while the
 *     client is still connecting (the server never answers), 7 pings of 125 bytes fit in a
 *     1,000-byte queue and the 8th is refused with 1013.
 */
/* MAP_ANONYMOUS and MAP_NORESERVE (Linux). */
#define _DEFAULT_SOURCE
#include "common.h"

#include <network/netstack/net_websocket_ext.h>

#include <stdint.h>
#include <sys/mman.h>

static char byte[1] = {'x'};

static void every_send_refuses(struct WebSocket *c, size_t length)
{
    CHECK_EQ(OH_WebSocketClient_Send(c, byte, length), WEBSOCKET_DATA_LENGTH_EXCEEDED);
    CHECK_EQ(WebSocketEx_SendText(c, byte, length), WEBSOCKET_DATA_LENGTH_EXCEEDED);
    CHECK_EQ(WebSocketEx_SendBinary(c, byte, length), WEBSOCKET_DATA_LENGTH_EXCEEDED);
    CHECK_EQ(WebSocketEx_SendPing(c, byte, length), WEBSOCKET_DATA_LENGTH_EXCEEDED);
}

static void impossible_lengths(void)
{
    struct WebSocket *c = rec_client();
    size_t over = (size_t)PTRDIFF_MAX + 1;
    /* Never connected, then connected; default limits, then lifted ones. */
    every_send_refuses(c, SIZE_MAX);
    every_send_refuses(c, over);
    CONNECT_OPEN(c, echo_url("/"));
    every_send_refuses(c, SIZE_MAX);
    CHECK_EQ(WebSocketEx_SetMaxSendSize(c, SIZE_MAX), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetSendQueueLimit(c, SIZE_MAX), WEBSOCKET_OK);
    CLOSE_WAIT(c, 1000, "done");
    rec_forget(c);
    CONNECT_OPEN(c, echo_url("/"));
    every_send_refuses(c, SIZE_MAX);
    every_send_refuses(c, over);
    CHECK_ECHO(c, "still fine");
    CLOSE_WAIT(c, 1000, "done");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void out_of_memory_is_a_code(void)
{
    size_t size = (size_t)1 << 40;
    struct WebSocket *c;
    char *region = mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
                        0);
    if (region == MAP_FAILED) {
        /* valgrind, or a small address space: nothing to copy from. */
        printf("skipped: cannot map 1 TiB of address space to send from\n");
        return;
    }
    c = rec_client();
    CHECK_EQ(WebSocketEx_SetMaxSendSize(c, SIZE_MAX), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetSendQueueLimit(c, SIZE_MAX), WEBSOCKET_OK);
    CONNECT_OPEN(c, echo_url("/"));
    CHECK_EQ(WebSocketEx_SendBinary(c, region, size), WEBSOCKET_SEND_NO_MEMORY);
    CHECK_EQ(WebSocketEx_GetBufferedAmount(c), 0);
    CHECK_ECHO(c, "still fine");
    CLOSE_WAIT(c, 1000, "done");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
    CHECK(munmap(region, size) == 0);
}

static void pings_count_in_the_queue(void)
{
    static char payload[125];
    struct WebSocket *c = rec_client();
    int i;
    CHECK_EQ(WebSocketEx_SetSendQueueLimit(c, 1000), WEBSOCKET_OK);
    /* /silent never answers the handshake: everything stays queued. */
    CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url("/silent"), no_headers()), WEBSOCKET_OK);
    for (i = 0; i < 7; i++) {
        CHECK_EQ(WebSocketEx_SendPing(c, payload, sizeof payload), WEBSOCKET_OK);
        CHECK_EQ(WebSocketEx_GetBufferedAmount(c), (size_t)(i + 1) * 131);
    }
    CHECK_EQ(WebSocketEx_SendPing(c, payload, sizeof payload), WEBSOCKET_QUEUE_LENGTH_EXCEEDED);
    /* Empty pings cost their 6 bytes: 13 more fit in what is left (83 bytes), not more. */
    for (i = 0; i < 13; i++) CHECK_EQ(WebSocketEx_SendPing(c, payload, 0), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SendPing(c, payload, 0), WEBSOCKET_QUEUE_LENGTH_EXCEEDED);
    CHECK_EQ(WebSocketEx_GetBufferedAmount(c), 7 * 131 + 13 * 6);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

int main(void)
{
    test_init();
    impossible_lengths();
    out_of_memory_is_a_code();
    pings_count_in_the_queue();
    printf("test_send_limits: all passed\n");
    return 0;
}
