/*
 * dispatcher_uv.c — a WebSocket client on a libuv loop (net_websocket_ext.h, "Callbacks on
 * your thread"): a uv_poll_t watches the dispatcher's file descriptor, so every callback runs
 * on the loop's thread (where a Node addon may enter JavaScript). It sends the messages given
 * on the command line (three of its own without any), prints what comes back, closes once
 * everything came back, and exits 0 after a clean close (1 otherwise, or after 10 s without
 * one).
 *
 *   cc dispatcher_uv.c $(pkg-config --cflags --libs libuv net_websocket) -o dispatcher_uv
 *   ./dispatcher_uv ws://127.0.0.1:9001/ hello world
 */
#define _POSIX_C_SOURCE 200809L /* uv.h needs POSIX types (pthread_rwlock_t) under -std=c99 */
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include <network/netstack/net_websocket_ext.h>

static uv_poll_t watch;
static uv_timer_t deadline;
static const char *const default_messages[] = {"one from libuv", "two from libuv",
                                               "three from libuv"};
static const char *const *messages = default_messages;
static int message_count = 3, received, opened, closed;
static unsigned close_code;

/* The end, either way: the loop has nothing left to watch and uv_run returns. */
static void stop(void)
{
    static int stopped;
    if (stopped++) return;
    uv_poll_stop(&watch);
    uv_close((uv_handle_t *)&watch, NULL);
    uv_close((uv_handle_t *)&deadline, NULL);
}

static void on_open(struct WebSocket *client, WebSocket_OpenResult result)
{
    int i;
    printf("open: %u %s\n", result.code, result.reason);
    opened = 1;
    for (i = 0; i < message_count; i++)
        WebSocketEx_SendText(client, messages[i], strlen(messages[i]));
}

static void on_message(struct WebSocket *client, char *data, uint32_t length)
{
    printf("received: %.*s\n", (int)length, data);
    if (++received == message_count) {
        WebSocket_CloseOption bye = {1000, "bye"};
        OH_WebSocketClient_Close(client, bye);
    }
}

static void on_error(struct WebSocket *client, WebSocket_ErrorResult result)
{
    (void)client;
    fprintf(stderr, "error: %u %s\n", result.errorCode, result.errorMessage);
    if (!opened) stop(); /* failed before open: no onClose comes */
}

static void on_close(struct WebSocket *client, WebSocket_CloseResult result)
{
    (void)client;
    printf("closed: %u %s\n", result.code, result.reason);
    close_code = result.code;
    closed = 1;
    stop();
}

/* The dispatcher's descriptor is readable: the pending callbacks run here. */
static void on_dispatcher_ready(uv_poll_t *handle, int status, int events)
{
    (void)status;
    (void)events;
    WebSocketEx_DispatcherRun((WebSocketEx_Dispatcher *)handle->data, 0);
}

static void on_deadline(uv_timer_t *timer)
{
    (void)timer;
    fprintf(stderr, "no clean close within 10 s\n");
    stop();
}

int main(int argc, char **argv)
{
    struct WebSocket *client;
    WebSocketEx_Dispatcher *dispatcher;
    uv_loop_t *loop = uv_default_loop();

    if (argc < 2) {
        fprintf(stderr, "usage: %s ws://host:port/path [message...]\n", argv[0]);
        return 2;
    }
    if (argc > 2) {
        messages = (const char *const *)argv + 2;
        message_count = argc - 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    client = OH_WebSocketClient_Constructor(on_open, on_message, on_error, on_close);
    dispatcher = WebSocketEx_DispatcherCreate();
    if (client == NULL || dispatcher == NULL) return 1;
    WebSocketEx_SetDispatcher(client, dispatcher);
    uv_poll_init(loop, &watch, WebSocketEx_DispatcherGetFd(dispatcher));
    watch.data = dispatcher;
    uv_poll_start(&watch, UV_READABLE, on_dispatcher_ready);
    uv_timer_init(loop, &deadline);
    uv_timer_start(&deadline, on_deadline, 10000, 0);
    if (OH_WebSocketClient_Connect(client, argv[1], client->requestOptions) != WEBSOCKET_OK)
        stop();

    uv_run(loop, UV_RUN_DEFAULT);

    OH_WebSocketClient_Destroy(client);
    WebSocketEx_DispatcherDestroy(dispatcher);
    uv_loop_close(loop);
    return closed && close_code == 1000 ? 0 : 1;
}
