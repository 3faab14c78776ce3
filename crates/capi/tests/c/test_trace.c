/*
 * test_trace.c — WebSocketEx_SetTraceCallback (net_websocket_ext.h "Tracing"): the trace
 * callback sees, in order, the events of a wss:// connect through the HTTP test proxy (DNS
 * answer, TCP attempt and success, the tunnel, TLS, the handshake, the open), of an echo (the
 * text frame out and back) and of a close (close frames and codes both ways), with
 * CLOCK_MONOTONIC timestamps that never go back; through a dispatcher the events come on the
 * thread that runs it, in order with onOpen and onClose; without a callback nothing is traced.
 */
#include "common.h"

#include <time.h>

#include <network/netstack/net_websocket_ext.h>

#define MAX_EVENTS 64

typedef struct {
    int kind;
    uint64_t timestamp_us, length;
    uint32_t opcode, flags, code;
    char detail[128];
    int on_main;
} traced;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static traced events[MAX_EVENTS];
static size_t count;
static pthread_t main_thread;
/* Set by the dispatcher test's own callbacks (which run on the main thread). */
static int opened_at = -1, closed_at = -1;

static uint64_t monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void on_trace(struct WebSocket *client, const WebSocketEx_TraceEvent *event, void *user)
{
    (void)client, (void)user;
    pthread_mutex_lock(&lock);
    if (count < MAX_EVENTS && event->size >= sizeof *event) {
        traced *t = &events[count++];
        t->kind = event->kind;
        t->timestamp_us = event->timestampUs;
        t->length = event->length;
        t->opcode = event->opcode;
        t->flags = event->flags;
        t->code = event->code;
        snprintf(t->detail, sizeof t->detail, "%s", event->detail);
        t->on_main = pthread_equal(pthread_self(), main_thread);
    }
    pthread_mutex_unlock(&lock);
}

static void reset(void)
{
    pthread_mutex_lock(&lock);
    count = 0;
    pthread_mutex_unlock(&lock);
}

static size_t traced_count(void)
{
    size_t n;
    pthread_mutex_lock(&lock);
    n = count;
    pthread_mutex_unlock(&lock);
    return n;
}

static void dump(void)
{
    size_t i;
    for (i = 0; i < count; i++)
        fprintf(stderr, "  %zu: kind %d opcode %u length %llu flags %u code %u \"%s\"\n", i,
                events[i].kind, events[i].opcode, (unsigned long long)events[i].length,
                events[i].flags, events[i].code, events[i].detail);
}

/* The events must be exactly `expected` (kinds), in order, with timestamps that never go
 * back and lie between `start` and now. */
static void check_kinds(const int *expected, size_t n, uint64_t start, int line)
{
    size_t i;
    uint64_t now = monotonic_us();
    if (count != n) {
        dump();
        test_fail(__FILE__, line, "%zu trace events, expected %zu", count, n);
    }
    for (i = 0; i < n; i++) {
        if (events[i].kind != expected[i]) {
            dump();
            test_fail(__FILE__, line, "event %zu is kind %d, expected %d", i, events[i].kind,
                      expected[i]);
        }
        CHECK(events[i].timestamp_us >= start && events[i].timestamp_us <= now);
        if (i > 0) CHECK(events[i].timestamp_us >= events[i - 1].timestamp_us);
    }
}

static const traced *nth(int kind, size_t n)
{
    size_t i;
    for (i = 0; i < count; i++)
        if (events[i].kind == kind && n-- == 0) return &events[i];
    test_fail(__FILE__, __LINE__, "no trace event %d", kind);
}

static void test_wss_through_a_proxy(void)
{
    static const int expected[] = {
        WEBSOCKET_EX_TRACE_DNS_ANSWER,     WEBSOCKET_EX_TRACE_TCP_CONNECTING,
        WEBSOCKET_EX_TRACE_TCP_CONNECTED,  WEBSOCKET_EX_TRACE_PROXY_TUNNEL,
        WEBSOCKET_EX_TRACE_TLS,            WEBSOCKET_EX_TRACE_HANDSHAKE,
        WEBSOCKET_EX_TRACE_OPEN,           WEBSOCKET_EX_TRACE_FRAME_SENT,
        WEBSOCKET_EX_TRACE_FRAME_RECEIVED, WEBSOCKET_EX_TRACE_FRAME_SENT,
        WEBSOCKET_EX_TRACE_CLOSE_SENT,     WEBSOCKET_EX_TRACE_FRAME_RECEIVED,
        WEBSOCKET_EX_TRACE_CLOSE_RECEIVED};
    char ca[512], proxy[512];
    const char *proxy_addr = test_env("WS_HTTP_PROXY");
    const traced *t;
    uint64_t start = monotonic_us();
    struct WebSocket *c = rec_client();
    pki_path(ca, sizeof ca, "ca.pem");
    snprintf(proxy, sizeof proxy, "http://%s", proxy_addr);
    CHECK_EQ(WebSocketEx_SetCAFile(c, ca), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetProxy(c, proxy), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetTraceCallback(c, on_trace), WEBSOCKET_OK);
    reset();
    CONNECT_OPEN(c, test_env("WS_TLS_URL"));
    CHECK_ECHO(c, "hello");
    CLOSE_WAIT(c, 1000, "bye");
    rec_check_sequence(c, 1);
    /* The end was reported: nothing more is traced for this connection. */
    sleep_ms(50);
    pthread_mutex_lock(&lock);
    check_kinds(expected, sizeof expected / sizeof expected[0], start, __LINE__);
    /* The proxy, as resolved and connected to. */
    t = nth(WEBSOCKET_EX_TRACE_DNS_ANSWER, 0);
    CHECK_EQ(t->length, 1);
    CHECK_CONTAINS(t->detail, "127.0.0.1");
    CHECK_CONTAINS(proxy_addr, nth(WEBSOCKET_EX_TRACE_TCP_CONNECTED, 0)->detail);
    CHECK_CONTAINS(nth(WEBSOCKET_EX_TRACE_PROXY_TUNNEL, 0)->detail, proxy_addr);
    t = nth(WEBSOCKET_EX_TRACE_TLS, 0);
    CHECK(t->code == 0x0304 || t->code == 0x0303);
    CHECK_CONTAINS(t->detail, "TLSv1_");
    CHECK_EQ(nth(WEBSOCKET_EX_TRACE_HANDSHAKE, 0)->code, 101);
    CHECK_EQ(nth(WEBSOCKET_EX_TRACE_OPEN, 0)->detail[0], '\0');
    /* The echo: a text frame of 5 bytes each way, FIN set, nothing of the payload. */
    t = nth(WEBSOCKET_EX_TRACE_FRAME_SENT, 0);
    CHECK_EQ(t->opcode, 1);
    CHECK_EQ(t->length, 5);
    CHECK_EQ(t->flags, WEBSOCKET_EX_TRACE_FIN);
    CHECK_EQ(t->detail[0], '\0');
    t = nth(WEBSOCKET_EX_TRACE_FRAME_RECEIVED, 0);
    CHECK_EQ(t->opcode, 1);
    CHECK_EQ(t->length, 5);
    CHECK_EQ(t->flags, WEBSOCKET_EX_TRACE_FIN);
    /* The close: 1000 "bye" out (2 + 3 bytes), the server's 1000 back. */
    t = nth(WEBSOCKET_EX_TRACE_FRAME_SENT, 1);
    CHECK_EQ(t->opcode, 8);
    CHECK_EQ(t->length, 5);
    CHECK_EQ(nth(WEBSOCKET_EX_TRACE_CLOSE_SENT, 0)->code, 1000);
    CHECK_EQ(nth(WEBSOCKET_EX_TRACE_FRAME_RECEIVED, 1)->opcode, 8);
    CHECK_EQ(nth(WEBSOCKET_EX_TRACE_CLOSE_RECEIVED, 0)->code, 1000);
    pthread_mutex_unlock(&lock);

    /* Without the callback, the next connection is not traced. */
    CHECK_EQ(WebSocketEx_SetTraceCallback(c, NULL), WEBSOCKET_OK);
    reset();
    rec_forget(c);
    CONNECT_OPEN(c, test_env("WS_TLS_URL"));
    CHECK_ECHO(c, "untraced");
    CLOSE_WAIT(c, 1000, "bye");
    CHECK_EQ(traced_count(), 0);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void d_on_open(struct WebSocket *client, WebSocket_OpenResult result)
{
    (void)client, (void)result;
    opened_at = (int)count;
}

static void d_on_message(struct WebSocket *client, char *data, uint32_t length)
{
    (void)client, (void)data, (void)length;
}

static void d_on_error(struct WebSocket *client, WebSocket_ErrorResult result)
{
    (void)client;
    fprintf(stderr, "error: %u %s\n", result.errorCode, result.errorMessage);
}

static void d_on_close(struct WebSocket *client, WebSocket_CloseResult result)
{
    (void)client, (void)result;
    closed_at = (int)count;
}

/* Through a dispatcher: every event on the thread that runs it, OPEN right before onOpen. */
static void test_through_a_dispatcher(void)
{
    static const int expected[] = {
        WEBSOCKET_EX_TRACE_DNS_ANSWER,     WEBSOCKET_EX_TRACE_TCP_CONNECTING,
        WEBSOCKET_EX_TRACE_TCP_CONNECTED,  WEBSOCKET_EX_TRACE_HANDSHAKE,
        WEBSOCKET_EX_TRACE_OPEN,           WEBSOCKET_EX_TRACE_FRAME_SENT,
        WEBSOCKET_EX_TRACE_FRAME_RECEIVED, WEBSOCKET_EX_TRACE_FRAME_SENT,
        WEBSOCKET_EX_TRACE_CLOSE_SENT,     WEBSOCKET_EX_TRACE_FRAME_RECEIVED,
        WEBSOCKET_EX_TRACE_CLOSE_RECEIVED};
    uint64_t start = monotonic_us();
    WebSocketEx_Dispatcher *d = WebSocketEx_DispatcherCreate();
    struct WebSocket *c = OH_WebSocketClient_Constructor(d_on_open, d_on_message, d_on_error,
                                                         d_on_close);
    long long deadline = now_ms() + scaled_ms(10000);
    size_t i;
    int closing = 0;
    CHECK(d != NULL && c != NULL);
    CHECK_EQ(WebSocketEx_SetDispatcher(c, d), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetTraceCallback(c, on_trace), WEBSOCKET_OK);
    reset();
    CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url("/"), c->requestOptions), WEBSOCKET_OK);
    while (closed_at < 0 && now_ms() < deadline) {
        WebSocketEx_DispatcherWait(d, 50);
        WebSocketEx_DispatcherRun(d, 0);
        if (opened_at >= 0 && !closing) {
            /* Once the echo came back (its frame traced), close. */
            if (traced_count() >= 7) {
                CHECK_EQ(OH_WebSocketClient_Close(c, close_option(1000, "bye")), WEBSOCKET_OK);
                closing = 1;
            } else if (traced_count() == 5) {
                CHECK_EQ(WebSocketEx_SendText(c, "hello", 5), WEBSOCKET_OK);
                while (traced_count() == 5 && now_ms() < deadline) {
                    WebSocketEx_DispatcherWait(d, 50);
                    WebSocketEx_DispatcherRun(d, 0);
                }
            }
        }
    }
    CHECK_MSG(closed_at >= 0, "no onClose");
    check_kinds(expected, sizeof expected / sizeof expected[0], start, __LINE__);
    for (i = 0; i < count; i++) CHECK_MSG(events[i].on_main, "event %zu off the main thread", i);
    CHECK_EQ(opened_at, 5); /* right after the OPEN event */
    CHECK_EQ(closed_at, (int)(sizeof expected / sizeof expected[0]));
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_DispatcherDestroy(d), WEBSOCKET_OK);
}

int main(void)
{
    test_init();
    main_thread = pthread_self();
    test_wss_through_a_proxy();
    test_through_a_dispatcher();
    rec_reset();
    printf("test_trace: ok\n");
    return 0;
}
