/*
 * test_tls_env.c — the trust store from SSL_CERT_FILE (SPEC §6): with SSL_CERT_FILE naming the
 * test CA before the first wss:// connection of the process, a client without any TLS setting
 * verifies the local TLS echo server; a certificate for another name still fails.
 */
#include "common.h"

int main(void)
{
    char ca[512];
    struct WebSocket *c;
    const char *message;

    test_init();
    pki_path(ca, sizeof ca, "ca.pem");
    /* Before any connection: the system store is read once, at the first wss:// one. */
    CHECK_EQ(setenv("SSL_CERT_FILE", ca, 1), 0);

    c = rec_client();
    CONNECT_OPEN(c, test_env("WS_TLS_URL"));
    CHECK_ECHO(c, "trusted through SSL_CERT_FILE");
    CLOSE_WAIT(c, 1000, "done");
    rec_check_sequence(c, 1);
    rec_forget(c);
    message = CONNECT_FAIL(c, test_env("WS_TLS_WRONG_NAME_URL"), WEBSOCKET_CONNECTION_ERROR);
    CHECK_CONTAINS(message, "not valid for name");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
    printf("test_tls_env: all passed\n");
    return 0;
}
