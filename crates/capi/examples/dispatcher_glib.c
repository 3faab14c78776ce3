/*
 * dispatcher_glib.c — a WebSocket client on a GLib main loop (net_websocket_ext.h, "Callbacks
 * on your thread"): the dispatcher's file descriptor is a source of the loop
 * (g_unix_fd_add), so every callback runs on the loop's thread, where a GTK program may touch
 * its widgets. It sends the messages given on the command line (three of its own without
 * any), prints what comes back, closes once everything came back, and exits 0 after a clean
 * close (1 otherwise, or after 10 s without one).
 *
 *   cc dispatcher_glib.c $(pkg-config --cflags --libs glib-2.0 net_websocket) -o dispatcher_glib
 *   ./dispatcher_glib ws://127.0.0.1:9001/ hello world
 */
#include <glib-unix.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include <network/netstack/net_websocket_ext.h>

static GMainLoop *loop;
static const char *const default_messages[] = {"one from GLib", "two from GLib",
                                               "three from GLib"};
static const char *const *messages = default_messages;
static int message_count = 3, received;
static unsigned close_code;
static int opened, closed;

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
    if (!opened) g_main_loop_quit(loop); /* failed before open: no onClose comes */
}

static void on_close(struct WebSocket *client, WebSocket_CloseResult result)
{
    (void)client;
    printf("closed: %u %s\n", result.code, result.reason);
    close_code = result.code;
    closed = 1;
    g_main_loop_quit(loop);
}

/* The dispatcher's descriptor is readable: the pending callbacks run here. */
static gboolean on_dispatcher_ready(gint fd, GIOCondition condition, gpointer dispatcher)
{
    (void)fd;
    (void)condition;
    WebSocketEx_DispatcherRun((WebSocketEx_Dispatcher *)dispatcher, 0);
    return G_SOURCE_CONTINUE;
}

static gboolean on_deadline(gpointer data)
{
    (void)data;
    fprintf(stderr, "no clean close within 10 s\n");
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
}

int main(int argc, char **argv)
{
    struct WebSocket *client;
    WebSocketEx_Dispatcher *dispatcher;
    guint watch, deadline;

    if (argc < 2) {
        fprintf(stderr, "usage: %s ws://host:port/path [message...]\n", argv[0]);
        return 2;
    }
    if (argc > 2) {
        messages = (const char *const *)argv + 2;
        message_count = argc - 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    loop = g_main_loop_new(NULL, FALSE);
    client = OH_WebSocketClient_Constructor(on_open, on_message, on_error, on_close);
    dispatcher = WebSocketEx_DispatcherCreate();
    if (client == NULL || dispatcher == NULL) return 1;
    WebSocketEx_SetDispatcher(client, dispatcher);
    watch = g_unix_fd_add(WebSocketEx_DispatcherGetFd(dispatcher), G_IO_IN,
                          on_dispatcher_ready, dispatcher);
    deadline = g_timeout_add_seconds(10, on_deadline, NULL);
    if (OH_WebSocketClient_Connect(client, argv[1], client->requestOptions) != WEBSOCKET_OK)
        return 1;

    g_main_loop_run(loop);

    g_source_remove(watch);
    if (g_main_context_find_source_by_id(NULL, deadline) != NULL) g_source_remove(deadline);
    OH_WebSocketClient_Destroy(client);
    WebSocketEx_DispatcherDestroy(dispatcher);
    g_main_loop_unref(loop);
    return closed && close_code == 1000 ? 0 : 1;
}
