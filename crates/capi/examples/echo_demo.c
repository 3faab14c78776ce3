/*
 * echo_demo.c — your first WebSocket client with libnet_websocket.
 *
 * Connects to the URL given on the command line, sends one text and one binary message,
 * prints what the server sends back, closes the connection and exits. Against an echo
 * server the output is:
 *
 *     sent: Hello, WebSocket!
 *     sent: 4 bytes of binary: 00 01 fe ff
 *     received: Hello, WebSocket!
 *     received: 4 bytes of binary: 00 01 fe ff
 *     closed: 1000 done
 *
 * Build and run (from the repository root, after `cargo build --release`):
 *
 *     cc -std=c99 -pthread -I crates/capi/include crates/capi/examples/echo_demo.c \
 *        -L target/release -lnet_websocket -Wl,-rpath,"$PWD/target/release" -o echo_demo
 *     ./echo_demo ws://127.0.0.1:9001/
 *
 * Three things to know about the API (details in net_websocket.h):
 *   1. Calls return at once. The outcome of Connect (and everything the server sends)
 *      arrives later through callbacks, which run on a library thread.
 *   2. Pointers handed to a callback (message data, reasons, error messages) are valid only
 *      during that callback: copy what you want to keep.
 *   3. The standard API has no user-data pointer, so this program shares its state with the
 *      callbacks through globals, protected by a mutex.
 *
 * Exit status: 0 after a clean close, 1 on an error or after 10 seconds without finishing.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime and pthread_cond_timedwait under -std=c99 */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <network/netstack/net_websocket.h>

#define TIMEOUT_SECONDS 10
#define MESSAGES_TO_SEND 2

/* The two messages. Send takes `char *`, so they live in writable arrays. */
static char text_message[] = "Hello, WebSocket!";
static char binary_message[4] = {0x00, 0x01, (char)0xfe, (char)0xff};

/* State shared between main() and the callbacks. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int messages_received;
static int failed;              /* onError arrived */
static char error_message[256]; /* its text, copied */
static int closed;              /* onClose arrived */
static uint32_t close_code;
static char close_reason[128];  /* a close reason is at most 123 bytes */

/* Prints a message: as text when it looks like text, otherwise as hex bytes. The standard
 * API does not say whether a message was text or binary; a NUL byte or a control character
 * is a good enough sign of binary for a demo. */
static void print_message(const char *label, const char *data, size_t length)
{
    size_t i;
    int is_text = 1;

    for (i = 0; i < length; i++) {
        unsigned char c = (unsigned char)data[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') is_text = 0;
    }
    if (is_text) {
        printf("%s: %.*s\n", label, (int)length, data);
        return;
    }
    printf("%s: %zu bytes of binary:", label, length);
    for (i = 0; i < length; i++) printf(" %02x", (unsigned char)data[i]);
    printf("\n");
}

/* Wakes main() after a callback changed the shared state. Call with `lock` held. */
static void notify(void)
{
    pthread_cond_broadcast(&changed);
}

/* The handshake succeeded: send both messages. Calling the API from a callback is fine. */
static void on_open(struct WebSocket *client, WebSocket_OpenResult result)
{
    (void)result; /* result.code is 101, result.reason "Switching Protocols" */

    /* Data without NUL that is valid UTF-8 goes out as a text message... */
    if (OH_WebSocketClient_Send(client, text_message, strlen(text_message)) == WEBSOCKET_OK)
        print_message("sent", text_message, strlen(text_message));
    /* ...anything else (here: bytes with a NUL) as a binary message. */
    if (OH_WebSocketClient_Send(client, binary_message, sizeof binary_message) == WEBSOCKET_OK)
        print_message("sent", binary_message, sizeof binary_message);
}

/* One call per whole message. `data` is only valid until this function returns. */
static void on_message(struct WebSocket *client, char *data, uint32_t length)
{
    (void)client;
    print_message("received", data, length);

    pthread_mutex_lock(&lock);
    messages_received++;
    notify();
    pthread_mutex_unlock(&lock);
}

/* The connection failed (before or after it opened). */
static void on_error(struct WebSocket *client, WebSocket_ErrorResult result)
{
    (void)client;
    pthread_mutex_lock(&lock);
    failed = 1;
    snprintf(error_message, sizeof error_message, "error %u: %s", (unsigned)result.errorCode,
             result.errorMessage ? result.errorMessage : "");
    notify();
    pthread_mutex_unlock(&lock);
}

/* The connection ended; the last callback of a connection. */
static void on_close(struct WebSocket *client, WebSocket_CloseResult result)
{
    (void)client;
    pthread_mutex_lock(&lock);
    closed = 1;
    close_code = result.code;
    snprintf(close_reason, sizeof close_reason, "%s", result.reason ? result.reason : "");
    notify();
    pthread_mutex_unlock(&lock);
}

/* Waits until *flag reaches `target`, the connection fails or ends, or the deadline passes.
 * Returns 1 if *flag reached target. */
static int wait_for(const int *flag, int target, const struct timespec *deadline)
{
    int reached;

    pthread_mutex_lock(&lock);
    while (*flag < target && !failed && !closed) {
        if (pthread_cond_timedwait(&changed, &lock, deadline) == ETIMEDOUT) break;
    }
    reached = *flag >= target;
    pthread_mutex_unlock(&lock);
    return reached;
}

int main(int argc, char **argv)
{
    struct WebSocket *client;
    struct WebSocket_CloseOption done = {1000, "done"};
    struct timespec deadline;
    int ok = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: %s ws://host:port/path\n", argv[0]);
        return 1;
    }

    /* One deadline for the whole session. */
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += TIMEOUT_SECONDS;

    /* 1. Create a client with our four callbacks. */
    client = OH_WebSocketClient_Constructor(on_open, on_message, on_error, on_close);
    if (client == NULL) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }

    /* 2. Start connecting. The headers added with OH_WebSocketClient_AddHeader (none here)
     *    live in client->requestOptions; 0 means "started", not "connected". */
    if (OH_WebSocketClient_Connect(client, argv[1], client->requestOptions) != WEBSOCKET_OK) {
        fprintf(stderr, "invalid URL: %s\n", argv[1]);
        OH_WebSocketClient_Destroy(client);
        return 1;
    }

    /* 3. on_open sends the messages; wait for both echoes. */
    if (wait_for(&messages_received, MESSAGES_TO_SEND, &deadline)) {
        /* 4. Close politely and wait for the server to answer. */
        if (OH_WebSocketClient_Close(client, done) == WEBSOCKET_OK &&
            wait_for(&closed, 1, &deadline)) {
            printf("closed: %u %s\n", (unsigned)close_code, close_reason);
            ok = 1;
        }
    }

    /* 5. Report what went wrong, if anything. */
    pthread_mutex_lock(&lock);
    if (failed)
        fprintf(stderr, "%s\n", error_message);
    else if (!ok && closed)
        fprintf(stderr, "the server closed the connection early: %u %s\n",
                (unsigned)close_code, close_reason);
    else if (!ok)
        fprintf(stderr, "timed out after %d seconds\n", TIMEOUT_SECONDS);
    pthread_mutex_unlock(&lock);

    /* 6. Always destroy the client: it ends the connection and frees everything. No callback
     *    runs after this returns. */
    OH_WebSocketClient_Destroy(client);
    return ok ? 0 : 1;
}
