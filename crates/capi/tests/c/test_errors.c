/*
 * test_errors.c — the error returns of every function (SPEC §3): NULL and foreign handles,
 * destroyed handles, header validation and limits, URL rules, forbidden handshake headers,
 * Send and Close argument checks, Connect while connected, Destroy of an idle client (1018,
 * the reference's value for a client without a connection).
 * Needs WS_ECHO_URL (scripts/c-tests.sh starts the echo server).
 */
#include "common.h"

#include <string.h>

static char text_x[] = "x";

/* Calls all five handle-taking functions on client and checks each returns expected. */
static void check_all_functions(struct WebSocket *client, int expected, const char *what)
{
    char url[128];
    echo_url_into(url, sizeof url, "/");
    CHECK_MSG(OH_WebSocketClient_AddHeader(client, header("X-A", "b")) == expected,
              "AddHeader(%s) did not return %d", what, expected);
    CHECK_MSG(OH_WebSocketClient_Connect(client, url, no_headers()) == expected,
              "Connect(%s) did not return %d", what, expected);
    CHECK_MSG(OH_WebSocketClient_Send(client, text_x, 1) == expected,
              "Send(%s) did not return %d", what, expected);
    CHECK_MSG(OH_WebSocketClient_Close(client, close_option(1000, "bye")) == expected,
              "Close(%s) did not return %d", what, expected);
    CHECK_MSG(OH_WebSocketClient_Destroy(client) == expected,
              "Destroy(%s) did not return %d", what, expected);
}

static void test_null_client(void)
{
    check_all_functions(NULL, WEBSOCKET_CLIENT_NULL, "NULL");
}

/* Pointers the library never returned: 1002, without reading or writing through them. */
static void test_foreign_pointers(void)
{
    struct WebSocket fake, before;
    int stack_int = 42;

    memset(&fake, 0, sizeof fake);
    fake.onOpen = rec_on_open;
    fake.onMessage = rec_on_message;
    fake.onError = rec_on_error;
    fake.onClose = rec_on_close;
    before = fake;
    check_all_functions(&fake, WEBSOCKET_CLIENT_NOT_CREATED, "a caller-allocated struct");
    CHECK_MSG(memcmp(&fake, &before, sizeof fake) == 0,
              "the library wrote into a struct WebSocket it did not create");

    check_all_functions((struct WebSocket *)(void *)&stack_int, WEBSOCKET_CLIENT_NOT_CREATED,
                        "a pointer to a stack int");
    CHECK_EQ(stack_int, 42);

    /* Unmapped: any dereference would crash the test. */
    check_all_functions((struct WebSocket *)(uintptr_t)16, WEBSOCKET_CLIENT_NOT_CREATED,
                        "the unmapped address 16");

    CHECK_QUIET(&fake, 200);
}

static void test_destroyed_client(void)
{
    struct WebSocket *c = rec_client();
    CHECK_EQ(OH_WebSocketClient_AddHeader(c, header("X-A", "b")), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_NO_CONNECTION_CONTEXT);
    check_all_functions(c, WEBSOCKET_CLIENT_NOT_CREATED, "a destroyed client");
}

static size_t list_length(const struct WebSocket *c)
{
    size_t n = 0;
    const struct WebSocket_Header *h;
    for (h = c->requestOptions.headers; h != NULL; h = h->next) n++;
    return n;
}

static void test_add_header_validation(void)
{
    static const char *const bad_names[] = {
        "", "X Y", "X:Y", "Host:", "X\rY", "X\nY", "X\r\nY", "X\tY", "X(Y", "X\"Y", "X/Y",
        "\xc3\x84",
    };
    static const char *const bad_values[] = {"a\rb", "a\nb", "ok\r\nX-Injected: 1", "a\r", "\n"};
    struct WebSocket *c = rec_client();
    char name[32], value[64];
    const struct WebSocket_Header *first, *second, *third;
    size_t i;

    CHECK(c->requestOptions.headers == NULL);
    CHECK_EQ(OH_WebSocketClient_AddHeader(c, header(NULL, "v")), WEBSOCKET_NO_HEADER_CONTEXT);
    CHECK_EQ(OH_WebSocketClient_AddHeader(c, header("X-A", NULL)), WEBSOCKET_NO_HEADER_CONTEXT);
    CHECK_EQ(OH_WebSocketClient_AddHeader(c, header(NULL, NULL)), WEBSOCKET_NO_HEADER_CONTEXT);
    for (i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
        int rc = OH_WebSocketClient_AddHeader(c, header(bad_names[i], "v"));
        CHECK_MSG(rc == WEBSOCKET_NO_HEADER_CONTEXT,
                  "AddHeader with name \"%s\" (not a token) returned %d, expected 1015",
                  bad_names[i], rc);
    }
    for (i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++) {
        int rc = OH_WebSocketClient_AddHeader(c, header("X-A", bad_values[i]));
        CHECK_MSG(rc == WEBSOCKET_NO_HEADER_CONTEXT,
                  "AddHeader with a value containing CR/LF (index %zu) returned %d, expected 1015",
                  i, rc);
    }
    CHECK_MSG(c->requestOptions.headers == NULL, "a rejected header was added to the list");

    /* Valid headers are appended in order, with copied strings. */
    strcpy(name, "X-Test-Name");
    strcpy(value, "some value, with: colons and spaces");
    CHECK_EQ(OH_WebSocketClient_AddHeader(c, header(name, value)), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_AddHeader(c, header("X-Custom_Chars!#$%&'*+.^`|~", "")),
             WEBSOCKET_OK);
    strcpy(name, "Origin");
    strcpy(value, "http://example.com");
    CHECK_EQ(OH_WebSocketClient_AddHeader(c, header(name, value)), WEBSOCKET_OK);
    memset(name, 'Z', sizeof name - 1);
    memset(value, 'Z', sizeof value - 1);
    name[sizeof name - 1] = value[sizeof value - 1] = '\0';

    CHECK_EQ(list_length(c), 3);
    first = c->requestOptions.headers;
    second = first->next;
    third = second->next;
    CHECK(first->fieldName != name && first->fieldValue != value);
    CHECK(third->fieldName != name && third->fieldValue != value);
    CHECK_MSG(strcmp(first->fieldName, "X-Test-Name") == 0, "first name is \"%s\"",
              first->fieldName);
    CHECK_MSG(strcmp(first->fieldValue, "some value, with: colons and spaces") == 0,
              "first value is \"%s\"", first->fieldValue);
    CHECK(strcmp(second->fieldName, "X-Custom_Chars!#$%&'*+.^`|~") == 0);
    CHECK(strcmp(second->fieldValue, "") == 0);
    CHECK(strcmp(third->fieldName, "Origin") == 0);
    CHECK(strcmp(third->fieldValue, "http://example.com") == 0);
    CHECK(third->next == NULL);

    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_NO_CONNECTION_CONTEXT);
}

static void test_header_limits(void)
{
    struct WebSocket *c = rec_client();
    char *big;
    size_t i, accepted = 0;
    int rc = WEBSOCKET_OK;

    /* 8192 headers are fine (6 bytes each even counted as "X: 1\r\n", far below 64 KiB). */
    for (i = 0; i < 8192; i++) {
        rc = OH_WebSocketClient_AddHeader(c, header("X", "1"));
        CHECK_MSG(rc == WEBSOCKET_OK, "header %zu of 8192 was refused with %d", i + 1, rc);
    }
    CHECK_EQ(OH_WebSocketClient_AddHeader(c, header("X", "1")), WEBSOCKET_HEADER_EXCEEDED);
    CHECK_EQ(list_length(c), 8192);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_NO_CONNECTION_CONTEXT);

    /* 64 KiB in total: 1001-byte headers; 60 of them fit even with per-header overhead, and
     * the library must refuse before name + value bytes exceed 65536. */
    big = (char *)malloc(70001);
    CHECK(big != NULL);
    memset(big, 'v', 1000);
    big[1000] = '\0';
    c = rec_client();
    for (i = 0; i < 100; i++) {
        rc = OH_WebSocketClient_AddHeader(c, header("X", big));
        if (rc != WEBSOCKET_OK) break;
        accepted++;
    }
    CHECK_MSG(rc == WEBSOCKET_HEADER_EXCEEDED, "adding 1001-byte headers ended with %d", rc);
    CHECK_MSG(accepted >= 60, "only %zu headers of 1001 bytes were accepted", accepted);
    CHECK_MSG(accepted * 1001 <= 65536, "%zu headers of 1001 bytes (over 64 KiB) were accepted",
              accepted);
    CHECK_EQ(list_length(c), accepted);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_NO_CONNECTION_CONTEXT);

    /* One header over 64 KiB on its own. */
    memset(big, 'v', 70000);
    big[70000] = '\0';
    c = rec_client();
    CHECK_EQ(OH_WebSocketClient_AddHeader(c, header("X", big)), WEBSOCKET_HEADER_EXCEEDED);
    CHECK(c->requestOptions.headers == NULL);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_NO_CONNECTION_CONTEXT);
    free(big);
}

static void test_connect_bad_urls(void)
{
    static const char *const bad[] = {
        "", "ftp://x", "ws://", "wss://", "ws://host:99999", "ws://host:abc", "ws://host:-1",
        "ws://user:pw@/", "ws://host/#fragment", "ws://[::1", "gopher://host/",
    };
    struct WebSocket *c = rec_client();
    char *long_url = (char *)malloc(8300);
    size_t i;

    CHECK(long_url != NULL);
    CHECK_EQ(OH_WebSocketClient_Connect(c, NULL, no_headers()),
             WEBSOCKET_CONNECTION_PARSE_URL_ERROR);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = OH_WebSocketClient_Connect(c, bad[i], no_headers());
        CHECK_MSG(rc == WEBSOCKET_CONNECTION_PARSE_URL_ERROR,
                  "Connect(\"%s\") returned %d, expected 1005", bad[i], rc);
    }
    /* 8 KiB + 15 bytes. */
    strcpy(long_url, "ws://127.0.0.1/");
    memset(long_url + 15, 'a', 8192);
    long_url[15 + 8192] = '\0';
    CHECK_EQ(OH_WebSocketClient_Connect(c, long_url, no_headers()),
             WEBSOCKET_CONNECTION_PARSE_URL_ERROR);
    free(long_url);

    CHECK_QUIET(c, 500);
    CHECK_EQ(rec_count(c, EV_ANY), 0);
    /* None of them started a connection: Send still queues for a first one, and Destroy says
     * that no Connect started anything. */
    CHECK_EQ(OH_WebSocketClient_Send(c, text_x, 1), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_NO_CONNECTION_CONTEXT);
}

/* wss:// and https:// (the same) to a port that refuses: one onError(1003) that names the
 * endpoint as wss:// and the refusal, no onOpen, no onClose; Connect works again afterwards. */
static void test_connect_wss_refused(void)
{
    static const char *const secure[] = {"wss://127.0.0.1:1/", "https://127.0.0.1:1/"};
    struct WebSocket *c = rec_client();
    const rec_event *ev;
    size_t i;

    for (i = 0; i < sizeof secure / sizeof secure[0]; i++) {
        rec_forget(c);
        CHECK_EQ(OH_WebSocketClient_Connect(c, secure[i], no_headers()), WEBSOCKET_OK);
        WAIT_FOR(c, EV_ERROR, 1, 5000);
        ev = rec_nth(c, EV_ERROR, 0);
        CHECK_EQ(ev->code, WEBSOCKET_CONNECTION_ERROR);
        CHECK_MSG(strstr(ev->text, "wss://127.0.0.1:1: TCP connect failed") != NULL &&
                      strstr(ev->text, "connection refused") != NULL,
                  "onError for %s says \"%s\"", secure[i], ev->text);
        CHECK_QUIET(c, 200);
        CHECK_EQ(rec_count(c, EV_OPEN | EV_CLOSE), 0);
        rec_check_sequence(c, 1);
    }
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* A one-node list or a list with a valid header first, per forbidden name. */
static void test_connect_forbidden_headers(void)
{
    static const char *const forbidden[] = {
        "Host", "Sec-WebSocket-Key", "Upgrade", "Connection", "Sec-WebSocket-Version",
        "Sec-WebSocket-Accept", "Sec-WebSocket-Extensions", "host", "UPGRADE",
        "sec-websocket-key",
    };
    struct WebSocket *c = rec_client();
    struct WebSocket_Header good = header("X-Fine", "1"), bad;
    struct WebSocket_RequestOptions options;
    char url[128];
    char *name, *value;
    size_t i;

    echo_url_into(url, sizeof url, "/");
    for (i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++) {
        int rc;
        bad = header(forbidden[i], "x");
        options.headers = &bad;
        rc = OH_WebSocketClient_Connect(c, url, options);
        CHECK_MSG(rc == WEBSOCKET_NO_HEADER_CONTEXT,
                  "Connect with user header \"%s\" returned %d, expected 1015", forbidden[i], rc);
        good.next = &bad;
        options.headers = &good;
        rc = OH_WebSocketClient_Connect(c, url, options);
        CHECK_MSG(rc == WEBSOCKET_NO_HEADER_CONTEXT,
                  "Connect with user header \"%s\" (second in list) returned %d, expected 1015",
                  forbidden[i], rc);
        good.next = NULL;
    }
    /* Headers that bypassed AddHeader's checks are checked by Connect too. */
    bad = header("X-A", "a\r\nX-Injected: 1");
    options.headers = &bad;
    CHECK_EQ(OH_WebSocketClient_Connect(c, url, options), WEBSOCKET_NO_HEADER_CONTEXT);
    bad = header(NULL, "x");
    CHECK_EQ(OH_WebSocketClient_Connect(c, url, options), WEBSOCKET_NO_HEADER_CONTEXT);
    bad = header("Bad Name", "x");
    CHECK_EQ(OH_WebSocketClient_Connect(c, url, options), WEBSOCKET_NO_HEADER_CONTEXT);

    CHECK_QUIET(c, 500);
    CHECK_EQ(rec_count(c, EV_ANY), 0);

    /* Allowed user headers connect; the list is copied, so freeing it right away is fine. */
    name = (char *)malloc(16);
    value = (char *)malloc(32);
    CHECK(name != NULL && value != NULL);
    strcpy(name, "Origin");
    strcpy(value, "http://localhost");
    bad = header(name, value);
    good = header("User-Agent", "net_websocket-c-tests");
    good.next = &bad;
    options.headers = &good;
    CHECK_EQ(OH_WebSocketClient_Connect(c, url, options), WEBSOCKET_OK);
    memset(name, 'Z', 15);
    memset(value, 'Z', 31);
    free(name);
    free(value);
    WAIT_FOR(c, EV_OPEN | EV_ERROR, 1, 5000);
    CHECK_EQ(rec_count(c, EV_OPEN), 1);
    CHECK_ECHO(c, "headers ok");
    CLOSE_WAIT(c, 1000, "bye");
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_send_errors(void)
{
    const size_t over = 4 * 1024 * 1024 + 1;
    struct WebSocket *c = rec_client();
    char *big = (char *)malloc(over);

    CHECK(big != NULL);
    memset(big, 'a', over);
    /* Before Connect: the same checks (a valid message would be queued, see test_pending). */
    CHECK_EQ(OH_WebSocketClient_Send(c, big, over), WEBSOCKET_DATA_LENGTH_EXCEEDED);
    CHECK_EQ(OH_WebSocketClient_Send(c, NULL, 5), WEBSOCKET_SEND_DATA_NULL);
    CHECK_EQ(OH_WebSocketClient_Send(c, text_x, 0), WEBSOCKET_OK);

    /* While connecting. */
    CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url("/"), no_headers()), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Send(c, big, over), WEBSOCKET_DATA_LENGTH_EXCEEDED);
    CHECK_EQ(OH_WebSocketClient_Send(c, NULL, 5), WEBSOCKET_SEND_DATA_NULL);
    CHECK_EQ(OH_WebSocketClient_Send(c, text_x, 0), WEBSOCKET_OK);

    /* While open. */
    WAIT_FOR(c, EV_OPEN | EV_ERROR, 1, 5000);
    CHECK_EQ(rec_count(c, EV_OPEN), 1);
    CHECK_EQ(OH_WebSocketClient_Send(c, big, over), WEBSOCKET_DATA_LENGTH_EXCEEDED);
    CHECK_EQ(OH_WebSocketClient_Send(c, NULL, 5), WEBSOCKET_SEND_DATA_NULL);
    CHECK_EQ(OH_WebSocketClient_Send(c, NULL, 0), WEBSOCKET_SEND_DATA_NULL);
    CHECK_EQ(OH_WebSocketClient_Send(c, text_x, 0), WEBSOCKET_OK);
    /* Nothing of the above was sent: the next echo is the first message. */
    CHECK_ECHO(c, "first");
    CHECK_EQ(rec_count(c, EV_MESSAGE), 1);
    free(big);
    CLOSE_WAIT(c, 1000, "bye");
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_close_errors(void)
{
    static const uint32_t invalid[] = {1, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535};
    struct WebSocket *c = rec_client();
    char reason[125];
    size_t i;

    CHECK_EQ(OH_WebSocketClient_Close(c, close_option(1000, "bye")), WEBSOCKET_NO_CONNECTION);
    CONNECT_OPEN(c, echo_url("/"));
    for (i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        int rc = OH_WebSocketClient_Close(c, close_option(invalid[i], "x"));
        CHECK_MSG(rc == WEBSOCKET_CONNECTION_ERROR, "Close(%u) returned %d, expected 1003",
                  (unsigned)invalid[i], rc);
    }
    memset(reason, 'r', 124);
    reason[124] = '\0';
    CHECK_EQ(OH_WebSocketClient_Close(c, close_option(1000, reason)),
             WEBSOCKET_CONNECTION_ERROR);
    /* The connection is still open. */
    CHECK_ECHO(c, "still open");
    CHECK_EQ(rec_count(c, EV_CLOSE | EV_ERROR), 0);

    /* 123 bytes is the longest valid reason. */
    reason[123] = '\0';
    CLOSE_WAIT(c, 4999, reason);
    CHECK_EQ(OH_WebSocketClient_Close(c, close_option(1000, "again")), WEBSOCKET_NO_CONNECTION);
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_connect_twice(void)
{
    struct WebSocket *c = rec_client();
    char url[128];

    echo_url_into(url, sizeof url, "/");
    CHECK_EQ(OH_WebSocketClient_Connect(c, url, no_headers()), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Connect(c, url, no_headers()), WEBSOCKET_CONNECTION_ERROR);
    WAIT_FOR(c, EV_OPEN | EV_ERROR, 1, 5000);
    CHECK_EQ(rec_count(c, EV_OPEN), 1);
    CHECK_EQ(OH_WebSocketClient_Connect(c, url, no_headers()), WEBSOCKET_CONNECTION_ERROR);
    CHECK_ECHO(c, "first connection still works");
    CHECK_QUIET(c, 200);
    CHECK_EQ(rec_count(c, EV_OPEN), 1);
    CLOSE_WAIT(c, 1000, "bye");
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_destroy_never_connected(void)
{
    struct WebSocket *c = rec_client();
    /* The struct holds the callbacks and an empty header list (SPEC §3, Constructor). */
    CHECK(c->onOpen == rec_on_open && c->onMessage == rec_on_message);
    CHECK(c->onError == rec_on_error && c->onClose == rec_on_close);
    CHECK(c->requestOptions.headers == NULL);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_NO_CONNECTION_CONTEXT);
    c = OH_WebSocketClient_Constructor(NULL, NULL, NULL, NULL);
    CHECK(c != NULL);
    CHECK(c->onOpen == NULL && c->onMessage == NULL && c->onError == NULL && c->onClose == NULL);
    CHECK(c->requestOptions.headers == NULL);
    /* A Close refused with 1017 changes nothing. */
    CHECK_EQ(OH_WebSocketClient_Close(c, close_option(1000, "bye")), WEBSOCKET_NO_CONNECTION);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_NO_CONNECTION_CONTEXT);
}

int main(void)
{
    test_init();
    test_null_client();
    test_foreign_pointers();
    test_destroyed_client();
    test_add_header_validation();
    test_header_limits();
    test_connect_bad_urls();
    test_connect_wss_refused();
    test_connect_forbidden_headers();
    test_send_errors();
    test_close_errors();
    test_connect_twice();
    test_destroy_never_connected();
    rec_reset();
    return 0;
}
