/*
 * dispatcher_poll.c — a WebSocket client in one thread: a poll() loop over standard input and
 * a dispatcher's file descriptor (net_websocket_ext.h, "Callbacks on your thread"). Every
 * line read from standard input is sent as a text message and every message received is
 * printed, all on this thread: the callbacks run inside WebSocketEx_DispatcherRun, called by
 * the loop when the descriptor is readable. At the end of the input, once every line came
 * back, the client closes; the program exits 0 after a clean close (1 otherwise, or after
 * 10 s without one).
 *
 *   cc -std=c99 dispatcher_poll.c $(pkg-config --cflags --libs net_websocket) -o dispatcher_poll
 *   printf 'hello\nworld\n' | ./dispatcher_poll ws://127.0.0.1:9001/
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <network/netstack/net_websocket_ext.h>

/* Only this thread touches these: the callbacks run inside the loop below. */
static int opened, closed, failed;
static unsigned close_code;
static long sent, received;

static void on_open(struct WebSocket *client, WebSocket_OpenResult result)
{
    (void)client;
    printf("open: %u %s\n", result.code, result.reason);
    opened = 1;
}

static void on_message(struct WebSocket *client, char *data, uint32_t length)
{
    (void)client;
    printf("received: %.*s\n", (int)length, data);
    received++;
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

/* Sends the complete lines at the start of buf (length *used) and keeps the rest there; with
 * flush, the rest too. */
static void send_lines(struct WebSocket *client, char *buf, size_t *used, int flush)
{
    size_t start = 0, i;
    for (i = 0; i < *used; i++) {
        if (buf[i] != '\n') continue;
        if (OH_WebSocketClient_Send(client, buf + start, i - start) == WEBSOCKET_OK && i > start)
            sent++; /* an empty line sends nothing */
        start = i + 1;
    }
    if (flush && start < *used) {
        if (OH_WebSocketClient_Send(client, buf + start, *used - start) == WEBSOCKET_OK) sent++;
        start = *used;
    }
    memmove(buf, buf + start, *used - start);
    *used -= start;
}

int main(int argc, char **argv)
{
    struct WebSocket *client;
    WebSocketEx_Dispatcher *dispatcher;
    struct pollfd fds[2];
    char line[4096];
    size_t used = 0;
    int input_open = 1, closing = 0, rc;
    long long deadline = now_ms() + 10000;

    if (argc != 2) {
        fprintf(stderr, "usage: %s ws://host:port/path < lines\n", argv[0]);
        return 2;
    }
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

    fds[0].fd = WebSocketEx_DispatcherGetFd(dispatcher);
    fds[0].events = POLLIN;
    fds[1].events = POLLIN;
    while (!closed && !(failed && !opened) && now_ms() < deadline) {
        /* Standard input only once open, until its end. */
        fds[1].fd = opened && input_open ? STDIN_FILENO : -1;
        if (poll(fds, 2, (int)(deadline - now_ms())) < 0 && errno != EINTR) break;
        if (fds[0].revents & POLLIN) WebSocketEx_DispatcherRun(dispatcher, 0); /* callbacks */
        if (fds[1].fd >= 0 && (fds[1].revents & (POLLIN | POLLHUP))) {
            ssize_t n = read(STDIN_FILENO, line + used, sizeof line - used);
            if (n > 0) used += (size_t)n;
            else if (n == 0 || errno != EINTR) input_open = 0;
            /* A line longer than the buffer goes in pieces. */
            send_lines(client, line, &used, !input_open || used == sizeof line);
        }
        if (!input_open && received >= sent && !closing) {
            WebSocket_CloseOption bye = {1000, "bye"};
            closing = OH_WebSocketClient_Close(client, bye) == WEBSOCKET_OK;
            if (!closing) break;
        }
    }
    OH_WebSocketClient_Destroy(client);
    WebSocketEx_DispatcherDestroy(dispatcher);
    return closed && close_code == 1000 ? 0 : 1;
}
