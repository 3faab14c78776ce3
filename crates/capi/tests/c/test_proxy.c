/*
 * test_proxy.c — ws:// and wss:// through the local HTTP CONNECT and SOCKS5 proxies of
 * scripts/c-tests.sh (SPEC §6, net_websocket_ext.h "Proxies"): chosen by WebSocketEx_SetProxy
 * and by the environment (http_proxy, https_proxy, all_proxy, upper case, no_proxy), explicit
 * "no proxy", credentials right, wrong and missing, proxies that refuse, and bad proxy URLs.
 * Every tunnel is checked in the proxy's log, so traffic that went around the proxy fails.
 */
#include "common.h"

#include <network/netstack/net_websocket_ext.h>

#define SIZE 512

static char ca[SIZE];
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

/* Lines of the log of proxy var (WS_..._PROXY) that contain "<kind> <authority> <outcome>". */
static size_t tunnels(const char *var, const char *kind, const char *authority,
                      const char *outcome)
{
    char log_var[64], needle[SIZE];
    snprintf(log_var, sizeof log_var, "%s_LOG", var);
    snprintf(needle, sizeof needle, "%s %s %s", kind, authority, outcome);
    return count_lines_with(test_env(log_var), needle);
}

/* Waits (bounded) until the log of var holds `count` such lines; the proxy logs as it goes. */
static void check_tunnels(const char *var, const char *kind, const char *authority,
                          const char *outcome, size_t count, int line)
{
    long long until = now_ms() + scaled_ms(3000);
    while (tunnels(var, kind, authority, outcome) < count && now_ms() < until) sleep_ms(20);
    if (tunnels(var, kind, authority, outcome) != count)
        test_fail(__FILE__, line, "%s log: %zu lines \"%s %s %s\", expected %zu", var,
                  tunnels(var, kind, authority, outcome), kind, authority, outcome, count);
}
#define CHECK_TUNNELS(var, kind, authority, outcome, count)                               \
    check_tunnels((var), (kind), (authority), (outcome), (count), __LINE__)

static struct WebSocket *client_with_proxy(const char *proxy_url)
{
    struct WebSocket *c = rec_client();
    CHECK_EQ(WebSocketEx_SetCAFile(c, ca), WEBSOCKET_OK);
    CHECK_MSG(WebSocketEx_SetProxy(c, proxy_url) == WEBSOCKET_OK, "SetProxy(%s): %s", proxy_url,
              WebSocketEx_GetLastErrorMessage());
    return c;
}

static void test_http_connect(void)
{
    const char *ws = test_env("WS_ECHO_URL"), *wss = test_env("WS_TLS_URL");
    size_t plain = tunnels("WS_HTTP_PROXY", "http", echo_authority, "ok");
    size_t secure = tunnels("WS_HTTP_PROXY", "http", tls_authority, "ok");
    struct WebSocket *c = client_with_proxy(proxy("http", "WS_HTTP_PROXY", NULL));
    OPEN_ECHO_CLOSE(c, ws, "ws through CONNECT");
    CHECK_TUNNELS("WS_HTTP_PROXY", "http", echo_authority, "ok", plain + 1);
    OPEN_ECHO_CLOSE(c, wss, "wss through CONNECT");
    CHECK_TUNNELS("WS_HTTP_PROXY", "http", tls_authority, "ok", secure + 1);
    /* A proxy URL without a scheme is an HTTP proxy. */
    CHECK_EQ(WebSocketEx_SetProxy(c, test_env("WS_HTTP_PROXY")), WEBSOCKET_OK);
    OPEN_ECHO_CLOSE(c, ws, "no scheme means http");
    CHECK_TUNNELS("WS_HTTP_PROXY", "http", echo_authority, "ok", plain + 2);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_socks5(void)
{
    const char *ws = test_env("WS_ECHO_URL"), *wss = test_env("WS_TLS_URL");
    const char *port = strrchr(tls_authority, ':');
    char tls_ip[SIZE];
    size_t ip, tls_by_ip, names, by_name;
    struct WebSocket *c = client_with_proxy(proxy("socks5", "WS_SOCKS_PROXY", NULL));

    snprintf(tls_ip, sizeof tls_ip, "127.0.0.1%s", port);
    ip = tunnels("WS_SOCKS_PROXY", "socks5-ipv4", echo_authority, "ok");
    tls_by_ip = tunnels("WS_SOCKS_PROXY", "socks5-ipv4", tls_ip, "ok");
    names = count_lines_with(test_env("WS_SOCKS_PROXY_LOG"), "socks5-domain ");
    by_name = tunnels("WS_SOCKS_PROXY", "socks5-domain", tls_authority, "ok");
    OPEN_ECHO_CLOSE(c, ws, "ws through SOCKS5");
    CHECK_TUNNELS("WS_SOCKS_PROXY", "socks5-ipv4", echo_authority, "ok", ip + 1);
    /* socks5:// resolves localhost here and sends an address, never the name. */
    OPEN_ECHO_CLOSE(c, wss, "wss through SOCKS5");
    CHECK_TUNNELS("WS_SOCKS_PROXY", "socks5-ipv4", tls_ip, "ok", tls_by_ip + 1);
    CHECK_EQ(count_lines_with(test_env("WS_SOCKS_PROXY_LOG"), "socks5-domain "), names);
    /* socks5h:// sends the name for the proxy to resolve. */
    CHECK_EQ(WebSocketEx_SetProxy(c, proxy("socks5h", "WS_SOCKS_PROXY", NULL)), WEBSOCKET_OK);
    OPEN_ECHO_CLOSE(c, wss, "wss through SOCKS5h");
    CHECK_TUNNELS("WS_SOCKS_PROXY", "socks5-domain", tls_authority, "ok", by_name + 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_credentials(void)
{
    const char *ws = test_env("WS_ECHO_URL"), *wss = test_env("WS_TLS_URL");
    /* The password is "p@ss word": percent-encoded in the URL. */
    const char *right = "user:p%40ss%20word", *wrong = "user:p%40ss";
    struct WebSocket *c = client_with_proxy(proxy("http", "WS_HTTP_AUTH_PROXY", right));
    const char *message;

    OPEN_ECHO_CLOSE(c, wss, "authenticated CONNECT");
    CHECK_TUNNELS("WS_HTTP_AUTH_PROXY", "http", tls_authority, "ok", 1);
    CHECK_EQ(WebSocketEx_SetProxy(c, proxy("http", "WS_HTTP_AUTH_PROXY", wrong)), WEBSOCKET_OK);
    message = CONNECT_FAILS(c, ws);
    CHECK_CONTAINS(message, "proxy http://");
    CHECK_CONTAINS(message, "answered 407 Proxy Authentication Required");
    CHECK_CONTAINS(message, "credentials were refused");
    CHECK_MSG(strstr(message, "p@ss") == NULL && strstr(message, "user:") == NULL,
              "the message shows the credentials: %s", message);
    CHECK_TUNNELS("WS_HTTP_AUTH_PROXY", "http", echo_authority, "auth-failed", 1);
    CHECK_EQ(WebSocketEx_SetProxy(c, proxy("http", "WS_HTTP_AUTH_PROXY", NULL)), WEBSOCKET_OK);
    message = CONNECT_FAILS(c, ws);
    CHECK_CONTAINS(message, "answered 407");
    CHECK_CONTAINS(message, "give user:password");
    CHECK_TUNNELS("WS_HTTP_AUTH_PROXY", "http", echo_authority, "auth-required", 1);

    CHECK_EQ(WebSocketEx_SetProxy(c, proxy("socks5", "WS_SOCKS_AUTH_PROXY", right)),
             WEBSOCKET_OK);
    OPEN_ECHO_CLOSE(c, ws, "authenticated SOCKS5");
    CHECK_TUNNELS("WS_SOCKS_AUTH_PROXY", "socks5-ipv4", echo_authority, "ok", 1);
    CHECK_EQ(WebSocketEx_SetProxy(c, proxy("socks5", "WS_SOCKS_AUTH_PROXY", wrong)),
             WEBSOCKET_OK);
    message = CONNECT_FAILS(c, ws);
    CHECK_CONTAINS(message, "proxy socks5://");
    CHECK_CONTAINS(message, "rejected the user name and password");
    CHECK_EQ(WebSocketEx_SetProxy(c, proxy("socks5", "WS_SOCKS_AUTH_PROXY", NULL)), WEBSOCKET_OK);
    CHECK_CONTAINS(CONNECT_FAILS(c, ws), "requires authentication");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_refusals(void)
{
    const char *ws = test_env("WS_ECHO_URL");
    struct WebSocket *c = client_with_proxy("http://127.0.0.1:1");
    const char *message = CONNECT_FAILS(c, ws);
    CHECK_CONTAINS(message, "proxy http://127.0.0.1:1 could not be reached");
    CHECK_CONTAINS(message, "connection refused");
    CHECK_EQ(WebSocketEx_SetProxy(c, proxy("http", "WS_HTTP_DENY_PROXY", NULL)), WEBSOCKET_OK);
    CHECK_CONTAINS(CONNECT_FAILS(c, ws), "answered 403 Forbidden");
    CHECK_TUNNELS("WS_HTTP_DENY_PROXY", "http", echo_authority, "denied 403", 1);
    CHECK_EQ(WebSocketEx_SetProxy(c, proxy("socks5", "WS_SOCKS_DENY_PROXY", NULL)), WEBSOCKET_OK);
    message = CONNECT_FAILS(c, ws);
    CHECK_CONTAINS(message, "refused the connection: connection not allowed by ruleset");
    CHECK_CONTAINS(message, "(SOCKS5 reply 2)");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* The environment is read at each Connect on the calling thread; no connection attempt is in
 * flight while this test changes it. */
static void test_environment(void)
{
    const char *ws = test_env("WS_ECHO_URL"), *wss = test_env("WS_TLS_URL");
    const char *good = proxy("http", "WS_HTTP_PROXY", NULL);
    const char *deny = proxy("http", "WS_HTTP_DENY_PROXY", NULL);
    size_t via_good = tunnels("WS_HTTP_PROXY", "http", echo_authority, "ok");
    size_t secure_via_good = tunnels("WS_HTTP_PROXY", "http", tls_authority, "ok");
    size_t denied = tunnels("WS_HTTP_DENY_PROXY", "http", echo_authority, "denied 403");
    size_t by_name = tunnels("WS_SOCKS_PROXY", "socks5-domain", tls_authority, "ok");
    struct WebSocket *c = rec_client();
    CHECK_EQ(WebSocketEx_SetCAFile(c, ca), WEBSOCKET_OK);

    clear_proxy_environment();
    set_env("http_proxy", good);
    OPEN_ECHO_CLOSE(c, ws, "http_proxy");
    CHECK_TUNNELS("WS_HTTP_PROXY", "http", echo_authority, "ok", ++via_good);
    /* wss:// does not use http_proxy. */
    OPEN_ECHO_CLOSE(c, wss, "wss ignores http_proxy");
    CHECK_TUNNELS("WS_HTTP_PROXY", "http", tls_authority, "ok", secure_via_good);

    clear_proxy_environment();
    set_env("HTTP_PROXY", good);
    OPEN_ECHO_CLOSE(c, ws, "HTTP_PROXY");
    CHECK_TUNNELS("WS_HTTP_PROXY", "http", echo_authority, "ok", ++via_good);
    set_env("http_proxy", deny); /* lower case wins */
    CHECK_CONTAINS(CONNECT_FAILS(c, ws), "answered 403");
    CHECK_TUNNELS("WS_HTTP_DENY_PROXY", "http", echo_authority, "denied 403", ++denied);

    clear_proxy_environment();
    set_env("https_proxy", proxy("socks5h", "WS_SOCKS_PROXY", NULL));
    set_env("http_proxy", deny);
    OPEN_ECHO_CLOSE(c, wss, "https_proxy");
    CHECK_TUNNELS("WS_SOCKS_PROXY", "socks5-domain", tls_authority, "ok", by_name + 1);

    clear_proxy_environment();
    set_env("ALL_PROXY", good);
    OPEN_ECHO_CLOSE(c, ws, "ALL_PROXY");
    CHECK_TUNNELS("WS_HTTP_PROXY", "http", echo_authority, "ok", ++via_good);

    /* no_proxy: exact IP, CIDR, names with and without the leading dot, upper case; a port
     * that does not match leaves the proxy in place. */
    clear_proxy_environment();
    set_env("http_proxy", deny);
    set_env("https_proxy", deny);
    set_env("no_proxy", "example.com, 127.0.0.1");
    OPEN_ECHO_CLOSE(c, ws, "no_proxy IP");
    set_env("no_proxy", "10.0.0.0/8,127.0.0.0/8");
    OPEN_ECHO_CLOSE(c, ws, "no_proxy CIDR");
    set_env("no_proxy", "localhost");
    OPEN_ECHO_CLOSE(c, wss, "no_proxy name");
    set_env("no_proxy", ".localhost");
    OPEN_ECHO_CLOSE(c, wss, "no_proxy .name");
    CHECK_EQ(unsetenv("no_proxy"), 0);
    set_env("NO_PROXY", "*");
    OPEN_ECHO_CLOSE(c, ws, "NO_PROXY *");
    CHECK_EQ(unsetenv("NO_PROXY"), 0);
    set_env("no_proxy", "127.0.0.1:1");
    CHECK_CONTAINS(CONNECT_FAILS(c, ws), "answered 403");
    CHECK_TUNNELS("WS_HTTP_DENY_PROXY", "http", echo_authority, "denied 403", ++denied);

    /* The setter wins over the environment: no proxy, or another one; NULL gives it back. */
    CHECK_EQ(unsetenv("no_proxy"), 0);
    CHECK_EQ(WebSocketEx_SetProxy(c, WEBSOCKET_EX_NO_PROXY), WEBSOCKET_OK);
    OPEN_ECHO_CLOSE(c, ws, "no proxy at all");
    CHECK_EQ(WebSocketEx_SetProxy(c, good), WEBSOCKET_OK);
    OPEN_ECHO_CLOSE(c, ws, "the setter's proxy");
    CHECK_TUNNELS("WS_HTTP_PROXY", "http", echo_authority, "ok", ++via_good);
    CHECK_EQ(WebSocketEx_SetProxy(c, NULL), WEBSOCKET_OK);
    CHECK_CONTAINS(CONNECT_FAILS(c, ws), "answered 403");
    CHECK_TUNNELS("WS_HTTP_DENY_PROXY", "http", echo_authority, "denied 403", ++denied);

    /* A proxy variable that is not a proxy URL fails the attempt and says which one. */
    set_env("http_proxy", "ftp://127.0.0.1:21");
    CHECK_CONTAINS(CONNECT_FAILS(c, ws), "proxy $http_proxy is not usable");

    clear_proxy_environment();
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_set_proxy_errors(void)
{
    static const char *const bad[] = {"socks4://127.0.0.1:1080", "ftp://x", "http://",
                                      "http://host:99999", "http://h:0", "https://h:0"};
    struct WebSocket fake, *c = rec_client();
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_MSG(WebSocketEx_SetProxy(c, bad[i]) == WEBSOCKET_CONNECTION_PARSE_URL_ERROR,
                  "SetProxy(%s) was accepted", bad[i]);
        CHECK_CONTAINS(WebSocketEx_GetLastErrorMessage(), "invalid proxy URL");
    }
    CHECK_EQ(WebSocketEx_SetProxy(c, "socks5h://u:p@[::1]:9050"), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetProxy(c, "https://u:p@proxy.example"), WEBSOCKET_OK);
    CHECK_EQ(strcmp(WebSocketEx_GetLastErrorMessage(), ""), 0);
    memset(&fake, 0, sizeof fake);
    CHECK_EQ(WebSocketEx_SetProxy(NULL, NULL), WEBSOCKET_CLIENT_NULL);
    CHECK_EQ(WebSocketEx_SetProxy(&fake, NULL), WEBSOCKET_CLIENT_NOT_CREATED);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_NO_CONNECTION_CONTEXT);
    CHECK_EQ(WebSocketEx_SetProxy(c, WEBSOCKET_EX_NO_PROXY), WEBSOCKET_CLIENT_NOT_CREATED);
}

int main(void)
{
    const char *echo = test_env("WS_ECHO_URL"), *tls = test_env("WS_TLS_URL");
    test_init();
    pki_path(ca, sizeof ca, "ca.pem");
    snprintf(echo_authority, sizeof echo_authority, "%s", strstr(echo, "://") + 3);
    snprintf(tls_authority, sizeof tls_authority, "%s", strstr(tls, "://") + 3);

    test_http_connect();
    test_socks5();
    test_credentials();
    test_refusals();
    test_environment();
    test_set_proxy_errors();
    printf("test_proxy: all passed\n");
    return 0;
}
