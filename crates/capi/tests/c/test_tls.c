/*
 * test_tls.c — wss:// against the local TLS echo servers of scripts/c-tests.sh (SPEC §6,
 * net_websocket_ext.h "TLS"): verification by default (the test CA is not in the system store),
 * the CA set by file and by directory, IP literals checked against IP SANs, https:// as wss://,
 * a certificate for another name, an expired one, skipping verification, client certificates
 * with every key format (PKCS#8, SEC1, PKCS#1 RSA, encrypted PKCS#8 from us and from openssl),
 * every setter's error codes and messages, and settings applying from the next Connect only.
 * (The CA given through SSL_CERT_FILE is test_tls_env.c: the system store is read once per
 * process.)
 */
#include "common.h"

#include <network/netstack/net_websocket_ext.h>

#define PATH_SIZE 512

static char ca[PATH_SIZE], other_ca[PATH_SIZE], ca_dir[PATH_SIZE];
static char client_cert[PATH_SIZE], client_key[PATH_SIZE];

/* url of the server in environment variable var, with path appended. */
static const char *server_url(const char *var, const char *path)
{
    static char buf[PATH_SIZE];
    int n = snprintf(buf, sizeof buf, "%s%s", test_env(var), path);
    CHECK(n > 0 && (size_t)n < sizeof buf);
    return buf;
}

/* A client that trusts the test CA. */
static struct WebSocket *trusting_client(void)
{
    struct WebSocket *c = rec_client();
    CHECK_EQ(WebSocketEx_SetCAFile(c, ca), WEBSOCKET_OK);
    CHECK_EQ(strcmp(WebSocketEx_GetLastErrorMessage(), ""), 0);
    return c;
}

static void test_ca_file_verifies_and_echoes(void)
{
    struct WebSocket *c = trusting_client();
    OPEN_ECHO_CLOSE(c, server_url("WS_TLS_URL", "/"), "over TLS");
    /* A second connection of the same client reuses the settings. */
    rec_forget(c);
    OPEN_ECHO_CLOSE(c, server_url("WS_TLS_URL", "/again"), "again over TLS");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* wss://127.0.0.1:PORT is checked against the certificate's IP address SAN, and
 * https:// means wss://. */
static void test_ip_literal_and_https(void)
{
    char url[PATH_SIZE];
    const char *tls = test_env("WS_TLS_URL");
    const char *port = strrchr(tls, ':');
    struct WebSocket *c = trusting_client();
    CHECK(port != NULL);
    snprintf(url, sizeof url, "wss://127.0.0.1%s/ip", port);
    OPEN_ECHO_CLOSE(c, url, "to an IP address");
    rec_forget(c);
    snprintf(url, sizeof url, "https://localhost%s/https", port);
    OPEN_ECHO_CLOSE(c, url, "https means wss");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_unknown_authority(void)
{
    struct WebSocket *c = rec_client();
    const char *message = CONNECT_FAIL(c, server_url("WS_TLS_URL", "/"), WEBSOCKET_CONNECTION_ERROR);
    CHECK_CONTAINS(message, "wss://localhost:");
    CHECK_CONTAINS(message, "TLS certificate verify failed");
    CHECK_CONTAINS(message, "unknown authority");
    /* A CA set, but not the one that signed the server's certificate. */
    CHECK_EQ(WebSocketEx_SetCAFile(c, other_ca), WEBSOCKET_OK);
    message = CONNECT_FAIL(c, server_url("WS_TLS_URL", "/"), WEBSOCKET_CONNECTION_ERROR);
    CHECK_CONTAINS(message, "unknown authority");
    /* And Send refuses once the failure was reported. */
    CHECK_EQ(OH_WebSocketClient_Send(c, ca, 1), WEBSOCKET_NO_CONNECTION);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_wrong_name_and_expired(void)
{
    struct WebSocket *c = trusting_client();
    const char *message =
        CONNECT_FAIL(c, server_url("WS_TLS_WRONG_NAME_URL", "/"), WEBSOCKET_CONNECTION_ERROR);
    CHECK_CONTAINS(message, "TLS certificate verify failed");
    CHECK_CONTAINS(message, "not valid for name \"localhost\"");
    CHECK_CONTAINS(message, "other.example");
    message = CONNECT_FAIL(c, server_url("WS_TLS_EXPIRED_URL", "/"), WEBSOCKET_CONNECTION_ERROR);
    CHECK_CONTAINS(message, "TLS certificate verify failed");
    CHECK_CONTAINS(message, "certificate expired on 2020-01-02");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_skip_verification(void)
{
    struct WebSocket *c = rec_client();
    CHECK_EQ(WebSocketEx_SetSkipCertificateVerification(c, 1), WEBSOCKET_OK);
    OPEN_ECHO_CLOSE(c, server_url("WS_TLS_WRONG_NAME_URL", "/"), "no verification");
    rec_forget(c);
    OPEN_ECHO_CLOSE(c, server_url("WS_TLS_EXPIRED_URL", "/"), "expired but accepted");
    rec_forget(c);
    OPEN_ECHO_CLOSE(c, server_url("WS_TLS_URL", "/"), "unknown CA but accepted");
    /* Back on: verified again. */
    CHECK_EQ(WebSocketEx_SetSkipCertificateVerification(c, 0), WEBSOCKET_OK);
    rec_forget(c);
    CHECK_CONTAINS(CONNECT_FAIL(c, server_url("WS_TLS_URL", "/"), WEBSOCKET_CONNECTION_ERROR),
                   "unknown authority");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_ca_directory(void)
{
    struct WebSocket *c = rec_client();
    char missing[PATH_SIZE];
    CHECK_EQ(WebSocketEx_SetCADirectory(c, ca_dir), WEBSOCKET_OK);
    OPEN_ECHO_CLOSE(c, server_url("WS_TLS_URL", "/"), "CA from a directory");
    pki_path(missing, sizeof missing, "no-such-dir");
    CHECK_EQ(WebSocketEx_SetCADirectory(c, missing), WEBSOCKET_CONNECTION_ERROR);
    CHECK_CONTAINS(WebSocketEx_GetLastErrorMessage(), missing);
    CHECK_CONTAINS(WebSocketEx_GetLastErrorMessage(), "no such file or directory");
    /* The failed call left the directory in place. */
    rec_forget(c);
    OPEN_ECHO_CLOSE(c, server_url("WS_TLS_URL", "/"), "still the directory");
    /* NULL drops it: back to the system store, which does not know the test CA. */
    CHECK_EQ(WebSocketEx_SetCADirectory(c, NULL), WEBSOCKET_OK);
    rec_forget(c);
    CHECK_CONTAINS(CONNECT_FAIL(c, server_url("WS_TLS_URL", "/"), WEBSOCKET_CONNECTION_ERROR),
                   "unknown authority");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_bad_files(void)
{
    struct WebSocket *c = rec_client();
    char missing[PATH_SIZE];
    pki_path(missing, sizeof missing, "missing.pem");
    CHECK_EQ(WebSocketEx_SetCAFile(c, missing), WEBSOCKET_CONNECTION_ERROR);
    CHECK_CONTAINS(WebSocketEx_GetLastErrorMessage(), "missing.pem");
    /* A key is not a certificate. */
    CHECK_EQ(WebSocketEx_SetCAFile(c, client_key), WEBSOCKET_CONNECTION_ERROR);
    CHECK_CONTAINS(WebSocketEx_GetLastErrorMessage(), "no PEM certificate");
    CHECK_EQ(WebSocketEx_SetCADirectory(c, client_cert), WEBSOCKET_CONNECTION_ERROR);
    CHECK_EQ(WebSocketEx_SetClientCertificate(c, missing, client_key, NULL),
             WEBSOCKET_CONNECTION_ERROR);
    CHECK_EQ(WebSocketEx_SetClientCertificate(c, client_cert, missing, NULL),
             WEBSOCKET_CONNECTION_ERROR);
    CHECK_EQ(WebSocketEx_SetClientCertificate(c, client_key, client_key, NULL),
             WEBSOCKET_CONNECTION_ERROR);
    CHECK_CONTAINS(WebSocketEx_GetLastErrorMessage(), "no PEM certificate");
    CHECK_EQ(WebSocketEx_SetClientCertificate(c, client_cert, client_cert, NULL),
             WEBSOCKET_CONNECTION_ERROR);
    CHECK_CONTAINS(WebSocketEx_GetLastErrorMessage(), "no PEM private key");
    CHECK_EQ(WebSocketEx_SetClientCertificate(c, client_cert, NULL, NULL),
             WEBSOCKET_CONNECTION_ERROR);
    CHECK_CONTAINS(WebSocketEx_GetLastErrorMessage(), "key file");
    CHECK_EQ(WebSocketEx_SetClientCertificate(c, NULL, NULL, "password"),
             WEBSOCKET_CONNECTION_ERROR);
    /* A success clears the message. */
    CHECK_EQ(WebSocketEx_SetCAFile(c, ca), WEBSOCKET_OK);
    CHECK_EQ(strcmp(WebSocketEx_GetLastErrorMessage(), ""), 0);
    /* None of the failures broke the client. */
    OPEN_ECHO_CLOSE(c, server_url("WS_TLS_URL", "/"), "after bad files");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* The server asks for a client certificate of the test CA. */
static void test_client_certificates(void)
{
    static const struct {
        const char *cert, *key, *password, *what;
    } identities[] = {
        {"client.pem", "client-key.pem", NULL, "PKCS#8"},
        {"client.pem", "client-key-sec1.pem", NULL, "SEC1"},
        {"client-rsa.pem", "client-rsa-key.pem", NULL, "PKCS#1 RSA (openssl)"},
        {"client.pem", "client-key-encrypted.pem", "test-password", "encrypted PKCS#8"},
        {"client.pem", "client-key-openssl-encrypted.pem", "openssl-password",
         "encrypted PKCS#8 (openssl)"},
    };
    char cert[PATH_SIZE], key[PATH_SIZE];
    const char *url = server_url("WS_TLS_CLIENT_AUTH_URL", "/");
    struct WebSocket *c = trusting_client();
    const char *message;
    size_t i;

    message = CONNECT_FAIL(c, url, WEBSOCKET_CONNECTION_ERROR);
    CHECK_CONTAINS(message, "client certificate");
    for (i = 0; i < sizeof identities / sizeof identities[0]; i++) {
        pki_path(cert, sizeof cert, identities[i].cert);
        pki_path(key, sizeof key, identities[i].key);
        CHECK_MSG(WebSocketEx_SetClientCertificate(c, cert, key, identities[i].password) ==
                      WEBSOCKET_OK,
                  "%s: %s", identities[i].what, WebSocketEx_GetLastErrorMessage());
        rec_forget(c);
        OPEN_ECHO_CLOSE(c, url, identities[i].what);
    }

    /* Wrong or missing passwords, and a key of another certificate, are refused at once and
     * leave the last certificate in place. */
    pki_path(key, sizeof key, "client-key-encrypted.pem");
    CHECK_EQ(WebSocketEx_SetClientCertificate(c, client_cert, key, "wrong"),
             WEBSOCKET_CONNECTION_ERROR);
    CHECK_CONTAINS(WebSocketEx_GetLastErrorMessage(), "wrong password");
    CHECK_EQ(WebSocketEx_SetClientCertificate(c, client_cert, key, NULL),
             WEBSOCKET_CONNECTION_ERROR);
    CHECK_CONTAINS(WebSocketEx_GetLastErrorMessage(), "password is needed");
    pki_path(key, sizeof key, "server-key.pem");
    CHECK_EQ(WebSocketEx_SetClientCertificate(c, client_cert, key, NULL),
             WEBSOCKET_CONNECTION_ERROR);
    CHECK_CONTAINS(WebSocketEx_GetLastErrorMessage(), "does not belong to the certificate");
    rec_forget(c);
    OPEN_ECHO_CLOSE(c, url, "still the last certificate");

    /* All NULL removes it. */
    CHECK_EQ(WebSocketEx_SetClientCertificate(c, NULL, NULL, NULL), WEBSOCKET_OK);
    rec_forget(c);
    CHECK_CONTAINS(CONNECT_FAIL(c, url, WEBSOCKET_CONNECTION_ERROR), "client certificate");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* A setting changed while a connection is open applies from the next Connect only. */
static void test_settings_apply_at_next_connect(void)
{
    struct WebSocket *c = trusting_client();
    CONNECT_OPEN(c, server_url("WS_TLS_URL", "/"));
    CHECK_EQ(WebSocketEx_SetCAFile(c, other_ca), WEBSOCKET_OK);
    CHECK_ECHO(c, "the open connection is unaffected");
    CLOSE_WAIT(c, 1000, "done");
    rec_forget(c);
    CHECK_CONTAINS(CONNECT_FAIL(c, server_url("WS_TLS_URL", "/"), WEBSOCKET_CONNECTION_ERROR),
                   "unknown authority");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* Every new setter: NULL → 1001, foreign or destroyed handles → 1002, without touching them. */
static void test_bad_handles(void)
{
    struct WebSocket fake, *dead = rec_client(), *handles[3];
    int expected[3] = {WEBSOCKET_CLIENT_NULL, WEBSOCKET_CLIENT_NOT_CREATED,
                       WEBSOCKET_CLIENT_NOT_CREATED};
    size_t i;
    memset(&fake, 0, sizeof fake);
    CHECK_EQ(OH_WebSocketClient_Destroy(dead), WEBSOCKET_NO_CONNECTION_CONTEXT);
    handles[0] = NULL;
    handles[1] = &fake;
    handles[2] = dead;
    for (i = 0; i < 3; i++) {
        CHECK_EQ(WebSocketEx_SetCAFile(handles[i], ca), expected[i]);
        CHECK(strlen(WebSocketEx_GetLastErrorMessage()) > 0);
        CHECK_EQ(WebSocketEx_SetCADirectory(handles[i], ca_dir), expected[i]);
        CHECK_EQ(WebSocketEx_SetClientCertificate(handles[i], client_cert, client_key, NULL),
                 expected[i]);
        CHECK_EQ(WebSocketEx_SetSkipCertificateVerification(handles[i], 1), expected[i]);
    }
}

int main(void)
{
    test_init();
    pki_path(ca, sizeof ca, "ca.pem");
    pki_path(other_ca, sizeof other_ca, "other-ca.pem");
    pki_path(ca_dir, sizeof ca_dir, "ca-dir");
    pki_path(client_cert, sizeof client_cert, "client.pem");
    pki_path(client_key, sizeof client_key, "client-key.pem");

    test_ca_file_verifies_and_echoes();
    test_ip_literal_and_https();
    test_unknown_authority();
    test_wrong_name_and_expired();
    test_skip_verification();
    test_ca_directory();
    test_bad_files();
    test_client_certificates();
    test_settings_apply_at_next_connect();
    test_bad_handles();
    printf("test_tls: all passed\n");
    return 0;
}
