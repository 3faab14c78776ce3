/*
 * stats_monitor.c — a connection's statistics, once a second (net_websocket_ext.h,
 * "Statistics"). Sends a text message every 100 ms and a ping every second, and prints one
 * line of WebSocketEx_GetStats each second: messages and bytes each way, the round trip of
 * the pings, how long the connection has been open. After SECONDS (default 3) it closes and
 * prints the last line; exits 0 after a clean close. The callbacks run on this thread, inside
 * WebSocketEx_DispatcherRun ("Callbacks on your thread"), so nothing here needs a lock;
 * GetStats itself may be called from any thread.
 *
 *   cc -std=c99 stats_monitor.c $(pkg-config --cflags --libs net_websocket) -o stats_monitor
 *   ./stats_monitor ws://127.0.0.1:9001/ 5
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <network/netstack/net_websocket_ext.h>

static int opened, closed, failed;
static unsigned close_code;

static void on_open(struct WebSocket *client, WebSocket_OpenResult result)
{
    (void)client;
    printf("open: %u %s\n", result.code, result.reason);
    opened = 1;
}

static void on_message(struct WebSocket *client, char *data, uint32_t length)
{
    (void)client, (void)data, (void)length;
}

static void on_error(struct WebSocket *client, WebSocket_ErrorResult result)
{
    (void)client;
    fprintf(stderr, "error: %u %s\n", result.errorCode, result.errorMessage);
    failed = 1;
}

static void on_close(struct WebSocket *client, WebSocket_CloseResult result)
{
    (void)client;
    printf("closed: %u %s\n", result.code, result.reason);
    close_code = result.code;
    closed = 1;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void print_stats(struct WebSocket *client)
{
    WebSocketEx_Stats s;
    if (WebSocketEx_GetStats(client, &s, sizeof s) != WEBSOCKET_OK) return;
    printf("stats: sent %llu msgs / %llu B, received %llu msgs / %llu B, "
           "rtt %llu us (smoothed %llu), open %llu ms, queued %llu B\n",
           (unsigned long long)s.messagesSent, (unsigned long long)s.bytesSent,
           (unsigned long long)s.messagesReceived, (unsigned long long)s.bytesReceived,
           (unsigned long long)s.rttUs, (unsigned long long)s.smoothedRttUs,
           (unsigned long long)s.openMs, (unsigned long long)s.queuedBytes);
}

int main(int argc, char **argv)
{
    struct WebSocket *client;
    WebSocketEx_Dispatcher *dispatcher;
    long long start = now_ms(), next_send = 0, next_stats = 0, end, deadline;
    int closing = 0, rc;

    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s ws://host:port/path [SECONDS]\n", argv[0]);
        return 2;
    }
    end = start + 1000LL * (argc == 3 ? atoi(argv[2]) : 3);
    deadline = end + 10000;
    setvbuf(stdout, NULL, _IOLBF, 0);
    client = OH_WebSocketClient_Constructor(on_open, on_message, on_error, on_close);
    dispatcher = WebSocketEx_DispatcherCreate();
    if (client == NULL || dispatcher == NULL) return 1;
    WebSocketEx_SetDispatcher(client, dispatcher);
    rc = OH_WebSocketClient_Connect(client, argv[1], client->requestOptions);
    if (rc != WEBSOCKET_OK) {
        fprintf(stderr, "connect: %d\n", rc);
        return 1;
    }
    while (!closed && !(failed && !opened) && now_ms() < deadline) {
        long long now;
        WebSocketEx_DispatcherWait(dispatcher, 50);
        WebSocketEx_DispatcherRun(dispatcher, 0);
        now = now_ms();
        if (!opened || closing) continue;
        if (now >= next_send) {
            WebSocketEx_SendText(client, "tick", 4);
            next_send = now + 100;
        }
        if (now >= next_stats) {
            if (next_stats != 0) print_stats(client);
            WebSocketEx_SendPing(client, "rtt", 3);
            next_stats = now + 1000;
        }
        if (now >= end) {
            WebSocket_CloseOption bye = {1000, "bye"};
            closing = OH_WebSocketClient_Close(client, bye) == WEBSOCKET_OK;
            if (!closing) break;
        }
    }
    print_stats(client);
    OH_WebSocketClient_Destroy(client);
    WebSocketEx_DispatcherDestroy(dispatcher);
    return closed && close_code == 1000 ? 0 : 1;
}
