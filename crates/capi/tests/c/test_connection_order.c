/*
 * test_connection_order.c — the callbacks of one client are totally ordered across its
 * connections (SPEC §4): the last callback of a connection that ended comes before the first
 * callback of the next one, however soon the next Connect is made. Each round connects to the
 * echo server's /drop (it ends TCP without a close frame: onError(1007), onClose(1006)); the
 * main thread calls Connect to a refused loopback port in a loop until it is accepted (1003
 * while the first connection is still active or its end not yet reported), and the refused
 * attempt's onError must come after the first connection's onClose.
 */
#include "common.h"

#define ROUNDS 200

int main(void)
{
    struct WebSocket *c;
    int round, rounds, retries = 0, slow;

    /* One library thread makes the hand-off between the end and its report slowest. */
    const char *threads = getenv("WS_TEST_THREADS");
    CHECK_EQ(setenv("NET_WEBSOCKET_THREADS", threads ? threads : "1", 1), 0);
    test_init();
    c = rec_client();
    /* Valgrind runs are many times slower: fewer rounds. */
    slow = scaled_ms(1) > 1;
    rounds = slow ? ROUNDS / 10 : ROUNDS;
    for (round = 0; round < rounds; round++) {
        long long deadline;
        int code;
        size_t n;
        rec_forget(c);
        CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url("/drop"), no_headers()), WEBSOCKET_OK);
        /* Connect again as soon as the library takes it. */
        deadline = now_ms() + scaled_ms(5000);
        do {
            code = OH_WebSocketClient_Connect(c, "ws://127.0.0.1:1/", no_headers());
            if (code == WEBSOCKET_CONNECTION_ERROR) {
                retries++;
                /* Valgrind runs one thread at a time: a spinning caller would starve the
                 * library thread that reports the end. Natively the loop stays tight. */
                if (slow) sleep_ms(1);
            }
        } while (code == WEBSOCKET_CONNECTION_ERROR && now_ms() < deadline);
        CHECK_MSG(code == WEBSOCKET_OK, "round %d: Connect returned %d", round, code);
        WAIT_FOR(c, EV_ANY, 4, 5000);
        CHECK_QUIET(c, 20);
        n = rec_count(c, EV_ANY);
        if (n != 4 || rec_nth(c, EV_ANY, 0)->type != EV_OPEN ||
            rec_nth(c, EV_ANY, 1)->type != EV_ERROR || rec_nth(c, EV_ANY, 2)->type != EV_CLOSE ||
            rec_nth(c, EV_ANY, 3)->type != EV_ERROR) {
            rec_dump(c);
            test_fail(__FILE__, __LINE__,
                      "round %d: expected onOpen, onError, onClose (the first connection), "
                      "then onError (the second)", round);
        }
        CHECK_EQ(rec_nth(c, EV_ANY, 2)->code, 1006);
        CHECK_EQ(rec_nth(c, EV_ANY, 3)->code, WEBSOCKET_CONNECTION_ERROR);
    }
    printf("test_connection_order: %d rounds in order (%d Connect calls refused while the "
           "first connection was not yet reported ended)\n", rounds, retries);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
    return 0;
}
