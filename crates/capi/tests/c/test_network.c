/*
 * test_network.c — where and how a client connects (net_websocket_ext.h "Corporate networks"),
 * against the echo server's /peer and /headers paths: credentials in the URL arrive as
 * Authorization: Basic (percent-decoded), lose to an Authorization header of the caller, stay
 * on a same-origin redirect and are gone after a cross-host one, and never appear in a
 * message; WebSocketEx_SetLocalAddress is the source address the server sees, skips the
 * other family and says so; WebSocketEx_SetResolve sends ws://example.test:PORT/ to 127.0.0.1
 * with Host example.test:PORT (Happy Eyeballs over its addresses; the certificate check keeps
 * the URL's host); WebSocketEx_SetInterface on "lo"; WebSocketEx_SetTcpKeepalive.
 */
#include "common.h"

#include <network/netstack/net_websocket_ext.h>

#define SIZE 1024

static char echo_port[16]; /* ":PORT" */
static char ca[SIZE];
static char tls_port[16];

static const char *url_of(char *buf, const char *fmt, const char *a, const char *b)
{
    int n = snprintf(buf, SIZE, fmt, a, b);
    CHECK(n > 0 && n < SIZE);
    return buf;
}

/* Connects c to url and returns the first message (the report of /headers or /peer). */
static const char *first_message(struct WebSocket *c, const char *url)
{
    const rec_event *ev;
    rec_forget(c);
    CONNECT_OPEN(c, url);
    WAIT_FOR(c, EV_MESSAGE, 1, 5000);
    ev = rec_nth(c, EV_MESSAGE, 0);
    CLOSE_WAIT(c, 1000, "done");
    rec_check_sequence(c, 1);
    return ev->text;
}

static void test_url_credentials(void)
{
    char url[SIZE], location[SIZE], target[SIZE];
    struct WebSocket *c = rec_client();
    const char *lines, *message;

    /* base64("user:p@ss") */
    lines = first_message(c, url_of(url, "ws://user:p%%40ss@127.0.0.1%s%s", echo_port, "/headers"));
    CHECK_MSG(count_fields(lines, "Authorization", "Basic dXNlcjpwQHNz") == 1, "headers:\n%s",
              lines);
    url_of(target, "127.0.0.1%s%s", echo_port, "");
    CHECK_MSG(count_fields(lines, "Host", target) == 1, "the Host field:\n%s", lines);

    /* A same-origin redirect keeps them: they are one of the caller's headers. */
    url_of(url, "ws://user:p%%40ss@127.0.0.1%s%s", echo_port, "/redirect/302?/headers");
    lines = first_message(c, url);
    CHECK_MSG(count_fields(lines, "Authorization", "Basic dXNlcjpwQHNz") == 1, "headers:\n%s",
              lines);

    /* Another host: gone. */
    url_of(location, "ws://localhost%s%s", echo_port, "/headers");
    url_of(target, "ws://user:p%%40ss@127.0.0.1%s/redirect/302?%s", echo_port, location);
    lines = first_message(c, target);
    CHECK_MSG(count_fields(lines, "Authorization", NULL) == 0,
              "credentials went to another host:\n%s", lines);
    CHECK_MSG(count_fields(lines, "Host", NULL) == 1, "headers:\n%s", lines);

    /* The caller's Authorization header wins. */
    CHECK_EQ(OH_WebSocketClient_AddHeader(c, header("Authorization", "Bearer mine")), WEBSOCKET_OK);
    lines = first_message(c, url_of(url, "ws://user:p%%40ss@127.0.0.1%s%s", echo_port, "/headers"));
    CHECK_MSG(count_fields(lines, "Authorization", NULL) == 1 &&
                  count_fields(lines, "Authorization", "Bearer mine") == 1,
              "headers:\n%s", lines);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);

    /* Never in a message. */
    c = rec_client();
    message = CONNECT_FAILS(c, "ws://admin:s3cret@127.0.0.1:1/");
    CHECK_CONTAINS(message, "ws://127.0.0.1:1: TCP connect failed");
    CHECK_MSG(strstr(message, "s3cret") == NULL && strstr(message, "admin") == NULL,
              "the message shows the credentials: %s", message);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_local_address(void)
{
    char url[SIZE];
    struct WebSocket *c = rec_client();
    const char *peer, *message;

    CHECK_EQ(WebSocketEx_SetLocalAddress(c, "127.0.0.2"), WEBSOCKET_OK);
    peer = first_message(c, echo_url("/peer"));
    CHECK_MSG(strncmp(peer, "127.0.0.2:", 10) == 0, "the server saw %s", peer);

    /* An IPv6 source cannot reach an IPv4 address: skipped, and said so. */
    CHECK_EQ(WebSocketEx_SetLocalAddress(c, "::1"), WEBSOCKET_OK);
    message = CONNECT_FAILS(c, echo_url("/peer"));
    url_of(url, "no IPv6 address to connect to from local address ::1 (skipped 127.0.0.1%s)",
           echo_port, "");
    CHECK_CONTAINS(message, url);

    /* An address this machine does not have (TEST-NET-1). */
    CHECK_EQ(WebSocketEx_SetLocalAddress(c, "192.0.2.1"), WEBSOCKET_OK);
    CHECK_CONTAINS(CONNECT_FAILS(c, echo_url("/")), "binding to local address 192.0.2.1 failed");

    /* NULL: any source again. */
    CHECK_EQ(WebSocketEx_SetLocalAddress(c, NULL), WEBSOCKET_OK);
    peer = first_message(c, echo_url("/peer"));
    CHECK_MSG(strncmp(peer, "127.0.0.1:", 10) == 0, "the server saw %s", peer);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_resolve(void)
{
    char entry[SIZE], url[SIZE], host[SIZE];
    struct WebSocket *c = rec_client();
    const char *lines;
    const char *port = echo_port + 1;

    /* An address that refuses first: Happy Eyeballs goes on to the next one. */
    url_of(entry, "example.test:%s:[::1],127.0.0.1%s", port, "");
    CHECK_MSG(WebSocketEx_SetResolve(c, entry) == WEBSOCKET_OK, "%s",
              WebSocketEx_GetLastErrorMessage());
    lines = first_message(c, url_of(url, "ws://example.test%s%s", echo_port, "/headers"));
    url_of(host, "example.test%s%s", echo_port, "");
    CHECK_MSG(count_fields(lines, "Host", host) == 1, "not a request for %s:\n%s", host, lines);
    /* Not the proxy's business either: the request went straight to the address. */
    lines = first_message(c, url_of(url, "ws://example.test%s%s", echo_port, "/peer"));
    CHECK_MSG(strncmp(lines, "127.0.0.1:", 10) == 0, "the server saw %s", lines);

    /* TLS keeps the URL's host for the certificate check. */
    CHECK_EQ(WebSocketEx_SetCAFile(c, ca), WEBSOCKET_OK);
    url_of(entry, "example.test:%s:127.0.0.1%s", tls_port + 1, "");
    CHECK_EQ(WebSocketEx_SetResolve(c, entry), WEBSOCKET_OK);
    CHECK_CONTAINS(CONNECT_FAILS(c, url_of(url, "wss://example.test%s%s", tls_port, "/")),
                   "certificate is not valid for name \"example.test\"");

    /* NULL removes every entry: DNS does not know example.test (RFC 6761). */
    CHECK_EQ(WebSocketEx_SetResolve(c, NULL), WEBSOCKET_OK);
    CHECK_CONTAINS(CONNECT_FAILS(c, url_of(url, "ws://example.test%s%s", echo_port, "/")),
                   "DNS lookup of example.test");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* lo exists everywhere. Binding to it needs CAP_NET_RAW before Linux 5.7: without it the
 * attempt fails and says so. */
static void test_interface(void)
{
    struct WebSocket *c = rec_client();
    const rec_event *ev;
    CHECK_EQ(WebSocketEx_SetInterface(c, "lo"), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url("/"), no_headers()), WEBSOCKET_OK);
    WAIT_FOR(c, EV_OPEN | EV_ERROR, 1, 5000);
    ev = rec_nth(c, EV_OPEN | EV_ERROR, 0);
    if (ev->type == EV_OPEN) {
        CHECK_ECHO(c, "through lo");
        CLOSE_WAIT(c, 1000, "done");
    } else {
        CHECK_CONTAINS(ev->text, "binding to interface lo failed");
        CHECK_CONTAINS(ev->text, "CAP_NET_RAW");
        printf("test_network: binding to lo needs CAP_NET_RAW here: %s\n", ev->text);
    }
    rec_check_sequence(c, 1);
    CHECK_EQ(WebSocketEx_SetInterface(c, NULL), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_tcp_keepalive(void)
{
    struct WebSocket *c = rec_client();
    /* With WebSocket pings off, TCP probes keep watch: 1.5 s rounds up to 2 s. */
    CHECK_EQ(WebSocketEx_SetKeepalive(c, 0, 0), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetTcpKeepalive(c, 1500, 1000, 3), WEBSOCKET_OK);
    rec_forget(c);
    CONNECT_OPEN(c, echo_url("/"));
    CHECK_ECHO(c, "with TCP keepalive");
    CLOSE_WAIT(c, 1000, "done");
    CHECK_EQ(WebSocketEx_SetTcpKeepalive(c, 0, 0, 0), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

int main(void)
{
    const char *echo = test_env("WS_ECHO_URL"), *tls = test_env("WS_TLS_URL");
    test_init();
    pki_path(ca, sizeof ca, "ca.pem");
    snprintf(echo_port, sizeof echo_port, "%s", strrchr(echo, ':'));
    snprintf(tls_port, sizeof tls_port, "%s", strrchr(tls, ':'));

    test_url_credentials();
    test_local_address();
    test_resolve();
    test_interface();
    test_tcp_keepalive();
    printf("test_network: all passed\n");
    return 0;
}
