/*
 * test_tls_env.c — the trust store from SSL_CERT_FILE (SPEC §6), read on the caller's thread
 * at Connect (a library thread must not read the environment: a program may call setenv on
 * its own threads at any time, and getenv meanwhile is undefined behaviour in libc):
 *   - SSL_CERT_FILE naming a file without a certificate: the first wss:// connection fails
 *     with a message naming the trust store, and the failure is not kept: with SSL_CERT_FILE
 *     naming the test CA, the next Connect verifies the local TLS echo server;
 *   - the variable's value at the Connect call is what counts: unset right after Connect
 *     returns (before the library could have read it on its own thread), the connection
 *     still trusts the test CA; set again before the next Connect, it is used again;
 *   - a certificate for another name still fails.
 */
#include "common.h"

#include <stdio.h>

int main(void)
{
    char ca[512], empty[512];
    struct WebSocket *c;
    const char *message;
    FILE *f;
    int round;

    test_init();
    pki_path(ca, sizeof ca, "ca.pem");
    pki_path(empty, sizeof empty, "no-certificate.pem");
    f = fopen(empty, "w");
    CHECK(f != NULL);
    fputs("not a certificate\n", f);
    CHECK(fclose(f) == 0);

    /* A trust store without a certificate: the attempt fails, naming it. */
    CHECK_EQ(setenv("SSL_CERT_FILE", empty, 1), 0);
    c = rec_client();
    message = CONNECT_FAIL(c, test_env("WS_TLS_URL"), WEBSOCKET_CONNECTION_ERROR);
    CHECK_CONTAINS(message, "no trusted CA certificate found");

    /* Not kept: the test CA now, read at this Connect, and unset at once after it. */
    for (round = 0; round < 3; round++) {
        CHECK_EQ(setenv("SSL_CERT_FILE", ca, 1), 0);
        rec_forget(c);
        CHECK_EQ(OH_WebSocketClient_Connect(c, test_env("WS_TLS_URL"), no_headers()),
                 WEBSOCKET_OK);
        CHECK_EQ(unsetenv("SSL_CERT_FILE"), 0);
        WAIT_FOR(c, EV_OPEN | EV_ERROR, 1, 5000);
        if (rec_nth(c, EV_ANY, 0)->type != EV_OPEN) {
            rec_dump(c);
            test_fail(__FILE__, __LINE__, "round %d: SSL_CERT_FILE as it was at Connect was "
                      "not used", round);
        }
        CHECK_ECHO(c, "trusted through SSL_CERT_FILE");
        CLOSE_WAIT(c, 1000, "done");
        rec_check_sequence(c, 1);
    }

    rec_forget(c);
    CHECK_EQ(setenv("SSL_CERT_FILE", ca, 1), 0);
    message = CONNECT_FAIL(c, test_env("WS_TLS_WRONG_NAME_URL"), WEBSOCKET_CONNECTION_ERROR);
    CHECK_CONTAINS(message, "not valid for name");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
    printf("test_tls_env: all passed\n");
    return 0;
}
