/*
 * test_resources.c — nothing accumulates over many connections and clients. Against the echo
 * server ($WS_ECHO_URL):
 *   1. 1,000 connect / echo / close cycles on one client (Connect, onOpen, one echo, Close,
 *      onClose; then Connect again);
 *   2. 10,000 Constructor / Destroy cycles (every fourth client with a header added);
 *   3. 1,000 clients destroyed while open (Constructor, Connect, onOpen, Destroy).
 * The process's RSS (VmRSS), open file descriptors (/proc/self/fd) and threads (Threads of
 * /proc/self/status) are measured after a warm-up (a tenth of each part) and after each part,
 * and must stay within RSS +4 MiB, fds +4 and threads +2 of the warm-up's figures: a leak of
 * even 1 KiB or one socket per cycle would exceed them many times over, while allocator
 * caches and the runtime's blocking pool (a thread or two that come and go) stay inside.
 * Under valgrind (WS_TEST_TIMEOUT_SCALE > 1) the counts are the same (the cycles are quick
 * enough), the warm-up is three times longer, to fill valgrind's 20 MB queue of freed blocks
 * (--freelist-vol), and the RSS margin is 16 MiB: valgrind's allocator does not reuse freed
 * memory as glibc does, and its RSS grows by up to about 12 MiB over the destroy-while-open
 * cycles before it levels off (measured: +8.7, +11.3, +11.7, +11.9 MiB after four rounds of
 * 1,000), where the plain run stays within a few dozen KiB. The plain run's 4 MiB is the
 * real RSS check; valgrind's leak check and the fd and thread margins hold in both.
 */
#include "common.h"

#include <network/netstack/net_websocket_ext.h>

#include <time.h>

#define RSS_MARGIN_KIB 4096L
#define VALGRIND_RSS_MARGIN_KIB 16384L
#define FD_MARGIN 4L
#define THREAD_MARGIN 2L

typedef struct usage {
    long rss_kib, fds, threads;
} usage;

/* The warm-up is a tenth of each part, times this (3 under valgrind). */
static int warm_up = 1;

static usage measure(void)
{
    usage u;
    u.rss_kib = proc_status("VmRSS");
    u.fds = open_fds();
    u.threads = proc_status("Threads");
    return u;
}

static long long part_started;

static void check_flat(const char *after, usage base, long rss_margin)
{
    usage now = measure();
    printf("after %-36s RSS %6ld KiB (%+5ld), fds %3ld (%+ld), threads %2ld (%+ld), %5lld ms\n",
           after, now.rss_kib, now.rss_kib - base.rss_kib, now.fds, now.fds - base.fds,
           now.threads, now.threads - base.threads, now_ms() - part_started);
    part_started = now_ms();
    CHECK_MSG(now.rss_kib - base.rss_kib <= rss_margin,
              "RSS grew by %ld KiB after %s (margin %ld KiB)", now.rss_kib - base.rss_kib, after,
              rss_margin);
    CHECK_MSG(now.fds - base.fds <= FD_MARGIN, "%ld more open fds after %s (margin %ld)",
              now.fds - base.fds, after, FD_MARGIN);
    CHECK_MSG(now.threads - base.threads <= THREAD_MARGIN,
              "%ld more threads after %s (margin %ld)", now.threads - base.threads, after,
              THREAD_MARGIN);
}

/* ---- callbacks that count and wake the waiting thread at once (polling every few ms would
 * make the 1,000 cycles take seconds) ---------------------------------------------------- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static long opens, messages, errors, closes;
static uint32_t last_close;
static char last_message[64];

static void bump(long *counter)
{
    pthread_mutex_lock(&lock);
    (*counter)++;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
}

static void on_open(struct WebSocket *client, WebSocket_OpenResult result)
{
    (void)client;
    (void)result;
    bump(&opens);
}

static void on_message(struct WebSocket *client, char *data, uint32_t length)
{
    (void)client;
    pthread_mutex_lock(&lock);
    snprintf(last_message, sizeof last_message, "%.*s", (int)length, data);
    pthread_mutex_unlock(&lock);
    bump(&messages);
}

static void on_error(struct WebSocket *client, WebSocket_ErrorResult result)
{
    (void)client;
    (void)result;
    bump(&errors);
}

static void on_close(struct WebSocket *client, WebSocket_CloseResult result)
{
    (void)client;
    pthread_mutex_lock(&lock);
    last_close = result.code;
    pthread_mutex_unlock(&lock);
    bump(&closes);
}

/* Waits (10 s, scaled) until *counter reaches n; exits naming what did not come. */
static void wait_for(const long *counter, long n, const char *what, int line)
{
    struct timespec until;
    long ms = scaled_ms(10000);
    int timed_out = 0;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    pthread_mutex_lock(&lock);
    while (*counter < n && !timed_out)
        timed_out = pthread_cond_timedwait(&changed, &lock, &until) != 0;
    pthread_mutex_unlock(&lock);
    if (timed_out && *counter < n)
        test_fail(__FILE__, line, "no %s within %ld ms (opens %ld, messages %ld, errors %ld, "
                  "closes %ld)", what, ms, opens, messages, errors, closes);
}

static long get(const long *counter)
{
    long v;
    pthread_mutex_lock(&lock);
    v = *counter;
    pthread_mutex_unlock(&lock);
    return v;
}

static struct WebSocket *new_client(void)
{
    struct WebSocket *c = OH_WebSocketClient_Constructor(on_open, on_message, on_error, on_close);
    CHECK(c != NULL);
    return c;
}

/* ---- the cycles ---------------------------------------------------------------------------- */

/* Connect, open, echo, close on one client, n times. */
static void connect_close_cycles(struct WebSocket *c, int n)
{
    int i;
    char text[32];
    for (i = 0; i < n; i++) {
        long o = get(&opens), m = get(&messages), cl = get(&closes);
        CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url("/"), no_headers()), WEBSOCKET_OK);
        wait_for(&opens, o + 1, "onOpen", __LINE__);
        snprintf(text, sizeof text, "cycle %d", i);
        CHECK_EQ(OH_WebSocketClient_Send(c, text, strlen(text)), WEBSOCKET_OK);
        wait_for(&messages, m + 1, "echo", __LINE__);
        pthread_mutex_lock(&lock);
        CHECK_MSG(strcmp(last_message, text) == 0, "echo \"%s\", sent \"%s\"", last_message,
                  text);
        pthread_mutex_unlock(&lock);
        CHECK_EQ(OH_WebSocketClient_Close(c, close_option(1000, "cycle")), WEBSOCKET_OK);
        wait_for(&closes, cl + 1, "onClose", __LINE__);
        CHECK_EQ(last_close, 1000);
        CHECK_EQ(OH_WebSocketClient_Send(c, text, strlen(text)), WEBSOCKET_NO_CONNECTION);
    }
    CHECK_EQ(get(&errors), 0);
}

static void constructor_destroy_cycles(int n)
{
    int i;
    for (i = 0; i < n; i++) {
        struct WebSocket *c = new_client();
        CHECK(c->requestOptions.headers == NULL);
        if (i % 4 == 0) CHECK_EQ(OH_WebSocketClient_AddHeader(c, header("X-Cycle", "yes")), 0);
        CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_NO_CONNECTION_CONTEXT);
        CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_CLIENT_NOT_CREATED);
    }
}

/* Constructor, Connect, onOpen, Destroy while open, n times: no callback follows. */
static void destroy_open_cycles(int n)
{
    int i;
    for (i = 0; i < n; i++) {
        struct WebSocket *c = new_client();
        long o = get(&opens);
        CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url("/"), no_headers()), WEBSOCKET_OK);
        wait_for(&opens, o + 1, "onOpen", __LINE__);
        CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
    }
    CHECK_EQ(get(&errors), 0);
}

int main(void)
{
    struct WebSocket *c;
    usage base;
    long rss_margin = RSS_MARGIN_KIB;
    long long started = now_ms();
    char what[64];

    test_init();
    if (scaled_ms(1) > 1) {
        warm_up = 3;
        rss_margin = VALGRIND_RSS_MARGIN_KIB;
    }
    c = new_client();

    /* Warm-up: a tenth of each part. */
    connect_close_cycles(c, 100 * warm_up);
    constructor_destroy_cycles(1000 * warm_up);
    destroy_open_cycles(100 * warm_up);
    base = measure();
    part_started = now_ms();
    printf("after the warm-up                                 RSS %6ld KiB, fds %3ld, "
           "threads %2ld (%lld ms)\n", base.rss_kib, base.fds, base.threads, now_ms() - started);

    snprintf(what, sizeof what, "%d connect/close cycles", 1000);
    connect_close_cycles(c, 1000);
    check_flat(what, base, rss_margin);

    snprintf(what, sizeof what, "%d Constructor/Destroy cycles", 10000);
    constructor_destroy_cycles(10000);
    check_flat(what, base, rss_margin);

    snprintf(what, sizeof what, "%d clients destroyed while open", 1000);
    destroy_open_cycles(1000);
    check_flat(what, base, rss_margin);

    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
    /* Nothing came for the clients destroyed while open. */
    CHECK_EQ(get(&closes), 100 * warm_up + 1000);
    CHECK_EQ(get(&errors), 0);
    printf("test_resources: passed in %lld ms\n", now_ms() - started);
    return 0;
}
