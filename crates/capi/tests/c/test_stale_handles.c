/*
 * test_stale_handles.c — a destroyed handle stays dead (SPEC §3: 1002) even while new clients
 * are made: malloc hands a freed block to the next allocation of its size, and the registry
 * is keyed by the struct's address, so without the library's quarantine of destroyed structs
 * (net_websocket.h, OH_WebSocketClient_Destroy) `Destroy(a); b = Constructor(); Destroy(a)`
 * would destroy b. After 1,000 new Constructors every function given the stale pointer
 * returns 1002, none of the new clients has its address, and they all still work.
 */
#include "common.h"

#include <network/netstack/net_websocket_ext.h>

#define NEW_CLIENTS 1000

static char hello[] = "hello";

/* Every function of both headers that takes a client gives 1002 (or its documented
 * "no client" value) for stale. */
static void check_dead(struct WebSocket *stale)
{
    char url[256];
    snprintf(url, sizeof url, "%s", echo_url("/"));
    CHECK_EQ(OH_WebSocketClient_AddHeader(stale, header("X-A", "1")),
             WEBSOCKET_CLIENT_NOT_CREATED);
    CHECK_EQ(OH_WebSocketClient_Connect(stale, url, no_headers()), WEBSOCKET_CLIENT_NOT_CREATED);
    CHECK_EQ(OH_WebSocketClient_Send(stale, hello, 5), WEBSOCKET_CLIENT_NOT_CREATED);
    CHECK_EQ(OH_WebSocketClient_Close(stale, close_option(1000, "x")),
             WEBSOCKET_CLIENT_NOT_CREATED);
    CHECK_EQ(WebSocketEx_SendText(stale, hello, 5), WEBSOCKET_CLIENT_NOT_CREATED);
    CHECK_EQ(WebSocketEx_SetUserData(stale, hello), WEBSOCKET_CLIENT_NOT_CREATED);
    CHECK(WebSocketEx_GetUserData(stale) == NULL);
    CHECK_EQ(WebSocketEx_GetBufferedAmount(stale), 0);
    CHECK_EQ(OH_WebSocketClient_Destroy(stale), WEBSOCKET_CLIENT_NOT_CREATED);
}

int main(void)
{
    static struct WebSocket *fresh[NEW_CLIENTS];
    struct WebSocket *stale, *never_connected;
    size_t i;

    test_init();
    /* A client that was connected, and one that never was. */
    stale = rec_client();
    CONNECT_OPEN(stale, echo_url("/"));
    CHECK_EQ(OH_WebSocketClient_Destroy(stale), WEBSOCKET_OK);
    never_connected = rec_client();
    CHECK_EQ(WebSocketEx_SetUserData(never_connected, hello), WEBSOCKET_OK);
    OH_WebSocketClient_Destroy(never_connected);

    for (i = 0; i < NEW_CLIENTS; i++) {
        fresh[i] = OH_WebSocketClient_Constructor(NULL, NULL, NULL, NULL);
        CHECK(fresh[i] != NULL);
        CHECK_MSG(fresh[i] != stale && fresh[i] != never_connected,
                  "new client %zu got the address of a destroyed one", i);
        CHECK_EQ(WebSocketEx_SetUserData(fresh[i], &fresh[i]), WEBSOCKET_OK);
        /* The stale pointers stay dead at every step. */
        if (i % 100 == 0) {
            check_dead(stale);
            check_dead(never_connected);
        }
    }
    check_dead(stale);
    check_dead(never_connected);

    /* The live clients are untouched by the stale calls: each keeps its user data, and one
     * connects and echoes. */
    for (i = 0; i < NEW_CLIENTS; i++)
        CHECK_MSG(WebSocketEx_GetUserData(fresh[i]) == &fresh[i], "client %zu lost its data", i);
    {
        struct WebSocket *c = rec_client();
        CONNECT_OPEN(c, echo_url("/"));
        CHECK_ECHO(c, "alive");
        CLOSE_WAIT(c, 1000, "done");
        rec_check_sequence(c, 1);
        CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
    }
    for (i = 0; i < NEW_CLIENTS; i++) {
        int code = OH_WebSocketClient_Destroy(fresh[i]);
        CHECK_MSG(code == WEBSOCKET_OK || code == WEBSOCKET_NO_CONNECTION_CONTEXT,
                  "Destroy of new client %zu: %d", i, code);
    }
    printf("test_stale_handles: %d new clients, the stale handles stayed dead\n", NEW_CLIENTS);
    return 0;
}
