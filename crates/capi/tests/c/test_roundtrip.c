/*
 * test_roundtrip.c — messages survive a round trip through the echo server byte for byte
 * (SPEC §3 Send, §4 onOpen/onMessage/onClose, §5 length encodings): text and binary at the
 * frame-length boundaries 1, 125, 126, 65535, 65536 and the 4 MiB send maximum; Send of 0
 * bytes sends nothing; data[length] == 0 in onMessage; Close → exactly one onClose; Send
 * after Close → 1017; a second Connect on the same client after onClose works. Also: Send
 * while connecting is queued; the URL forms http://, no scheme, host name and IPv6 literal;
 * with the extension header, the frame type chosen by Send and 0-byte messages.
 */
#include "common.h"

#include <string.h>

#if defined(__has_include)
#if __has_include(<network/netstack/net_websocket_ext.h>)
#include <network/netstack/net_websocket_ext.h>
#define HAVE_EXT_HEADER 1
#endif
#endif

#define MIB (1024u * 1024u)

struct message {
    char *data;
    size_t length;
    const char *what;
};

/* Valid UTF-8 without NUL of exactly `length` bytes, cycling through 1- to 4-byte sequences. */
static char *make_text(size_t length)
{
    static const char *const pieces[] = {"a", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
                                          "Z"};
    char *s = (char *)malloc(length + 1);
    size_t at = 0, i = 0;
    CHECK(s != NULL);
    while (at < length) {
        const char *p = pieces[i++ % 5];
        size_t n = strlen(p);
        if (n > length - at) { /* no room for this sequence: pad with ASCII */
            p = "x";
            n = 1;
        }
        memcpy(s + at, p, n);
        at += n;
    }
    s[length] = '\0';
    return s;
}

/* Bytes with NULs and invalid UTF-8 (0x00 at 0, 0xFF in the middle). */
static char *make_binary(size_t length)
{
    char *s = (char *)malloc(length + 1);
    size_t i;
    CHECK(s != NULL);
    for (i = 0; i < length; i++) s[i] = (char)(unsigned char)(i % 251);
    if (length > 1) s[length / 2] = (char)0xFF;
    s[length] = '\0';
    return s;
}

/* No NUL, but not UTF-8 either (continuation bytes without a lead): must go out as binary,
 * or the echo server would fail the connection with 1007. */
static char *make_invalid_utf8(size_t length)
{
    char *s = (char *)malloc(length + 1);
    size_t i;
    CHECK(s != NULL);
    for (i = 0; i < length; i++) s[i] = (char)(unsigned char)(0x80 + i % 0x40);
    s[length] = '\0';
    return s;
}

static void send_all_and_compare(struct WebSocket *c, struct message *msgs, size_t count)
{
    size_t first = rec_count(c, EV_MESSAGE), i;
    char empty[] = "not sent";

    for (i = 0; i < count; i++) {
        int rc = OH_WebSocketClient_Send(c, msgs[i].data, msgs[i].length);
        CHECK_MSG(rc == WEBSOCKET_OK, "Send(%s, %zu bytes) returned %d", msgs[i].what,
                  msgs[i].length, rc);
        /* A 0-byte Send between the real ones: returns 0 and sends nothing. */
        CHECK_EQ(OH_WebSocketClient_Send(c, empty, 0), WEBSOCKET_OK);
    }
    WAIT_FOR(c, EV_MESSAGE, first + count, 30000);
    for (i = 0; i < count; i++) {
        const rec_event *ev = rec_nth(c, EV_MESSAGE, first + i);
        CHECK_MSG(ev->length == msgs[i].length, "%s of %zu bytes came back with %zu bytes",
                  msgs[i].what, msgs[i].length, ev->length);
        CHECK_MSG(memcmp(ev->text, msgs[i].data, ev->length) == 0,
                  "%s of %zu bytes came back with different bytes", msgs[i].what,
                  msgs[i].length);
        CHECK_MSG(ev->terminated, "onMessage data[length] != 0 (%s of %zu bytes)", msgs[i].what,
                  msgs[i].length);
    }
    /* Nothing for the 0-byte Sends. */
    CHECK_QUIET(c, 300);
    CHECK_EQ(rec_count(c, EV_MESSAGE), first + count);
    CHECK_EQ(rec_count(c, EV_ERROR), 0);
}

static void free_messages(struct message *msgs, size_t count)
{
    size_t i;
    for (i = 0; i < count; i++) free(msgs[i].data);
}

static void test_boundaries(struct WebSocket *c)
{
    static const size_t sizes[] = {1, 125, 126, 65535, 65536, 4 * MIB};
    struct message msgs[2 * (sizeof sizes / sizeof sizes[0]) + 3];
    size_t n = 0, i;

    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        msgs[n].data = make_text(sizes[i]);
        msgs[n].length = sizes[i];
        msgs[n++].what = "text";
        msgs[n].data = make_binary(sizes[i]);
        msgs[n].length = sizes[i];
        msgs[n++].what = "binary";
    }
    msgs[n].data = make_invalid_utf8(200);
    msgs[n].length = 200;
    msgs[n++].what = "invalid UTF-8 without NUL";
    msgs[n].data = make_invalid_utf8(1);
    msgs[n].length = 1;
    msgs[n++].what = "a lone continuation byte";
    msgs[n].data = make_binary(1);
    msgs[n].length = 1;
    msgs[n++].what = "a single NUL byte";

    send_all_and_compare(c, msgs, n);
    free_messages(msgs, n);
}

/* Messages sent while connecting are queued and sent after open, in order (SPEC §3 Send). */
static void test_send_while_connecting(void)
{
    static const char *const queued[] = {"queued 1", "queued 2", "queued 3"};
    struct WebSocket *c = rec_client();
    char buf[16];
    size_t i;

    CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url("/queued"), no_headers()), WEBSOCKET_OK);
    for (i = 0; i < 3; i++) {
        strcpy(buf, queued[i]);
        CHECK_EQ(OH_WebSocketClient_Send(c, buf, strlen(buf)), WEBSOCKET_OK);
    }
    WAIT_FOR(c, EV_MESSAGE, 3, 5000);
    for (i = 0; i < 3; i++)
        CHECK_MSG(strcmp(rec_nth(c, EV_MESSAGE, i)->text, queued[i]) == 0,
                  "message %zu is \"%s\", expected \"%s\"", i, rec_nth(c, EV_MESSAGE, i)->text,
                  queued[i]);
    CLOSE_WAIT(c, 1000, "bye");
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* The URL forms of SPEC §3 Connect that reach the echo server: http:// means ws://, no scheme
 * means ws://, a host name is resolved; an IPv6 literal parses (nothing listens there). */
static void test_url_forms(void)
{
    const char *base = echo_url("");
    const char *host_port = strstr(base, "://") + 3;
    const char *port = strrchr(host_port, ':') + 1;
    char url[256];
    struct WebSocket *c = rec_client();
    const rec_event *ev;
    int rc;

    snprintf(url, sizeof url, "http://%s/http-scheme", host_port);
    CONNECT_OPEN(c, url);
    CHECK_ECHO(c, url);
    CLOSE_WAIT(c, 1000, "bye");

    snprintf(url, sizeof url, "%s/no-scheme?query=kept", host_port);
    CONNECT_OPEN(c, url);
    CHECK_ECHO(c, url);
    CLOSE_WAIT(c, 1000, "bye");

    snprintf(url, sizeof url, "ws://localhost:%s/host-name", port);
    CONNECT_OPEN(c, url);
    CHECK_ECHO(c, url);
    CLOSE_WAIT(c, 1000, "bye");
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);

    /* The echo server listens on 127.0.0.1 only: the attempt on ::1 fails through onError. */
    c = rec_client();
    snprintf(url, sizeof url, "ws://[::1]:%s/ipv6", port);
    rc = OH_WebSocketClient_Connect(c, url, no_headers());
    CHECK_MSG(rc == WEBSOCKET_OK, "Connect(%s) returned %d, expected 0", url, rc);
    WAIT_FOR(c, EV_OPEN | EV_ERROR, 1, 5000);
    ev = rec_nth(c, EV_OPEN | EV_ERROR, 0);
    CHECK_MSG(ev->type == EV_OPEN || ev->code == WEBSOCKET_CONNECTION_ERROR,
              "Connect(%s) ended with onError(%u, \"%s\"), expected 1003", url,
              (unsigned)ev->code, ev->text);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

#ifdef HAVE_EXT_HEADER
/* The frame type the server echoed, seen through the extension's typed message callback. */
static int types[3];
static size_t types_seen;
static pthread_mutex_t types_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_typed_message(struct WebSocket *client, const char *data, size_t length,
                             WebSocketEx_MessageType type, void *user_data)
{
    (void)client;
    (void)data;
    (void)length;
    (void)user_data;
    pthread_mutex_lock(&types_lock);
    if (types_seen < 3) types[types_seen] = (int)type;
    types_seen++;
    pthread_mutex_unlock(&types_lock);
}

static size_t types_count(void)
{
    size_t n;
    pthread_mutex_lock(&types_lock);
    n = types_seen;
    pthread_mutex_unlock(&types_lock);
    return n;
}

/* Valid UTF-8 without NUL goes out as text, anything else as binary (SPEC §3 Send). */
static void test_frame_types(void)
{
    char text[] = "h\xc3\xa9llo";
    char nul[] = {'a', '\0', 'b'};
    char bad[] = {'a', (char)0xC3, '(', 'b'};
    struct WebSocket *c = rec_client();
    long long deadline;

    CHECK_EQ(WebSocketEx_SetMessageCallback(c, on_typed_message), WEBSOCKET_OK);
    CONNECT_OPEN(c, echo_url("/types"));
    CHECK_EQ(OH_WebSocketClient_Send(c, text, strlen(text)), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Send(c, nul, sizeof nul), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Send(c, bad, sizeof bad), WEBSOCKET_OK);
    deadline = now_ms() + scaled_ms(5000);
    while (types_count() < 3 && now_ms() < deadline) sleep_ms(5);
    CHECK_EQ(types_count(), 3);
    CHECK_MSG(types[0] == WEBSOCKET_EX_TEXT, "valid UTF-8 was not sent as text");
    CHECK_MSG(types[1] == WEBSOCKET_EX_BINARY, "data with a NUL byte was not sent as binary");
    CHECK_MSG(types[2] == WEBSOCKET_EX_BINARY, "invalid UTF-8 was not sent as binary");
    CHECK_EQ(rec_count(c, EV_MESSAGE), 0);
    CLOSE_WAIT(c, 1000, "bye");
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* A 0-byte message exists only through the extension (the standard Send of 0 bytes sends
 * nothing); it comes back as onMessage(data, 0) with data[0] == 0 (SPEC §4). */
static void test_empty_messages(void)
{
    char empty[] = "";
    struct WebSocket *c = rec_client();
    size_t i;

    CONNECT_OPEN(c, echo_url("/empty"));
    CHECK_EQ(WebSocketEx_SendText(c, empty, 0), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SendBinary(c, empty, 0), WEBSOCKET_OK);
    WAIT_FOR(c, EV_MESSAGE, 2, 5000);
    for (i = 0; i < 2; i++) {
        const rec_event *ev = rec_nth(c, EV_MESSAGE, i);
        CHECK_EQ(ev->length, 0);
        CHECK_MSG(ev->terminated, "empty message %zu: data[0] != 0", i);
    }
    CLOSE_WAIT(c, 1000, "bye");
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}
#endif

int main(void)
{
    struct WebSocket *c;
    char after_close[] = "too late";
    const rec_event *closed;
    struct message again[2];

    test_init();
    c = rec_client();

    /* First connection: every boundary, then a clean close. */
    CONNECT_OPEN(c, echo_url("/roundtrip"));
    test_boundaries(c);
    CHECK_EQ(OH_WebSocketClient_Close(c, close_option(1000, "bye")), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Send(c, after_close, strlen(after_close)),
             WEBSOCKET_NO_CONNECTION);
    WAIT_FOR(c, EV_CLOSE, 1, 10000);
    closed = rec_nth(c, EV_CLOSE, 0);
    CHECK_MSG(closed->code == 1000, "onClose(%u, \"%s\"), expected 1000", (unsigned)closed->code,
              closed->text);
    CHECK_QUIET(c, 500);
    CHECK_EQ(rec_count(c, EV_CLOSE), 1);
    CHECK_EQ(rec_count(c, EV_ERROR), 0);
    CHECK_EQ(OH_WebSocketClient_Send(c, after_close, strlen(after_close)),
             WEBSOCKET_NO_CONNECTION);
    rec_check_sequence(c, 1);

    /* Second connection on the same client. */
    CONNECT_OPEN(c, echo_url("/roundtrip-again"));
    again[0].data = make_text(300);
    again[0].length = 300;
    again[0].what = "text";
    again[1].data = make_binary(70000);
    again[1].length = 70000;
    again[1].what = "binary";
    send_all_and_compare(c, again, 2);
    free_messages(again, 2);
    CLOSE_WAIT(c, 1000, "bye again");
    CHECK_QUIET(c, 300);
    CHECK_EQ(rec_count(c, EV_OPEN), 2);
    CHECK_EQ(rec_count(c, EV_CLOSE), 2);
    CHECK_EQ(rec_count(c, EV_ERROR), 0);
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);

    test_send_while_connecting();
    test_url_forms();
#ifdef HAVE_EXT_HEADER
    test_frame_types();
    test_empty_messages();
#else
    printf("note: net_websocket_ext.h not found; frame types not checked\n");
#endif
    rec_reset();
    return 0;
}
