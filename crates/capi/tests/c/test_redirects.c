/*
 * test_redirects.c — redirects during the opening handshake (net_websocket_ext.h,
 * WebSocketEx_SetFollowRedirects), through the echo server's /redirect/CODE?LOCATION and
 * /redirect-loop paths: relative, absolute, http:// and wss:// locations are followed for
 * every redirect code; 5 in a row are followed and a 6th fails with onError(1009, "too many
 * redirects"); a loop and a redirect from wss:// to ws:// are refused; with following off a
 * redirect fails the attempt with its code and location; the AddHeader headers are sent again
 * to the same origin (scheme, host, port) and to no other (WebSocketEx_SetRedirectTrusted
 * sends them everywhere); one connect timeout bounds the whole chain (/slow-redirect/MS); the
 * handshake response callback sees every response in order, before onOpen.
 */
#include "common.h"

#include <network/netstack/net_websocket_ext.h>

#define SIZE 1024

static char echo_base[SIZE]; /* ws://127.0.0.1:PORT */
static char echo_port[16];   /* :PORT */

static const char *url_of(char *buf, const char *fmt, const char *a, const char *b)
{
    int n = snprintf(buf, SIZE, fmt, a, b);
    CHECK(n > 0 && n < SIZE);
    return buf;
}

/* Opens c on url, checks an echo, closes. */
static void open_echo_close_url(struct WebSocket *c, const char *url)
{
    rec_forget(c);
    CONNECT_OPEN(c, url);
    CHECK_ECHO(c, url);
    CLOSE_WAIT(c, 1000, "done");
    rec_check_sequence(c, 1);
}

static void test_relative_absolute_and_every_code(void)
{
    static const char *const codes[] = {"301", "302", "303", "307", "308"};
    char url[SIZE], location[SIZE];
    struct WebSocket *c = rec_client();
    size_t i;
    open_echo_close_url(c, echo_url("/redirect/302?/"));
    url_of(location, "%s%s", echo_base, "/");
    open_echo_close_url(c, url_of(url, "%s/redirect/301?%s", echo_base, location));
    /* http:// means ws:// */
    url_of(location, "http://127.0.0.1%s%s", echo_port, "/");
    open_echo_close_url(c, url_of(url, "%s/redirect/307?%s", echo_base, location));
    for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        char path[64];
        snprintf(path, sizeof path, "/redirect/%s?/", codes[i]);
        open_echo_close_url(c, echo_url(path));
    }
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* "/redirect/302?" hops times, then "/". */
static const char *chain(int hops)
{
    static char path[SIZE];
    int i;
    path[0] = '\0';
    for (i = 0; i < hops; i++) strcat(path, "/redirect/302?");
    strcat(path, "/");
    return echo_url(path);
}

static void test_five_hops_open_six_fail(void)
{
    struct WebSocket *c = rec_client();
    const char *message;
    CHECK_EQ(WebSocketEx_SetHandshakeResponseCallback(c, rec_on_handshake_response),
             WEBSOCKET_OK);
    open_echo_close_url(c, chain(5));
    /* Five redirects, then the 101. */
    CHECK_EQ(rec_count(c, EV_HANDSHAKE), 6);
    CHECK_EQ(rec_nth(c, EV_HANDSHAKE, 4)->code, 302);
    CHECK_EQ(rec_nth(c, EV_HANDSHAKE, 5)->code, 101);
    rec_forget(c);
    message = CONNECT_FAIL(c, chain(6), WEBSOCKET_PROTOCOL_ERROR);
    CHECK_CONTAINS(message, "too many redirects");
    CHECK_EQ(rec_count(c, EV_HANDSHAKE), 6);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_loop_is_refused(void)
{
    struct WebSocket *c = rec_client();
    CHECK_CONTAINS(CONNECT_FAIL(c, echo_url("/redirect-loop"), WEBSOCKET_PROTOCOL_ERROR),
                   "redirect loop");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_tls_downgrade_is_refused_upgrade_followed(void)
{
    char ca[SIZE], url[SIZE], location[SIZE];
    const char *tls = test_env("WS_TLS_URL"); /* wss://localhost:PORT */
    struct WebSocket *c = rec_client();
    const char *message;
    pki_path(ca, sizeof ca, "ca.pem");
    CHECK_EQ(WebSocketEx_SetCAFile(c, ca), WEBSOCKET_OK);
    url_of(location, "%s%s", echo_base, "/");
    message = CONNECT_FAIL(c, url_of(url, "%s/redirect/302?%s", tls, location),
                           WEBSOCKET_PROTOCOL_ERROR);
    CHECK_CONTAINS(message, "redirect from wss:// to ws:// refused");
    /* ws:// to wss:// is fine, and the new host's certificate is checked (it is valid). */
    url_of(location, "%s%s", tls, "/");
    open_echo_close_url(c, url_of(url, "%s/redirect/302?%s", echo_base, location));
    /* A redirect within wss:// too. */
    open_echo_close_url(c, url_of(url, "%s%s", tls, "/redirect/308?/"));
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_following_off(void)
{
    struct WebSocket *c = rec_client();
    const char *message;
    CHECK_EQ(WebSocketEx_SetHandshakeResponseCallback(c, rec_on_handshake_response),
             WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetFollowRedirects(c, 0), WEBSOCKET_OK);
    message = CONNECT_FAIL(c, echo_url("/redirect/302?/elsewhere"), WEBSOCKET_PROTOCOL_ERROR);
    CHECK_CONTAINS(message, "redirect 302 to /elsewhere not followed");
    CHECK_CONTAINS(message, "redirects are off");
    /* The callback saw the redirect, before the onError. */
    CHECK_EQ(rec_count(c, EV_HANDSHAKE), 1);
    CHECK_EQ(rec_nth(c, EV_ANY, 0)->type, EV_HANDSHAKE);
    CHECK_EQ(rec_nth(c, EV_ANY, 0)->code, 302);
    /* On again. */
    CHECK_EQ(WebSocketEx_SetFollowRedirects(c, 1), WEBSOCKET_OK);
    open_echo_close_url(c, echo_url("/redirect/302?/"));
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* Connects c to url and returns the /headers report it ends at. */
static const char *headers_after(struct WebSocket *c, const char *url)
{
    const rec_event *ev;
    rec_forget(c);
    CONNECT_OPEN(c, url);
    WAIT_FOR(c, EV_MESSAGE, 1, 5000);
    ev = rec_nth(c, EV_MESSAGE, 0);
    CLOSE_WAIT(c, 1000, "done");
    return ev->text;
}

/* Adds the headers a caller may carry credentials in. */
static void add_credential_headers(struct WebSocket *c)
{
    CHECK_EQ(OH_WebSocketClient_AddHeader(c, header("Authorization", "Bearer secret")),
             WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_AddHeader(c, header("Cookie", "session=1")), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_AddHeader(c, header("X-Api-Key", "k-123")), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_AddHeader(c, header("Sec-WebSocket-Protocol", "token.abc")),
             WEBSOCKET_OK);
}

/* How many of the four headers of add_credential_headers the report holds. */
static int credential_headers_in(const char *lines)
{
    return (int)(count_fields(lines, "Authorization", "Bearer secret") +
                 count_fields(lines, "Cookie", "session=1") +
                 count_fields(lines, "X-Api-Key", "k-123") +
                 count_fields(lines, "Sec-WebSocket-Protocol", "token.abc"));
}

static void test_headers_stay_with_the_origin(void)
{
    char url[SIZE], location[SIZE], host[SIZE];
    struct WebSocket *c = rec_client();
    const char *lines;
    add_credential_headers(c);

    /* Same origin (relative, then absolute): every header again, once each. */
    lines = headers_after(c, echo_url("/redirect/302?/headers"));
    CHECK_MSG(credential_headers_in(lines) == 4, "headers:\n%s", lines);
    url_of(location, "%s%s", echo_base, "/headers");
    lines = headers_after(c, url_of(url, "%s/redirect/307?%s", echo_base, location));
    CHECK_MSG(credential_headers_in(lines) == 4, "headers:\n%s", lines);

    /* Another host name for the same server: none of the caller's headers. */
    url_of(location, "ws://localhost%s%s", echo_port, "/headers");
    lines = headers_after(c, url_of(url, "%s/redirect/302?%s", echo_base, location));
    url_of(host, "localhost%s%s", echo_port, "");
    CHECK_MSG(count_fields(lines, "Host", host) == 1, "not a request for %s:\n%s", host, lines);
    CHECK_MSG(credential_headers_in(lines) == 0, "a caller's header went to another host:\n%s",
              lines);

    /* Trusted redirects: every header goes to the other host too. */
    CHECK_EQ(WebSocketEx_SetRedirectTrusted(c, 1), WEBSOCKET_OK);
    lines = headers_after(c, url);
    CHECK_MSG(credential_headers_in(lines) == 4, "headers:\n%s", lines);
    CHECK_EQ(WebSocketEx_SetRedirectTrusted(c, 0), WEBSOCKET_OK);

    /* The next Connect (no redirect) sends them again. */
    lines = headers_after(c, echo_url("/headers"));
    CHECK_MSG(credential_headers_in(lines) == 4, "headers:\n%s", lines);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetRedirectTrusted(c, 1), WEBSOCKET_CLIENT_NOT_CREATED);
    CHECK_EQ(WebSocketEx_SetRedirectTrusted(NULL, 1), WEBSOCKET_CLIENT_NULL);
}

/* Three hops of 400 ms each under a 1 s connect timeout: the chain times out, although no
 * single hop takes a second. */
static void test_one_timeout_for_the_whole_chain(void)
{
    struct WebSocket *c = rec_client();
    const char *message;
    long long started;
    CHECK_EQ(WebSocketEx_SetConnectTimeout(c, 1000), WEBSOCKET_OK);
    /* Two hops fit. */
    open_echo_close_url(c, echo_url("/slow-redirect/300?/slow-redirect/300?/"));
    rec_forget(c);
    started = now_ms();
    message = CONNECT_FAIL(c, echo_url("/slow-redirect/400?/slow-redirect/400?/slow-redirect/400?/"),
                           WEBSOCKET_CONNECTION_ERROR);
    CHECK_CONTAINS(message, "timed out after 1 s");
    CHECK_MSG(now_ms() - started < scaled_ms(1100) + 400,
              "the chain failed after %lld ms", now_ms() - started);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_handshake_responses_in_order(void)
{
    int marker = 0;
    struct WebSocket *c = rec_client();
    const rec_event *ev;
    CHECK_EQ(WebSocketEx_SetUserData(c, &marker), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetHandshakeResponseCallback(c, rec_on_handshake_response),
             WEBSOCKET_OK);
    CONNECT_OPEN(c, echo_url("/redirect/302?/"));
    CHECK_EQ(rec_count(c, EV_ANY), 3);
    ev = rec_nth(c, EV_ANY, 0);
    CHECK_EQ(ev->type, EV_HANDSHAKE);
    CHECK_EQ(ev->code, 302);
    CHECK_MSG(strcmp(ev->text, "Found") == 0, "reason \"%s\"", ev->text);
    CHECK_MSG(count_fields(ev->headers, "Location", "/") == 1, "headers:\n%s", ev->headers);
    CHECK_MSG(count_fields(ev->headers, "Content-Length", "0") == 1, "headers:\n%s",
              ev->headers);
    CHECK(ev->user_data == &marker);
    ev = rec_nth(c, EV_ANY, 1);
    CHECK_EQ(ev->type, EV_HANDSHAKE);
    CHECK_EQ(ev->code, 101);
    CHECK_EQ(rec_nth(c, EV_ANY, 2)->type, EV_OPEN);
    CLOSE_WAIT(c, 1000, "done");
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

int main(void)
{
    const char *colon;
    test_init();
    echo_url_into(echo_base, sizeof echo_base, "");
    colon = strrchr(echo_base, ':');
    CHECK(colon != NULL && strlen(colon) < sizeof echo_port);
    strcpy(echo_port, colon);

    test_relative_absolute_and_every_code();
    test_five_hops_open_six_fail();
    test_loop_is_refused();
    test_tls_downgrade_is_refused_upgrade_followed();
    test_following_off();
    test_headers_stay_with_the_origin();
    test_one_timeout_for_the_whole_chain();
    test_handshake_responses_in_order();
    printf("test_redirects: all passed\n");
    return 0;
}
