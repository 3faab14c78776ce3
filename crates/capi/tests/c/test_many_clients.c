/*
 * test_many_clients.c — more clients than the reference's cap of 100 (SPEC §3 Constructor: no
 * fixed cap; §9: one shared runtime, not a thread per client), all connected at once to the
 * echo server, each with its own round trip, close and destroy. Callbacks of different clients
 * may interleave; each client's own events must keep the SPEC §4 order.
 */
#include "common.h"

#include <string.h>

#define CLIENTS 128

static size_t count_all(struct WebSocket **clients, int mask)
{
    size_t i, n = 0;
    for (i = 0; i < CLIENTS; i++) n += rec_count(clients[i], mask) > 0;
    return n;
}

/* Waits until every client has at least one event of mask; exits naming a laggard if not. */
static void wait_all(struct WebSocket **clients, int mask, const char *what, int line)
{
    long long deadline = now_ms() + scaled_ms(20000);
    size_t i;
    while (count_all(clients, mask) < CLIENTS && now_ms() < deadline) sleep_ms(10);
    for (i = 0; i < CLIENTS; i++) {
        if (rec_count(clients[i], mask) == 0) {
            rec_dump(clients[i]);
            test_fail(__FILE__, line, "client %zu: no %s within 20 s (%zu of %d got it)", i,
                      what, count_all(clients, mask), CLIENTS);
        }
    }
}

int main(void)
{
    struct WebSocket *clients[CLIENTS];
    char msg[32];
    size_t i;

    test_init();
    for (i = 0; i < CLIENTS; i++) clients[i] = rec_client();

    for (i = 0; i < CLIENTS; i++)
        CHECK_EQ(OH_WebSocketClient_Connect(clients[i], echo_url("/many"), no_headers()),
                 WEBSOCKET_OK);
    wait_all(clients, EV_OPEN | EV_ERROR, "onOpen", __LINE__);
    for (i = 0; i < CLIENTS; i++)
        CHECK_MSG(rec_count(clients[i], EV_OPEN) == 1, "client %zu did not open", i);

    for (i = 0; i < CLIENTS; i++) {
        snprintf(msg, sizeof msg, "client %zu", i);
        CHECK_EQ(OH_WebSocketClient_Send(clients[i], msg, strlen(msg)), WEBSOCKET_OK);
    }
    wait_all(clients, EV_MESSAGE, "echo", __LINE__);
    for (i = 0; i < CLIENTS; i++) {
        const rec_event *ev = rec_nth(clients[i], EV_MESSAGE, 0);
        snprintf(msg, sizeof msg, "client %zu", i);
        CHECK_MSG(strcmp(ev->text, msg) == 0, "client %zu got \"%s\"", i, ev->text);
    }

    for (i = 0; i < CLIENTS; i++)
        CHECK_EQ(OH_WebSocketClient_Close(clients[i], close_option(1000, "bye")), WEBSOCKET_OK);
    wait_all(clients, EV_CLOSE, "onClose", __LINE__);
    for (i = 0; i < CLIENTS; i++) {
        CHECK_MSG(rec_nth(clients[i], EV_CLOSE, 0)->code == 1000, "client %zu: onClose(%u)", i,
                  (unsigned)rec_nth(clients[i], EV_CLOSE, 0)->code);
        CHECK_EQ(rec_count(clients[i], EV_ANY), 3);
        rec_check_sequence(clients[i], 1);
    }
    for (i = 0; i < CLIENTS; i++) CHECK_EQ(OH_WebSocketClient_Destroy(clients[i]), WEBSOCKET_OK);
    rec_reset();
    return 0;
}
