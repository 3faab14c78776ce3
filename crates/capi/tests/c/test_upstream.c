/*
 * test_upstream.c — the seven expectations of OpenHarmony's own C API unit test, as SPEC §10
 * states them. There is no network here, so connecting to www.baidu.com fails (later, through
 * onError) or never finishes; either way nothing may crash.
 */
#include "common.h"

#include <string.h>

static struct WebSocket_Header content_type(void)
{
    return header("Content-Type", "application/json");
}

/* Destroy must not wait for the hanging or failing attempt (SPEC §3: "stops ... at once"). */
static void destroy_promptly(struct WebSocket *c)
{
    long long start = now_ms();
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
    CHECK_MSG(now_ms() - start < scaled_ms(2000), "Destroy took %lld ms", now_ms() - start);
    CHECK_QUIET(c, 300);
    rec_check_sequence(c, 0);
    if (rec_count(c, EV_ERROR) > 0) {
        /* The attempt failed before Destroy: a DNS/TCP failure is 1003 with a message. */
        const rec_event *ev = rec_nth(c, EV_ERROR, 0);
        CHECK_MSG(ev->code == WEBSOCKET_CONNECTION_ERROR, "onError(%u, \"%s\"), expected 1003",
                  (unsigned)ev->code, ev->text);
        CHECK_MSG(ev->length > 0, "onError with an empty message");
    }
}

/* 1. Constructor + AddHeader → 0; Connect("www.baidu.com", client->requestOptions) and
 *    Destroy do not crash. */
static void expectation_1(void)
{
    struct WebSocket *c = rec_client();
    CHECK_EQ(OH_WebSocketClient_AddHeader(c, content_type()), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Connect(c, "www.baidu.com", c->requestOptions), WEBSOCKET_OK);
    destroy_promptly(c);
}

/* 2. AddHeader(NULL, ...) → 1001. */
static void expectation_2(void)
{
    CHECK_EQ(OH_WebSocketClient_AddHeader(NULL, content_type()), WEBSOCKET_CLIENT_NULL);
}

/* 3. Connect on a struct WebSocket the caller allocated → 1002. */
static void expectation_3(void)
{
    struct WebSocket *own = (struct WebSocket *)calloc(1, sizeof *own);
    CHECK(own != NULL);
    CHECK_EQ(OH_WebSocketClient_Connect(own, "www.baidu.com", own->requestOptions),
             WEBSOCKET_CLIENT_NOT_CREATED);
    free(own);
}

/* 4. Send(NULL client) → 1001. */
static void expectation_4(void)
{
    char data[] = "Hello, world!";
    CHECK_EQ(OH_WebSocketClient_Send(NULL, data, strlen(data)), WEBSOCKET_CLIENT_NULL);
}

/* 5. Close(NULL client) → 1001. */
static void expectation_5(void)
{
    CHECK_EQ(OH_WebSocketClient_Close(NULL, close_option(1000, "bye")), WEBSOCKET_CLIENT_NULL);
}

/* 6. Destroy of a caller-allocated struct → 1002. */
static void expectation_6(void)
{
    struct WebSocket *own = (struct WebSocket *)calloc(1, sizeof *own);
    CHECK(own != NULL);
    CHECK_EQ(OH_WebSocketClient_Destroy(own), WEBSOCKET_CLIENT_NOT_CREATED);
    free(own);
}

/*
 * Send after a Connect that will fail: 0, or 1017 only if the failure was already reported
 * (SPEC §3: 1017 "once the end of the connection has been reported (the onError ... has
 * started)"). The recorder notes onError at the start of the callback, a moment after the
 * library marked the end, so a 1017 must be followed by onError promptly.
 */
static void send_expect_ok(struct WebSocket *c, char *data, size_t length, int line)
{
    int rc = OH_WebSocketClient_Send(c, data, length);
    if (rc == WEBSOCKET_OK) return;
    if (rc == WEBSOCKET_NO_CONNECTION) {
        if (rec_wait_count(c, EV_ERROR, 1, 1000)) {
            printf("note: line %d: Send returned 1017 after the failed attempt was reported\n",
                   line);
            return;
        }
        test_fail(__FILE__, line, "Send returned 1017 but no onError reported the failure");
    }
    test_fail(__FILE__, line, "Send returned %d, expected 0", rc);
}

/* 7. Constructor + AddHeader + Connect, then Send(NULL data, 0) → 1011; Send(text, 0) → 0;
 *    Send("Hello, world!", 13) → 0; Send of 10 bytes with a NUL inside → 0; Destroy → 0. */
static void expectation_7(void)
{
    char hello[] = "Hello, world!";
    char with_nul[10] = {'a', 'b', 'c', '\0', 'd', 'e', 'f', 'g', 'h', 'i'};
    struct WebSocket *c = rec_client();

    CHECK_EQ(OH_WebSocketClient_AddHeader(c, content_type()), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Connect(c, "www.baidu.com", c->requestOptions), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Send(c, NULL, 0), WEBSOCKET_SEND_DATA_NULL);
    CHECK_EQ(OH_WebSocketClient_Send(c, hello, 0), WEBSOCKET_OK);
    send_expect_ok(c, hello, 13, __LINE__);
    send_expect_ok(c, with_nul, sizeof with_nul, __LINE__);
    destroy_promptly(c);
}

int main(void)
{
    test_init();
    expectation_1();
    expectation_2();
    expectation_3();
    expectation_4();
    expectation_5();
    expectation_6();
    expectation_7();
    rec_reset();
    return 0;
}
