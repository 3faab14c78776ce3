/*
 * test_network_setters.c — every setter of net_websocket_ext.h "Corporate networks" with bad
 * handles (NULL, a pointer that is no client, a destroyed client) and bad values: each returns
 * its documented code, says why in WebSocketEx_GetLastErrorMessage, changes nothing (a good
 * setting made before still works), and "" after a success. Run plainly and under valgrind.
 */
#include "common.h"

#include <network/netstack/net_websocket_ext.h>

#define SIZE 512

static char ca[SIZE], missing[SIZE], not_a_key[SIZE];

/* Every setter with the same handle, expecting code (a bad handle's). */
static void every_setter_returns(struct WebSocket *c, int code)
{
    CHECK_EQ(WebSocketEx_SetProxyCAFile(c, ca), code);
    CHECK_EQ(WebSocketEx_SetPinnedPublicKey(c, NULL), code);
    CHECK_EQ(WebSocketEx_SetTlsVersions(c, 0, 0), code);
    CHECK_EQ(WebSocketEx_SetLocalAddress(c, "127.0.0.1"), code);
    CHECK_EQ(WebSocketEx_SetInterface(c, NULL), code);
    CHECK_EQ(WebSocketEx_SetResolve(c, "h:1:127.0.0.1"), code);
    CHECK_EQ(WebSocketEx_SetTcpKeepalive(c, 0, 0, 0), code);
}

static void test_bad_handles(void)
{
    struct WebSocket fake, *c = rec_client();
    memset(&fake, 0, sizeof fake);
    every_setter_returns(NULL, WEBSOCKET_CLIENT_NULL);
    CHECK_CONTAINS(WebSocketEx_GetLastErrorMessage(), "the client is NULL");
    every_setter_returns(&fake, WEBSOCKET_CLIENT_NOT_CREATED);
    CHECK_CONTAINS(WebSocketEx_GetLastErrorMessage(), "not a live client");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_NO_CONNECTION_CONTEXT);
    every_setter_returns(c, WEBSOCKET_CLIENT_NOT_CREATED);
}

static void test_tls_values(struct WebSocket *c)
{
    /* The versions are their wire values. */
    CHECK_EQ(WEBSOCKET_EX_TLS1_2, 0x0303);
    CHECK_EQ(WEBSOCKET_EX_TLS1_3, 0x0304);
    EXPECT(WebSocketEx_SetProxyCAFile(c, ca), WEBSOCKET_OK, "");
    EXPECT(WebSocketEx_SetProxyCAFile(c, missing), WEBSOCKET_CONNECTION_ERROR, "no such file");
    EXPECT(WebSocketEx_SetProxyCAFile(c, not_a_key), WEBSOCKET_CONNECTION_ERROR,
           "no PEM certificate");
    EXPECT(WebSocketEx_SetProxyCAFile(c, NULL), WEBSOCKET_OK, "");

    EXPECT(WebSocketEx_SetPinnedPublicKey(c, ""), WEBSOCKET_CONNECTION_ERROR, "empty pin list");
    EXPECT(WebSocketEx_SetPinnedPublicKey(c, "sha256//AAAA"), WEBSOCKET_CONNECTION_ERROR,
           "not the base64 of a 32-byte SHA-256 hash");
    EXPECT(WebSocketEx_SetPinnedPublicKey(c, "sha256//not base64!"), WEBSOCKET_CONNECTION_ERROR,
           "pin 1");
    EXPECT(WebSocketEx_SetPinnedPublicKey(
               c, "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=;md5//x"),
           WEBSOCKET_CONNECTION_ERROR, "pin 2");
    EXPECT(WebSocketEx_SetPinnedPublicKey(c, missing), WEBSOCKET_CONNECTION_ERROR,
           "no such file");
    EXPECT(WebSocketEx_SetPinnedPublicKey(c, not_a_key), WEBSOCKET_CONNECTION_ERROR,
           "neither a PEM PUBLIC KEY nor a DER public key");
    EXPECT(WebSocketEx_SetPinnedPublicKey(c, "\xff\xfe"), WEBSOCKET_CONNECTION_ERROR,
           "not UTF-8");
    EXPECT(WebSocketEx_SetPinnedPublicKey(
               c, "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
           WEBSOCKET_OK, "");
    EXPECT(WebSocketEx_SetPinnedPublicKey(c, NULL), WEBSOCKET_OK, "");

    EXPECT(WebSocketEx_SetTlsVersions(c, WEBSOCKET_EX_TLS1_3, WEBSOCKET_EX_TLS1_2),
           WEBSOCKET_CONNECTION_ERROR, "the minimum TLS version (TLS 1.3) is above the maximum");
    EXPECT(WebSocketEx_SetTlsVersions(c, 0x0301, 0), WEBSOCKET_CONNECTION_ERROR,
           "minVersion 0x0301 is not WEBSOCKET_EX_TLS1_2");
    EXPECT(WebSocketEx_SetTlsVersions(c, 0, 0x0305), WEBSOCKET_CONNECTION_ERROR, "maxVersion");
    EXPECT(WebSocketEx_SetTlsVersions(c, -1, 0), WEBSOCKET_CONNECTION_ERROR, "minVersion");
    EXPECT(WebSocketEx_SetTlsVersions(c, WEBSOCKET_EX_TLS1_2, WEBSOCKET_EX_TLS1_3), WEBSOCKET_OK,
           "");
    EXPECT(WebSocketEx_SetTlsVersions(c, 0, WEBSOCKET_EX_TLS1_3), WEBSOCKET_OK, "");
}

static void test_network_values(struct WebSocket *c)
{
    EXPECT(WebSocketEx_SetLocalAddress(c, ""), WEBSOCKET_CONNECTION_PARSE_URL_ERROR,
           "empty local address");
    EXPECT(WebSocketEx_SetLocalAddress(c, "localhost"), WEBSOCKET_CONNECTION_PARSE_URL_ERROR,
           "not a numeric IPv4 or IPv6 address");
    EXPECT(WebSocketEx_SetLocalAddress(c, "127.0.0.1:80"), WEBSOCKET_CONNECTION_PARSE_URL_ERROR,
           "without a port");
    EXPECT(WebSocketEx_SetLocalAddress(c, "[::1]"), WEBSOCKET_CONNECTION_PARSE_URL_ERROR,
           "not a numeric");
    EXPECT(WebSocketEx_SetLocalAddress(c, "::1"), WEBSOCKET_OK, "");
    EXPECT(WebSocketEx_SetLocalAddress(c, "127.0.0.2"), WEBSOCKET_OK, "");

    EXPECT(WebSocketEx_SetInterface(c, ""), WEBSOCKET_CONNECTION_ERROR, "empty interface name");
    EXPECT(WebSocketEx_SetInterface(c, "nws-none0"), WEBSOCKET_CONNECTION_ERROR,
           "no network interface named \"nws-none0\"");
    EXPECT(WebSocketEx_SetInterface(c, "lo"), WEBSOCKET_OK, "");
    EXPECT(WebSocketEx_SetInterface(c, NULL), WEBSOCKET_OK, "");

    EXPECT(WebSocketEx_SetResolve(c, ""), WEBSOCKET_CONNECTION_PARSE_URL_ERROR,
           "empty resolve entry");
    EXPECT(WebSocketEx_SetResolve(c, "host"), WEBSOCKET_CONNECTION_PARSE_URL_ERROR,
           "HOST:PORT:ADDRESS");
    EXPECT(WebSocketEx_SetResolve(c, "host:0:127.0.0.1"), WEBSOCKET_CONNECTION_PARSE_URL_ERROR,
           "the port is not 1 to 65535");
    EXPECT(WebSocketEx_SetResolve(c, "host:80:"), WEBSOCKET_CONNECTION_PARSE_URL_ERROR,
           "is not an IP address");
    EXPECT(WebSocketEx_SetResolve(c, "host:80:example.com"), WEBSOCKET_CONNECTION_PARSE_URL_ERROR,
           "\"example.com\" is not an IP address");
    EXPECT(WebSocketEx_SetResolve(c, "[::1:80:127.0.0.1"), WEBSOCKET_CONNECTION_PARSE_URL_ERROR,
           "unclosed [");
    EXPECT(WebSocketEx_SetResolve(c, "host:80:127.0.0.1,[::1]"), WEBSOCKET_OK, "");
    EXPECT(WebSocketEx_SetResolve(c, "[::1]:443:::2"), WEBSOCKET_OK, "");
    EXPECT(WebSocketEx_SetResolve(c, NULL), WEBSOCKET_OK, "");

    EXPECT(WebSocketEx_SetTcpKeepalive(c, 0, 1000, 3), WEBSOCKET_CONNECTION_ERROR,
           "must each be above 0");
    EXPECT(WebSocketEx_SetTcpKeepalive(c, 1000, 1000, 0), WEBSOCKET_CONNECTION_ERROR,
           "must each be above 0");
    EXPECT(WebSocketEx_SetTcpKeepalive(c, 32768000, 1000, 3), WEBSOCKET_CONNECTION_ERROR,
           "at most 32767 s");
    EXPECT(WebSocketEx_SetTcpKeepalive(c, 1000, 1000, 128), WEBSOCKET_CONNECTION_ERROR,
           "at most 127");
    EXPECT(WebSocketEx_SetTcpKeepalive(c, 1, 1, 1), WEBSOCKET_OK, "");
    EXPECT(WebSocketEx_SetTcpKeepalive(c, 0, 0, 0), WEBSOCKET_OK, "");
}

/* A refused value leaves the setting as it was: the client still connects as set before. */
static void test_refusals_change_nothing(void)
{
    struct WebSocket *c = rec_client();
    char entry[SIZE];
    const char *echo = test_env("WS_ECHO_URL");
    snprintf(entry, sizeof entry, "example.test:%s:127.0.0.1", strrchr(echo, ':') + 1);
    EXPECT(WebSocketEx_SetResolve(c, entry), WEBSOCKET_OK, "");
    EXPECT(WebSocketEx_SetLocalAddress(c, "127.0.0.1"), WEBSOCKET_OK, "");
    EXPECT(WebSocketEx_SetResolve(c, "example.test:x:127.0.0.1"),
           WEBSOCKET_CONNECTION_PARSE_URL_ERROR, "the port");
    EXPECT(WebSocketEx_SetLocalAddress(c, "nope"), WEBSOCKET_CONNECTION_PARSE_URL_ERROR, "nope");
    EXPECT(WebSocketEx_SetTcpKeepalive(c, 1, 0, 1), WEBSOCKET_CONNECTION_ERROR, "above 0");
    snprintf(entry, sizeof entry, "ws://example.test%s/", strrchr(echo, ':'));
    CONNECT_OPEN(c, entry);
    CHECK_ECHO(c, "the earlier settings hold");
    CLOSE_WAIT(c, 1000, "done");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

int main(void)
{
    struct WebSocket *c;
    test_init();
    pki_path(ca, sizeof ca, "ca.pem");
    pki_path(missing, sizeof missing, "no-such-file.pem");
    pki_path(not_a_key, sizeof not_a_key, "server.pin");

    test_bad_handles();
    c = rec_client();
    test_tls_values(c);
    test_network_values(c);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_NO_CONNECTION_CONTEXT);
    test_refusals_change_nothing();
    printf("test_network_setters: all passed\n");
    return 0;
}
