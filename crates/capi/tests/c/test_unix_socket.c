/*
 * test_unix_socket.c — connections through a Unix domain socket (net_websocket_ext.h,
 * WebSocketEx_SetUnixSocket, and Connect's ws+unix:// URLs), against the echo server listening
 * on $WS_UNIX_SOCKET (plain) and $WS_UNIX_TLS_SOCKET (TLS, a certificate of the test CA for
 * localhost):
 *   - the URL form ws+unix:///path:/resource: an echo, the request target and Host localhost;
 *   - the setter: any ws:// URL goes through the socket with its own host in Host; NULL goes
 *     back to TCP;
 *   - wss+unix:// and the setter with wss://: TLS over the socket, the certificate checked
 *     against the URL's host (localhost passes, other.example fails naming the name);
 *   - a missing socket: onError(1003) naming the path and the system's reason;
 *   - bad values: a path over 107 bytes (1005 at Connect and at the setter), "" and bad
 *     handles at the setter.
 */
#include "common.h"

#include <network/netstack/net_websocket_ext.h>

#define SIZE 512

static const char *url_of(char *buf, const char *fmt, const char *a)
{
    int n = snprintf(buf, SIZE, fmt, a);
    CHECK(n > 0 && n < SIZE);
    return buf;
}

/* Connects c to url, checks an echo, then the request headers the server saw (its /headers
 * path), closes. Returns the report (valid until rec_reset). */
static const char *echo_then_headers(struct WebSocket *c, const char *url, const char *headers_url)
{
    const rec_event *ev;
    rec_forget(c);
    CONNECT_OPEN(c, url);
    CHECK_ECHO(c, "over a unix socket");
    CLOSE_WAIT(c, 1000, "done");
    rec_check_sequence(c, 1);
    rec_forget(c);
    CONNECT_OPEN(c, headers_url);
    WAIT_FOR(c, EV_MESSAGE, 1, 5000);
    ev = rec_nth(c, EV_MESSAGE, 0);
    CLOSE_WAIT(c, 1000, "done");
    return ev->text;
}

static void url_form(void)
{
    char url[SIZE], headers[SIZE];
    const char *path = test_env("WS_UNIX_SOCKET"), *lines;
    struct WebSocket *c = rec_client();
    url_of(url, "ws+unix://%s:/anything", path);
    lines = echo_then_headers(c, url, url_of(headers, "ws+unix://%s:/headers", path));
    CHECK_MSG(count_fields(lines, "Host", "localhost") == 1, "headers:\n%s", lines);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void setter(void)
{
    const char *path = test_env("WS_UNIX_SOCKET"), *lines;
    struct WebSocket *c = rec_client();
    CHECK_EQ(WebSocketEx_SetUnixSocket(c, path), WEBSOCKET_OK);
    lines = echo_then_headers(c, "ws://example.test:8080/x", "ws://example.test:8080/headers");
    CHECK_MSG(count_fields(lines, "Host", "example.test:8080") == 1, "headers:\n%s", lines);
    /* NULL: TCP again. */
    CHECK_EQ(WebSocketEx_SetUnixSocket(c, NULL), WEBSOCKET_OK);
    rec_forget(c);
    CONNECT_OPEN(c, echo_url("/"));
    CHECK_ECHO(c, "over TCP again");
    CLOSE_WAIT(c, 1000, "done");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void tls_over_the_socket(void)
{
    char ca[SIZE], url[SIZE];
    const char *path = test_env("WS_UNIX_TLS_SOCKET"), *message;
    struct WebSocket *c = rec_client();
    pki_path(ca, sizeof ca, "ca.pem");
    CHECK_EQ(WebSocketEx_SetCAFile(c, ca), WEBSOCKET_OK);
    /* The URL form: the certificate is checked for localhost. */
    CONNECT_OPEN(c, url_of(url, "wss+unix://%s:/tls", path));
    CHECK_ECHO(c, "TLS over a unix socket");
    CLOSE_WAIT(c, 1000, "done");
    rec_forget(c);
    /* The setter: the URL's host is the name checked. */
    CHECK_EQ(WebSocketEx_SetUnixSocket(c, path), WEBSOCKET_OK);
    CONNECT_OPEN(c, "wss://localhost/setter");
    CHECK_ECHO(c, "TLS through the setter");
    CLOSE_WAIT(c, 1000, "done");
    rec_forget(c);
    message = CONNECT_FAIL(c, "wss://other.example/", WEBSOCKET_CONNECTION_ERROR);
    CHECK_CONTAINS(message, "wss://other.example:443: TLS certificate verify failed");
    CHECK_CONTAINS(message, "not valid for name \"other.example\"");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void missing_socket(void)
{
    struct WebSocket *c = rec_client();
    const char *message = CONNECT_FAIL(c, "ws+unix:///nonexistent/net_websocket.sock:/x",
                                       WEBSOCKET_CONNECTION_ERROR);
    CHECK_MSG(strcmp(message, "ws+unix:///nonexistent/net_websocket.sock: connect to unix socket "
                              "/nonexistent/net_websocket.sock failed: no such file or directory") == 0,
              "onError message: %s", message);
    /* Through the setter the message names the URL's server and the path. */
    rec_forget(c);
    CHECK_EQ(WebSocketEx_SetUnixSocket(c, "/nonexistent/setter.sock"), WEBSOCKET_OK);
    message = CONNECT_FAIL(c, "ws://example.test/", WEBSOCKET_CONNECTION_ERROR);
    CHECK_MSG(strcmp(message, "ws://example.test:80: connect to unix socket "
                              "/nonexistent/setter.sock failed: no such file or directory") == 0,
              "onError message: %s", message);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void bad_values(void)
{
    char long_path[200], url[SIZE];
    struct WebSocket *c = rec_client();
    memset(long_path, 'a', 108);
    long_path[0] = '/';
    long_path[108] = '\0';
    CHECK_EQ(OH_WebSocketClient_Connect(c, url_of(url, "ws+unix://%s", long_path), no_headers()),
             WEBSOCKET_CONNECTION_PARSE_URL_ERROR);
    CHECK_EQ(WebSocketEx_SetUnixSocket(c, long_path), WEBSOCKET_CONNECTION_PARSE_URL_ERROR);
    CHECK_CONTAINS(WebSocketEx_GetLastErrorMessage(), "over the 107");
    long_path[107] = '\0'; /* 107 bytes fit */
    CHECK_EQ(WebSocketEx_SetUnixSocket(c, long_path), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetUnixSocket(c, ""), WEBSOCKET_CONNECTION_PARSE_URL_ERROR);
    CHECK_EQ(WebSocketEx_SetUnixSocket(NULL, "/x"), WEBSOCKET_CLIENT_NULL);
    CHECK_QUIET(c, 100);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_NO_CONNECTION_CONTEXT);
    CHECK_EQ(WebSocketEx_SetUnixSocket(c, "/x"), WEBSOCKET_CLIENT_NOT_CREATED);
}

int main(void)
{
    test_init();
    url_form();
    setter();
    tls_over_the_socket();
    missing_socket();
    bad_values();
    printf("test_unix_socket: all passed\n");
    return 0;
}
