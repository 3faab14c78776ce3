/*
 * test_cpp.c — the standard headers work from C++ (SPEC §2: "usable from C99 and C++").
 * scripts/c-tests.sh builds this file twice: as C99 and as C++11 (-x c++). In C++ the struct
 * and enum names are used without `struct`, as OpenHarmony applications (C++) do.
 */
#include "common.h"

#include <network/netstack/net_websocket.h>
#include <network/netstack/net_websocket_type.h>

#include <string.h>

#ifdef __cplusplus
typedef WebSocket Client; /* C++: the tag is a type name */
#define NULLPTR nullptr
#else
typedef struct WebSocket Client;
#define NULLPTR NULL
#endif

static void on_open(Client *client, WebSocket_OpenResult result)
{
    rec_on_open(client, result);
}

static void on_message(Client *client, char *data, uint32_t length)
{
    rec_on_message(client, data, length);
}

static void on_error(Client *client, WebSocket_ErrorResult result)
{
    rec_on_error(client, result);
}

static void on_close(Client *client, WebSocket_CloseResult result)
{
    rec_on_close(client, result);
}

int main(void)
{
    WebSocket_OnOpenCallback open_cb = on_open;
    WebSocket_OnMessageCallback message_cb = on_message;
    WebSocket_OnErrorCallback error_cb = on_error;
    WebSocket_OnCloseCallback close_cb = on_close;
    Client *client;
    WebSocket_Header h = {"X-Language", "C++", NULLPTR};
    WebSocket_RequestOptions options;
    WebSocket_CloseOption bye = {1000, "bye"};
    WebSocket_ErrCode rc;

    test_init();
    client = OH_WebSocketClient_Constructor(open_cb, message_cb, error_cb, close_cb);
    CHECK(client != NULLPTR);
    rc = (WebSocket_ErrCode)OH_WebSocketClient_AddHeader(client, h);
    CHECK_EQ(rc, WEBSOCKET_OK);
    options = client->requestOptions;
    CHECK(options.headers != NULLPTR);
    CHECK(strcmp(options.headers->fieldValue, "C++") == 0);

    CHECK_EQ(OH_WebSocketClient_Connect(client, echo_url("/cpp"), options), WEBSOCKET_OK);
    WAIT_FOR(client, EV_OPEN | EV_ERROR, 1, 5000);
    CHECK_EQ(rec_count(client, EV_OPEN), 1);
    CHECK_ECHO(client, "hello from C++");
    CHECK_EQ(OH_WebSocketClient_Close(client, bye), WEBSOCKET_OK);
    WAIT_FOR(client, EV_CLOSE, 1, 10000);
    rec_check_sequence(client, 1);

    rc = (WebSocket_ErrCode)OH_WebSocketClient_Destroy(client);
    CHECK_EQ(rc, WEBSOCKET_OK);
    rec_reset();
    return 0;
}
