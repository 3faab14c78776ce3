/*
 * test_https_proxy.c — proxies of corporate networks (net_websocket_ext.h "Proxies" and
 * "Corporate networks"): ws:// and wss:// through an https:// proxy (TLS to the proxy, CONNECT
 * inside it, the server's TLS inside that), chosen by WebSocketEx_SetProxy, by https_proxy and
 * by wss_proxy / ws_proxy; a proxy certificate from an unknown CA fails naming the proxy's
 * TLS, and WebSocketEx_SetProxyCAFile trusts it for the proxy alone; Digest authentication
 * with SHA-256 (preferred, on the connection the proxy keeps) and MD5 (on a new connection),
 * right and wrong; an NTLM-only proxy gives an onError naming every scheme it offered. Every
 * tunnel is checked in the proxy's log.
 */
#include "common.h"

#include <network/netstack/net_websocket_ext.h>

#define SIZE 512

static char ca[SIZE], other_ca[SIZE];
static char echo_authority[SIZE], tls_authority[SIZE]; /* 127.0.0.1:PORT, localhost:PORT */

/* scheme://[userinfo@]host:port of the proxy in environment variable var. */
static const char *proxy(const char *scheme, const char *var, const char *userinfo)
{
    static char buf[4][SIZE];
    static int next;
    char *out = buf[next++ % 4];
    int n = snprintf(out, SIZE, "%s://%s%s%s", scheme, userinfo ? userinfo : "",
                     userinfo ? "@" : "", test_env(var));
    CHECK(n > 0 && n < SIZE);
    return out;
}

/* Lines of the log of proxy var (WS_..._PROXY) that contain needle. */
static size_t logged(const char *var, const char *needle)
{
    char log_var[64];
    snprintf(log_var, sizeof log_var, "%s_LOG", var);
    return count_lines_with(test_env(log_var), needle);
}

/* "<kind> <authority> <outcome>" into a static buffer. */
static const char *line_of(const char *authority, const char *outcome)
{
    static char buf[2][SIZE];
    static int next;
    char *out = buf[next++ % 2];
    snprintf(out, SIZE, "http %s %s", authority, outcome);
    return out;
}

/* Waits (bounded) until the log of var holds `count` lines with needle. */
static void check_logged(const char *var, const char *needle, size_t count, int line)
{
    long long until = now_ms() + scaled_ms(3000);
    while (logged(var, needle) < count && now_ms() < until) sleep_ms(20);
    if (logged(var, needle) != count)
        test_fail(__FILE__, line, "%s log: %zu lines \"%s\", expected %zu", var,
                  logged(var, needle), needle, count);
}
#define CHECK_LOGGED(var, needle, count) check_logged((var), (needle), (count), __LINE__)

static struct WebSocket *client_with_proxy(const char *proxy_url)
{
    struct WebSocket *c = rec_client();
    CHECK_EQ(WebSocketEx_SetCAFile(c, ca), WEBSOCKET_OK);
    CHECK_MSG(WebSocketEx_SetProxy(c, proxy_url) == WEBSOCKET_OK, "SetProxy(%s): %s", proxy_url,
              WebSocketEx_GetLastErrorMessage());
    return c;
}

/* ws:// and wss:// through the https:// proxy (wss:// is TLS inside TLS). */
static void test_https_proxy_by_setter(void)
{
    const char *ws = test_env("WS_ECHO_URL"), *wss = test_env("WS_TLS_URL");
    size_t plain = logged("WS_HTTPS_PROXY", line_of(echo_authority, "ok"));
    size_t secure = logged("WS_HTTPS_PROXY", line_of(tls_authority, "ok"));
    struct WebSocket *c = client_with_proxy(proxy("https", "WS_HTTPS_PROXY", NULL));
    OPEN_ECHO_CLOSE(c, ws, "ws through an https proxy");
    CHECK_LOGGED("WS_HTTPS_PROXY", line_of(echo_authority, "ok"), plain + 1);
    OPEN_ECHO_CLOSE(c, wss, "wss through an https proxy");
    CHECK_LOGGED("WS_HTTPS_PROXY", line_of(tls_authority, "ok"), secure + 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* The environment is read at each Connect on the calling thread; no attempt is in flight
 * while this test changes it. */
static void test_https_proxy_by_environment(void)
{
    const char *ws = test_env("WS_ECHO_URL"), *wss = test_env("WS_TLS_URL");
    const char *https = proxy("https", "WS_HTTPS_PROXY", NULL);
    const char *deny = proxy("http", "WS_HTTP_DENY_PROXY", NULL);
    size_t secure = logged("WS_HTTPS_PROXY", line_of(tls_authority, "ok"));
    size_t plain = logged("WS_HTTPS_PROXY", line_of(echo_authority, "ok"));
    struct WebSocket *c = rec_client();
    CHECK_EQ(WebSocketEx_SetCAFile(c, ca), WEBSOCKET_OK);

    clear_proxy_environment();
    set_env("https_proxy", https);
    OPEN_ECHO_CLOSE(c, wss, "https_proxy names an https proxy");
    CHECK_LOGGED("WS_HTTPS_PROXY", line_of(tls_authority, "ok"), ++secure);

    /* wss_proxy comes before https_proxy (curl 8, python-websockets), lower case first. */
    set_env("https_proxy", deny);
    set_env("wss_proxy", https);
    set_env("WSS_PROXY", deny);
    OPEN_ECHO_CLOSE(c, wss, "wss_proxy");
    CHECK_LOGGED("WS_HTTPS_PROXY", line_of(tls_authority, "ok"), ++secure);
    CHECK_EQ(unsetenv("wss_proxy"), 0);
    CHECK_CONTAINS(CONNECT_FAILS(c, wss), "answered 403");
    CHECK_EQ(unsetenv("WSS_PROXY"), 0);

    /* ws_proxy comes before http_proxy; no_proxy applies to it. */
    set_env("http_proxy", deny);
    set_env("ws_proxy", https);
    OPEN_ECHO_CLOSE(c, ws, "ws_proxy");
    CHECK_LOGGED("WS_HTTPS_PROXY", line_of(echo_authority, "ok"), ++plain);
    set_env("no_proxy", "127.0.0.1");
    OPEN_ECHO_CLOSE(c, ws, "no_proxy bypasses ws_proxy");
    CHECK_LOGGED("WS_HTTPS_PROXY", line_of(echo_authority, "ok"), plain);

    clear_proxy_environment();
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* A proxy whose certificate does not chain to what we trust: the message names the proxy's
 * TLS, not the server's; the proxy CA file trusts it for the proxy alone. */
static void test_proxy_certificate(void)
{
    const char *wss = test_env("WS_TLS_URL");
    const char *untrusted = proxy("https", "WS_HTTPS_UNTRUSTED_PROXY", NULL);
    struct WebSocket *c = client_with_proxy(untrusted);
    const char *message = CONNECT_FAILS(c, wss);
    CHECK_CONTAINS(message, "wss://localhost:");
    CHECK_CONTAINS(message, "proxy https://127.0.0.1:");
    CHECK_CONTAINS(message, "could not be used over TLS: TLS certificate verify failed: "
                            "certificate signed by unknown authority");
    CHECK_EQ(logged("WS_HTTPS_UNTRUSTED_PROXY", "http "), 0);

    /* The other CA for the proxy; the server is still verified against ca.pem. */
    CHECK_EQ(WebSocketEx_SetProxyCAFile(c, other_ca), WEBSOCKET_OK);
    OPEN_ECHO_CLOSE(c, wss, "proxy CA file");
    CHECK_LOGGED("WS_HTTPS_UNTRUSTED_PROXY", line_of(tls_authority, "ok"), 1);
    /* The proxy CA file does not vouch for the server. */
    CHECK_EQ(WebSocketEx_SetCAFile(c, other_ca), WEBSOCKET_OK);
    message = CONNECT_FAILS(c, wss);
    CHECK_CONTAINS(message, "TLS certificate verify failed: certificate signed by unknown authority");
    CHECK_MSG(strstr(message, "proxy https://") == NULL, "the proxy's TLS failed: %s", message);

    /* Skipping the server's verification does not skip the proxy's. */
    CHECK_EQ(WebSocketEx_SetCAFile(c, ca), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetProxyCAFile(c, NULL), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetSkipCertificateVerification(c, 1), WEBSOCKET_OK);
    CHECK_CONTAINS(CONNECT_FAILS(c, wss), "could not be used over TLS");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* Digest: SHA-256 preferred when both are offered (the proxy keeps the connection after its
 * 407), MD5 when it is the only one (the proxy closes: a new connection); wrong passwords are
 * refused; no credentials at all ask for them. */
static void test_digest(void)
{
    const char *ws = test_env("WS_ECHO_URL"), *wss = test_env("WS_TLS_URL");
    const char *right = "user:p%40ss%20word", *wrong = "user:p%40ss";
    struct WebSocket *c = client_with_proxy(proxy("http", "WS_DIGEST_PROXY", right));
    const char *message;

    OPEN_ECHO_CLOSE(c, wss, "Digest SHA-256");
    CHECK_LOGGED("WS_DIGEST_PROXY", line_of(tls_authority, "ok digest-sha-256"), 1);
    /* Basic went first and was asked for Digest. */
    CHECK_LOGGED("WS_DIGEST_PROXY", line_of(tls_authority, "auth-required"), 1);
    CHECK_EQ(WebSocketEx_SetProxy(c, proxy("http", "WS_DIGEST_PROXY", wrong)), WEBSOCKET_OK);
    message = CONNECT_FAILS(c, ws);
    CHECK_CONTAINS(message, "answered 407 Proxy Authentication Required: the credentials were refused");
    CHECK_MSG(strstr(message, "p@ss") == NULL, "the message shows the password: %s", message);
    CHECK_LOGGED("WS_DIGEST_PROXY", line_of(echo_authority, "auth-failed"), 1);

    CHECK_EQ(WebSocketEx_SetProxy(c, proxy("http", "WS_DIGEST_MD5_PROXY", right)), WEBSOCKET_OK);
    OPEN_ECHO_CLOSE(c, ws, "Digest MD5 on a new connection");
    CHECK_LOGGED("WS_DIGEST_MD5_PROXY", line_of(echo_authority, "ok digest-md5"), 1);
    CHECK_EQ(WebSocketEx_SetProxy(c, proxy("http", "WS_DIGEST_MD5_PROXY", wrong)), WEBSOCKET_OK);
    CHECK_CONTAINS(CONNECT_FAILS(c, wss), "the credentials were refused");
    CHECK_LOGGED("WS_DIGEST_MD5_PROXY", line_of(tls_authority, "auth-failed"), 1);
    CHECK_EQ(WebSocketEx_SetProxy(c, proxy("http", "WS_DIGEST_MD5_PROXY", NULL)), WEBSOCKET_OK);
    CHECK_CONTAINS(CONNECT_FAILS(c, ws), "give user:password in the proxy URL");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_ntlm_only(void)
{
    const char *ws = test_env("WS_ECHO_URL");
    struct WebSocket *c = client_with_proxy(proxy("http", "WS_NTLM_PROXY", "user:pw"));
    const char *message = CONNECT_FAILS(c, ws);
    CHECK_CONTAINS(message, "proxy http://127.0.0.1:");
    CHECK_CONTAINS(message, "asks for authentication we cannot give: it offers NTLM, Negotiate;");
    CHECK_EQ(WebSocketEx_SetProxy(c, proxy("http", "WS_NTLM_PROXY", NULL)), WEBSOCKET_OK);
    CHECK_CONTAINS(CONNECT_FAILS(c, ws), "it offers NTLM, Negotiate");
    CHECK_LOGGED("WS_NTLM_PROXY", line_of(echo_authority, "auth-required"), 2);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

int main(void)
{
    const char *echo = test_env("WS_ECHO_URL"), *tls = test_env("WS_TLS_URL");
    test_init();
    pki_path(ca, sizeof ca, "ca.pem");
    pki_path(other_ca, sizeof other_ca, "other-ca.pem");
    snprintf(echo_authority, sizeof echo_authority, "%s", strstr(echo, "://") + 3);
    snprintf(tls_authority, sizeof tls_authority, "%s", strstr(tls, "://") + 3);

    test_https_proxy_by_setter();
    test_https_proxy_by_environment();
    test_proxy_certificate();
    test_digest();
    test_ntlm_only();
    printf("test_https_proxy: all passed\n");
    return 0;
}
