/*
 * test_tls_pinning.c — the TLS settings of corporate networks (net_websocket_ext.h "TLS" and
 * "Corporate networks") against the local TLS echo servers: session resumption (a second
 * client with the same trust configuration resumes, as the server's handshake log tells);
 * public-key pins as hashes and as a key file, a wrong pin failing with both hashes named, a
 * pin with verification skipped against a self-signed server; TLS versions (a TLS 1.3-only
 * client against a TLS 1.2-only server fails naming the versions); SSLKEYLOGFILE (the NSS
 * key log of a TLS 1.3 connection, read at Connect).
 */
#include "common.h"

#include <unistd.h>

#include <network/netstack/net_websocket_ext.h>

#define SIZE 512

static char ca[SIZE], ca_dir[SIZE], server_pubkey[SIZE];
static char server_pin[SIZE], device_pin[SIZE]; /* sha256//BASE64 */

/* The first line of a file of the test PKI into buf (a pin). */
static void read_pin(const char *file, char *buf)
{
    char path[SIZE];
    FILE *f;
    pki_path(path, sizeof path, file);
    f = fopen(path, "r");
    CHECK_MSG(f != NULL, "cannot open %s", path);
    CHECK(fgets(buf, SIZE, f) != NULL);
    fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
    CHECK_MSG(strncmp(buf, "sha256//", 8) == 0, "%s holds %s", path, buf);
}

/* Waits (bounded) until the TLS server's log holds `count` lines with needle. */
static size_t handshakes(const char *needle) { return count_lines_with(test_env("WS_TLS_LOG"), needle); }

static void check_handshakes(const char *needle, size_t count, int line)
{
    long long until = now_ms() + scaled_ms(3000);
    while (handshakes(needle) < count && now_ms() < until) sleep_ms(20);
    if (handshakes(needle) != count)
        test_fail(__FILE__, line, "TLS server log: %zu lines \"%s\", expected %zu",
                  handshakes(needle), needle, count);
}
#define CHECK_HANDSHAKES(needle, count) check_handshakes((needle), (count), __LINE__)

/* Two clients with a trust configuration no other client of this process has: the first
 * makes a full handshake, the second resumes its session, and so does a reconnection. */
static void test_resumption(void)
{
    const char *url = test_env("WS_TLS_URL");
    size_t full = handshakes(" full"), resumed = handshakes(" resumed");
    struct WebSocket *a = rec_client(), *b = rec_client();
    CHECK_EQ(WebSocketEx_SetCAFile(a, ca), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetCADirectory(a, ca_dir), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetCAFile(b, ca), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetCADirectory(b, ca_dir), WEBSOCKET_OK);
    OPEN_ECHO_CLOSE(a, url, "first: a full handshake");
    CHECK_HANDSHAKES(" full", full + 1);
    CHECK_HANDSHAKES(" resumed", resumed);
    OPEN_ECHO_CLOSE(b, url, "another client resumes");
    CHECK_HANDSHAKES(" resumed", resumed + 1);
    OPEN_ECHO_CLOSE(a, url, "a reconnection resumes");
    CHECK_HANDSHAKES(" resumed", resumed + 2);
    CHECK_HANDSHAKES(" full", full + 1);
    /* Another trust configuration (verification skipped) never resumes a verified session. */
    CHECK_EQ(WebSocketEx_SetSkipCertificateVerification(b, 1), WEBSOCKET_OK);
    OPEN_ECHO_CLOSE(b, url, "unverified: its own sessions");
    CHECK_HANDSHAKES(" full", full + 2);
    CHECK_EQ(OH_WebSocketClient_Destroy(a), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Destroy(b), WEBSOCKET_OK);
}

static void test_pins(void)
{
    const char *url = test_env("WS_TLS_URL");
    char both[2 * SIZE];
    const char *wrong = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    const char *message;
    struct WebSocket *c = rec_client();
    CHECK_EQ(WebSocketEx_SetCAFile(c, ca), WEBSOCKET_OK);

    CHECK_MSG(WebSocketEx_SetPinnedPublicKey(c, server_pin) == WEBSOCKET_OK, "%s",
              WebSocketEx_GetLastErrorMessage());
    OPEN_ECHO_CLOSE(c, url, "the right pin");
    /* One of several. */
    snprintf(both, sizeof both, "%s;%s", wrong, server_pin);
    CHECK_EQ(WebSocketEx_SetPinnedPublicKey(c, both), WEBSOCKET_OK);
    OPEN_ECHO_CLOSE(c, url, "one of two pins");
    /* The key file. */
    CHECK_EQ(WebSocketEx_SetPinnedPublicKey(c, server_pubkey), WEBSOCKET_OK);
    OPEN_ECHO_CLOSE(c, url, "a pinned key file");

    /* A wrong pin: both hashes in the message. */
    CHECK_EQ(WebSocketEx_SetPinnedPublicKey(c, wrong), WEBSOCKET_OK);
    message = CONNECT_FAILS(c, url);
    CHECK_CONTAINS(message, "TLS certificate verify failed: public key pin mismatch");
    CHECK_CONTAINS(message, server_pin);
    CHECK_CONTAINS(message, wrong);

    /* NULL removes the pins. */
    CHECK_EQ(WebSocketEx_SetPinnedPublicKey(c, NULL), WEBSOCKET_OK);
    OPEN_ECHO_CLOSE(c, url, "no pins");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* A self-signed device: verification skipped and its pin, not just skipped. */
static void test_pinned_self_signed_device(void)
{
    const char *url = test_env("WS_TLS_SELF_SIGNED_URL");
    struct WebSocket *c = rec_client();
    CHECK_EQ(WebSocketEx_SetCAFile(c, ca), WEBSOCKET_OK);
    CHECK_CONTAINS(CONNECT_FAILS(c, url), "certificate signed by unknown authority");
    CHECK_EQ(WebSocketEx_SetSkipCertificateVerification(c, 1), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetPinnedPublicKey(c, device_pin), WEBSOCKET_OK);
    OPEN_ECHO_CLOSE(c, url, "a pinned self-signed device");
    /* Another device with a certificate of its own is refused. */
    CHECK_EQ(WebSocketEx_SetPinnedPublicKey(c, server_pin), WEBSOCKET_OK);
    CHECK_CONTAINS(CONNECT_FAILS(c, url), "public key pin mismatch");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_versions(void)
{
    const char *tls12 = test_env("WS_TLS12_URL");
    const char *message;
    struct WebSocket *c = rec_client();
    CHECK_EQ(WebSocketEx_SetCAFile(c, ca), WEBSOCKET_OK);
    OPEN_ECHO_CLOSE(c, tls12, "TLS 1.2 by default");
    CHECK_EQ(WebSocketEx_SetTlsVersions(c, WEBSOCKET_EX_TLS1_3, 0), WEBSOCKET_OK);
    message = CONNECT_FAILS(c, tls12);
    CHECK_CONTAINS(message, "TLS handshake failed: no TLS version in common with the server: "
                            "we offer TLS 1.3 only");
    CHECK_EQ(WebSocketEx_SetTlsVersions(c, WEBSOCKET_EX_TLS1_2, WEBSOCKET_EX_TLS1_2),
             WEBSOCKET_OK);
    OPEN_ECHO_CLOSE(c, tls12, "TLS 1.2 only");
    OPEN_ECHO_CLOSE(c, test_env("WS_TLS_URL"), "TLS 1.2 with a server that has both");
    CHECK_EQ(WebSocketEx_SetTlsVersions(c, 0, 0), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* How many lines of the file start with prefix. */
static size_t lines_starting(const char *path, const char *prefix)
{
    char line[1024];
    size_t n = 0;
    FILE *f = fopen(path, "r");
    if (f == NULL) return 0;
    while (fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, prefix, strlen(prefix)) == 0) n++;
    fclose(f);
    return n;
}

static void test_key_log(void)
{
    char path[SIZE];
    struct WebSocket *c = rec_client();
    snprintf(path, sizeof path, "/tmp/nws-keylog-%ld.txt", (long)getpid());
    unlink(path);
    CHECK_EQ(WebSocketEx_SetCAFile(c, ca), WEBSOCKET_OK);
    /* Unset: nothing is written. */
    OPEN_ECHO_CLOSE(c, test_env("WS_TLS_URL"), "no key log");
    CHECK_EQ(access(path, F_OK), -1);
    CHECK_EQ(setenv("SSLKEYLOGFILE", path, 1), 0);
    /* A pin of its own: a fresh session, so the traffic secrets are new. */
    CHECK_EQ(WebSocketEx_SetPinnedPublicKey(c, server_pin), WEBSOCKET_OK);
    OPEN_ECHO_CLOSE(c, test_env("WS_TLS_URL"), "with a key log");
    CHECK_EQ(unsetenv("SSLKEYLOGFILE"), 0);
    CHECK_MSG(lines_starting(path, "CLIENT_TRAFFIC_SECRET_0 ") >= 1, "no traffic secret in %s",
              path);
    CHECK_MSG(lines_starting(path, "SERVER_TRAFFIC_SECRET_0 ") >= 1, "no traffic secret in %s",
              path);
    /* Unset again: nothing more is written. */
    {
        size_t before = lines_starting(path, "CLIENT_TRAFFIC_SECRET_0 ");
        OPEN_ECHO_CLOSE(c, test_env("WS_TLS_URL"), "key log off again");
        CHECK_EQ(lines_starting(path, "CLIENT_TRAFFIC_SECRET_0 "), before);
    }
    unlink(path);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

int main(void)
{
    test_init();
    pki_path(ca, sizeof ca, "ca.pem");
    pki_path(ca_dir, sizeof ca_dir, "ca-dir");
    pki_path(server_pubkey, sizeof server_pubkey, "server-pubkey.pem");
    read_pin("server.pin", server_pin);
    read_pin("self-signed.pin", device_pin);

    test_resumption();
    test_pins();
    test_pinned_self_signed_device();
    test_versions();
    test_key_log();
    printf("test_tls_pinning: all passed\n");
    return 0;
}
