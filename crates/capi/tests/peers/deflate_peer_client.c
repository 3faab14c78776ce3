/*
 * deflate_peer_client.c URL — the per-message opt-out against another implementation's server
 * (scripts/deflate-peers.sh): permessage-deflate with context takeover, every message
 * compressed (threshold 0) but every third one sent with WEBSOCKET_EX_NO_COMPRESS. The server
 * inflates what it gets and echoes it; had a plain message entered our compressor's window,
 * the next compressed one would refer to bytes the server never inflated and it would fail
 * the connection. Exits 0 when the server negotiated permessage-deflate and every echo came
 * back intact, at levels 2 and 9.
 */
#define _POSIX_C_SOURCE 200809L
#include <network/netstack/net_websocket_ext.h>

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum { COUNT = 30, SIZE = 16384, LENGTH = 1500 };

/* Words picked at random: compressible, and no two messages alike, so a back-reference that
 * the server resolves in the wrong window gives wrong bytes (a periodic text would not). */
static char text[SIZE + 1];

static const char *message(int i) { return text + 211 * i; }
static uint32_t message_length(int i) { return (uint32_t)(LENGTH + 13 * i); }
static atomic_int opened, messages, bad, ended;
static char extensions[128];

static void on_open(struct WebSocket *c, WebSocket_OpenResult r)
{
    (void)c;
    (void)r;
    opened = 1;
}

static void on_message(struct WebSocket *c, char *data, uint32_t length)
{
    int n = messages;
    (void)c;
    if (n == 0)
        snprintf(extensions, sizeof extensions, "%s", data);
    else if (length != message_length(n) || memcmp(data, message(n), length) != 0)
        bad++;
    messages = n + 1;
}

static void on_error(struct WebSocket *c, WebSocket_ErrorResult r)
{
    (void)c;
    fprintf(stderr, "onError %u %s\n", r.errorCode, r.errorMessage);
    ended = 1;
}

static void on_close(struct WebSocket *c, WebSocket_CloseResult r)
{
    (void)c;
    fprintf(stderr, "onClose %u %s\n", r.code, r.reason);
    ended = 1;
}

static void wait_until(atomic_int *flag, int value)
{
    struct timespec ms10 = {0, 10 * 1000 * 1000};
    int i;
    for (i = 0; i < 1000 && *flag < value && !ended; i++) nanosleep(&ms10, NULL);
}

static int run(const char *url, int level)
{
    struct WebSocket *c = OH_WebSocketClient_Constructor(on_open, on_message, on_error, on_close);
    int i, ok;
    opened = messages = bad = ended = 0;
    extensions[0] = '\0';
    if (c == NULL || WebSocketEx_SetCompression(c, 1) != WEBSOCKET_OK ||
        WebSocketEx_SetCompressionThreshold(c, 0) != WEBSOCKET_OK ||
        WebSocketEx_SetCompressionLevel(c, level) != WEBSOCKET_OK ||
        OH_WebSocketClient_Connect(c, url, c->requestOptions) != WEBSOCKET_OK)
        return 0;
    wait_until(&opened, 1);
    for (i = 1; i <= COUNT; i++) {
        uint32_t flags = i % 3 == 2 ? WEBSOCKET_EX_NO_COMPRESS : 0;
        if (WebSocketEx_SendTextEx(c, message(i), message_length(i), flags) != WEBSOCKET_OK)
            bad++;
    }
    wait_until(&messages, COUNT + 1);
    ok = opened && messages == COUNT + 1 && bad == 0 && !ended &&
         strncmp(extensions, "ext=permessage-deflate", 22) == 0;
    printf("level %d: opened=%d echoes=%d bad=%d ended=%d %s\n", level, (int)opened,
           messages > 0 ? messages - 1 : 0, (int)bad, (int)ended, extensions);
    OH_WebSocketClient_Destroy(c);
    return ok;
}

int main(int argc, char **argv)
{
    static const char *words[] = {"alpha ", "beta ", "gamma ", "delta ", "epsilon ", "zeta ",
                                  "eta ", "theta ", "iota ", "kappa ", "lambda ", "mu "};
    uint32_t seed = 12345;
    size_t at = 0;
    if (argc != 2) {
        fprintf(stderr, "usage: %s ws://HOST:PORT/\n", argv[0]);
        return 2;
    }
    while (at < SIZE) {
        const char *w;
        seed = seed * 1103515245u + 12345u;
        w = words[(seed >> 16) % 12];
        while (*w && at < SIZE) text[at++] = *w++;
    }
    return run(argv[1], 2) && run(argv[1], 9) ? 0 : 1;
}
