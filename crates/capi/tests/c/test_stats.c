/*
 * test_stats.c — WebSocketEx_GetStats (net_websocket_ext.h "Statistics"): after 1,000 echoed
 * messages of known sizes every counter equals the totals this test computes from the frame
 * sizes (header of 2, 4 or 10 bytes; 4 bytes of masking key on our frames); a ping's round
 * trip is positive and under 50 ms on loopback; the stage durations, TLS version and suite of
 * a wss:// connection through the HTTP test proxy; a smaller size fills only that prefix; the
 * queued bytes equal GetBufferedAmount; NULL, a short size and bad handles give their codes.
 */
#include "common.h"

#include <network/netstack/net_websocket_ext.h>

/* The layout the library writes (crates/capi/src/stats.rs): append-only, no padding. */
#define ABI_ASSERT(cond) __extension__ _Static_assert(cond, #cond)
ABI_ASSERT(offsetof(WebSocketEx_Stats, size) == 0);
ABI_ASSERT(offsetof(WebSocketEx_Stats, rttUs) == 88);
ABI_ASSERT(offsetof(WebSocketEx_Stats, queuedBytes) == 160);
ABI_ASSERT(offsetof(WebSocketEx_Stats, tlsVersion) == 168);
ABI_ASSERT(offsetof(WebSocketEx_Stats, cipherSuite) == 184);
ABI_ASSERT(offsetof(WebSocketEx_Stats, alpn) == 248);
ABI_ASSERT(offsetof(WebSocketEx_Stats, subprotocol) == 280);
ABI_ASSERT(offsetof(WebSocketEx_Stats, extensions) == 408);
ABI_ASSERT(sizeof(WebSocketEx_Stats) == 536);

#define MESSAGES 1000
#define SIZE 512

/* The payload size of message i: every header length (7-bit, 16-bit, 64-bit) appears. */
static size_t size_of_message(int i)
{
    static const size_t sizes[] = {0, 1, 125, 126, 300, 4000, 65535, 65536};
    if (i % 100 == 99) return 70000;
    return sizes[i % (int)(sizeof sizes / sizeof sizes[0])];
}

/* The bytes of a frame of n payload bytes: its header, plus the masking key when masked. */
static uint64_t frame_bytes(size_t n, int masked)
{
    uint64_t header = n < 126 ? 2 : n <= 0xFFFF ? 4 : 10;
    return header + (masked ? 4 : 0) + n;
}

static WebSocketEx_Stats stats_of(struct WebSocket *c)
{
    WebSocketEx_Stats s;
    memset(&s, 0, sizeof s);
    CHECK_EQ(WebSocketEx_GetStats(c, &s, sizeof s), WEBSOCKET_OK);
    CHECK_EQ(s.size, sizeof s);
    return s;
}

static void test_counters_after_echoes(void)
{
    static char data[70000];
    uint64_t payload = 0, wire_sent = 0, wire_received = 0;
    WebSocketEx_Stats s;
    struct WebSocket *c = rec_client();
    int i;
    memset(data, 'x', sizeof data);
    CONNECT_OPEN(c, echo_url("/"));
    s = stats_of(c);
    CHECK_EQ(s.messagesSent, 0);
    CHECK_EQ(s.bytesReceived, 0);
    CHECK_EQ(s.extensions[0], '\0'); /* no compression: payload bytes are frame payloads */
    for (i = 0; i < MESSAGES; i++) {
        size_t n = size_of_message(i);
        CHECK_EQ(WebSocketEx_SendBinary(c, data, n), WEBSOCKET_OK);
        payload += n;
        wire_sent += frame_bytes(n, 1);
        wire_received += frame_bytes(n, 0);
    }
    WAIT_FOR(c, EV_MESSAGE, MESSAGES, 20000);
    s = stats_of(c);
    CHECK_EQ(s.messagesSent, MESSAGES);
    CHECK_EQ(s.messagesReceived, MESSAGES);
    CHECK_EQ(s.framesSent, MESSAGES);
    CHECK_EQ(s.framesReceived, MESSAGES);
    CHECK_EQ(s.payloadBytesSent, payload);
    CHECK_EQ(s.payloadBytesReceived, payload);
    CHECK_EQ(s.bytesSent, wire_sent);
    CHECK_EQ(s.bytesReceived, wire_received);
    CHECK_EQ(s.pingsSent, 0);
    CHECK_EQ(s.pongsReceived, 0);
    CHECK_EQ(s.rttUs, 0);
    CHECK_EQ(s.queuedBytes, 0);
    CHECK(s.openMs < 600000);
    CHECK_EQ(s.tlsVersion[0], '\0');
    CHECK_EQ(s.tlsUs, 0);
    CHECK_EQ(s.proxyUs, 0);
    CHECK(s.handshakeUs > 0);

    /* A ping and its pong: counted as control frames in the wire bytes only. */
    CHECK_EQ(WebSocketEx_SetPongCallback(c, rec_on_pong), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SendPing(c, "rtt", 3), WEBSOCKET_OK);
    WAIT_FOR(c, EV_PONG, 1, 5000);
    s = stats_of(c);
    CHECK_EQ(s.pingsSent, 1);
    CHECK_EQ(s.pongsReceived, 1);
    CHECK_MSG(s.rttUs > 0 && s.rttUs < 50000, "rttUs %llu", (unsigned long long)s.rttUs);
    CHECK_EQ(s.smoothedRttUs, s.rttUs); /* RFC 6298: the first SRTT is the measurement */
    CHECK_EQ(s.bytesSent, wire_sent + frame_bytes(3, 1));
    CHECK_EQ(s.bytesReceived, wire_received + frame_bytes(3, 0));
    CHECK_EQ(s.framesSent, MESSAGES);

    /* After the end the counters stay readable; the connection is no longer open. */
    CLOSE_WAIT(c, 1000, "done");
    s = stats_of(c);
    CHECK_EQ(s.openMs, 0);
    CHECK_EQ(s.messagesReceived, MESSAGES);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* wss:// through the HTTP CONNECT proxy: every stage but DNS (the proxy resolves) took time. */
static void test_stages_through_a_proxy(void)
{
    char ca[SIZE], proxy[SIZE];
    WebSocketEx_Stats s;
    struct WebSocket *c = rec_client();
    pki_path(ca, sizeof ca, "ca.pem");
    snprintf(proxy, sizeof proxy, "http://%s", test_env("WS_HTTP_PROXY"));
    CHECK_EQ(WebSocketEx_SetCAFile(c, ca), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetProxy(c, proxy), WEBSOCKET_OK);
    CONNECT_OPEN(c, test_env("WS_TLS_URL"));
    sleep_ms(30);
    s = stats_of(c);
    CHECK_EQ(s.dnsUs, 0);
    CHECK(s.tcpUs > 0);
    CHECK(s.proxyUs > 0);
    CHECK(s.tlsUs > 0);
    CHECK(s.handshakeUs > 0);
    CHECK(s.openMs >= 30);
    CHECK_MSG(strncmp(s.tlsVersion, "TLSv1_", 6) == 0, "tlsVersion \"%s\"", s.tlsVersion);
    CHECK_MSG(strncmp(s.cipherSuite, "TLS", 3) == 0, "cipherSuite \"%s\"", s.cipherSuite);
    CHECK_EQ(s.reconnects, 0);
    CHECK_ECHO(c, "through the proxy");
    CLOSE_WAIT(c, 1000, "done");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* A smaller size fills only that prefix (an older header's struct) and says so in size. */
static void test_prefix_and_codes(void)
{
    WebSocketEx_Stats s;
    const unsigned char *bytes = (const unsigned char *)&s;
    size_t prefix = offsetof(WebSocketEx_Stats, payloadBytesSent), i;
    struct WebSocket *c = rec_client();
    CONNECT_OPEN(c, echo_url("/"));
    CHECK_ECHO(c, "one");

    memset(&s, 0xAB, sizeof s);
    CHECK_EQ(WebSocketEx_GetStats(c, &s, prefix), WEBSOCKET_OK);
    CHECK_EQ(s.size, prefix);
    CHECK_EQ(s.bytesSent, frame_bytes(3, 1));
    CHECK_EQ(s.bytesReceived, frame_bytes(3, 0));
    for (i = prefix; i < sizeof s; i++) CHECK_EQ(bytes[i], 0xAB);

    memset(&s, 0xAB, sizeof s);
    CHECK_EQ(WebSocketEx_GetStats(c, &s, 8), WEBSOCKET_OK);
    CHECK_EQ(s.size, 8);
    for (i = 8; i < sizeof s; i++) CHECK_EQ(bytes[i], 0xAB);

    /* Under 8 bytes, or NULL: refused, nothing written. */
    memset(&s, 0xAB, sizeof s);
    CHECK_EQ(WebSocketEx_GetStats(c, &s, 7), WEBSOCKET_SEND_DATA_NULL);
    CHECK_EQ(WebSocketEx_GetStats(c, &s, 0), WEBSOCKET_SEND_DATA_NULL);
    for (i = 0; i < sizeof s; i++) CHECK_EQ(bytes[i], 0xAB);
    CHECK_EQ(WebSocketEx_GetStats(c, NULL, sizeof s), WEBSOCKET_SEND_DATA_NULL);

    /* A larger size (a newer header's struct) fills what this library knows. */
    {
        unsigned char big[sizeof(WebSocketEx_Stats) + 64];
        memset(big, 0xCD, sizeof big);
        CHECK_EQ(WebSocketEx_GetStats(c, (WebSocketEx_Stats *)(void *)big, sizeof big),
                 WEBSOCKET_OK);
        CHECK_EQ(((WebSocketEx_Stats *)(void *)big)->size, sizeof(WebSocketEx_Stats));
        for (i = sizeof(WebSocketEx_Stats); i < sizeof big; i++) CHECK_EQ(big[i], 0xCD);
    }

    CLOSE_WAIT(c, 1000, "done");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);

    /* Bad handles: NULL, a destroyed client, a pointer that never was one. */
    CHECK_EQ(WebSocketEx_GetStats(NULL, &s, sizeof s), WEBSOCKET_CLIENT_NULL);
    CHECK_EQ(WebSocketEx_GetStats(c, &s, sizeof s), WEBSOCKET_CLIENT_NOT_CREATED);
    CHECK_EQ(WebSocketEx_GetStats((struct WebSocket *)(void *)&s, &s, sizeof s),
             WEBSOCKET_CLIENT_NOT_CREATED);
}

/* queuedBytes is GetBufferedAmount: here a message sent before the first Connect. */
static void test_queued_bytes(void)
{
    WebSocketEx_Stats s;
    struct WebSocket *c = rec_client();
    s = stats_of(c);
    CHECK_EQ(s.queuedBytes, 0);
    CHECK_EQ(s.messagesSent, 0);
    CHECK_EQ(WebSocketEx_SendText(c, "waiting", 7), WEBSOCKET_OK);
    s = stats_of(c);
    CHECK_EQ(s.queuedBytes, 7);
    CHECK_EQ(s.queuedBytes, WebSocketEx_GetBufferedAmount(c));
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_NO_CONNECTION_CONTEXT);
}

int main(void)
{
    test_init();
    test_counters_after_echoes();
    test_stages_through_a_proxy();
    test_prefix_and_codes();
    test_queued_bytes();
    rec_reset();
    printf("test_stats: ok\n");
    return 0;
}
