/*
 * roundtrip.c — a C99 program built against an installed libnet_websocket (found through
 * pkg-config or CMake, see scripts/install-test.sh).
 *
 * usage: roundtrip ws://HOST:PORT/PATH
 *
 * Against an echo server: connects, sends one text message, waits for it to come back,
 * closes with 1000 and waits for onClose. Each wait is bounded (10 s). Prints
 * "roundtrip: ok" and exits 0 when everything happened as expected, 1 otherwise.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime and pthread_cond_timedwait under -std=c99 */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <network/netstack/net_websocket.h>
#include <network/netstack/net_websocket_ext.h>

#define TIMEOUT_SECONDS 10

static char message[] = "Hello from an installed libnet_websocket";

/* State shared with the callbacks (they run on library threads). */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int opened, echoed, failed, closed;
static uint32_t open_code, close_code;
static char error_message[256];

static void on_open(struct WebSocket *client, WebSocket_OpenResult result)
{
    (void)client;
    pthread_mutex_lock(&lock);
    opened = 1;
    open_code = result.code;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
}

static void on_message(struct WebSocket *client, char *data, uint32_t length)
{
    (void)client;
    pthread_mutex_lock(&lock);
    if (length == strlen(message) && memcmp(data, message, length) == 0 && data[length] == 0) {
        echoed = 1;
    }
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
}

static void on_error(struct WebSocket *client, WebSocket_ErrorResult result)
{
    (void)client;
    pthread_mutex_lock(&lock);
    failed = 1;
    snprintf(error_message, sizeof error_message, "%u %s", result.errorCode,
        result.errorMessage ? result.errorMessage : "(null)");
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
}

static void on_close(struct WebSocket *client, WebSocket_CloseResult result)
{
    (void)client;
    pthread_mutex_lock(&lock);
    closed = 1;
    close_code = result.code;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
}

/* Waits until *flag is set or an error arrived, at most TIMEOUT_SECONDS; returns *flag. */
static int wait_for(const int *flag, const char *what)
{
    struct timespec deadline;
    int rc = 0, value;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += TIMEOUT_SECONDS;
    pthread_mutex_lock(&lock);
    while (!*flag && !failed && rc != ETIMEDOUT) {
        rc = pthread_cond_timedwait(&changed, &lock, &deadline);
    }
    value = *flag;
    if (!value) {
        if (failed) {
            fprintf(stderr, "roundtrip: onError while waiting for %s: %s\n", what, error_message);
        } else {
            fprintf(stderr, "roundtrip: no %s within %d s\n", what, TIMEOUT_SECONDS);
        }
    }
    pthread_mutex_unlock(&lock);
    return value;
}

#define CHECK(expr)                                                    \
    do {                                                               \
        if (!(expr)) {                                                 \
            fprintf(stderr, "roundtrip: %s failed (line %d)\n", #expr, __LINE__); \
            return 1;                                                  \
        }                                                              \
    } while (0)

int main(int argc, char **argv)
{
    struct WebSocket *client;
    struct WebSocket_Header header = {"X-Install-Test", "c99", NULL};
    struct WebSocket_CloseOption bye = {1000, "done"};

    if (argc != 2) {
        fprintf(stderr, "usage: %s ws://HOST:PORT/PATH\n", argv[0]);
        return 2;
    }
    client = OH_WebSocketClient_Constructor(on_open, on_message, on_error, on_close);
    CHECK(client != NULL);
    /* Straight to the server, whatever proxy the environment names. */
    CHECK(WebSocketEx_SetProxy(client, WEBSOCKET_EX_NO_PROXY) == WEBSOCKET_OK);
    CHECK(OH_WebSocketClient_AddHeader(client, header) == WEBSOCKET_OK);
    CHECK(OH_WebSocketClient_Connect(client, argv[1], client->requestOptions) == WEBSOCKET_OK);
    CHECK(wait_for(&opened, "onOpen"));
    CHECK(open_code == 101);
    CHECK(OH_WebSocketClient_Send(client, message, strlen(message)) == WEBSOCKET_OK);
    CHECK(wait_for(&echoed, "the echo"));
    CHECK(OH_WebSocketClient_Close(client, bye) == WEBSOCKET_OK);
    CHECK(wait_for(&closed, "onClose"));
    CHECK(close_code == 1000);
    CHECK(OH_WebSocketClient_Destroy(client) == WEBSOCKET_OK);
    printf("roundtrip: ok\n");
    return 0;
}
