/*
 * test_abi.c — pins the ABI of the standard headers (SPEC §2) at compile time: struct sizes
 * and field offsets (LP64), field and callback types, function signatures and every value of
 * WebSocket_ErrCode. If this file compiles, the layout matches OpenHarmony's; main() does
 * nothing.
 */
#include <stddef.h>
#include <stdint.h>

#include <network/netstack/net_websocket.h>

/* _Static_assert is C11; __extension__ keeps -std=c99 -Wpedantic quiet (and C++11 has
 * static_assert with the same meaning). */
#ifdef __cplusplus
#define ABI_ASSERT(cond) static_assert(cond, #cond)
#else
#define ABI_ASSERT(cond) __extension__ _Static_assert(cond, #cond)
#endif

/* ---- struct layout (LP64 sizes from SPEC §2) --------------------------------------------- */

#if defined(__LP64__) || defined(_LP64)
ABI_ASSERT(sizeof(struct WebSocket_CloseResult) == 16);
ABI_ASSERT(sizeof(struct WebSocket_CloseOption) == 16);
ABI_ASSERT(sizeof(struct WebSocket_ErrorResult) == 16);
ABI_ASSERT(sizeof(struct WebSocket_OpenResult) == 16);
ABI_ASSERT(sizeof(struct WebSocket_Header) == 24);
ABI_ASSERT(sizeof(struct WebSocket_RequestOptions) == 8);
ABI_ASSERT(sizeof(struct WebSocket) == 40);

ABI_ASSERT(offsetof(struct WebSocket_CloseResult, code) == 0);
ABI_ASSERT(offsetof(struct WebSocket_CloseResult, reason) == 8);
ABI_ASSERT(offsetof(struct WebSocket_CloseOption, code) == 0);
ABI_ASSERT(offsetof(struct WebSocket_CloseOption, reason) == 8);
ABI_ASSERT(offsetof(struct WebSocket_ErrorResult, errorCode) == 0);
ABI_ASSERT(offsetof(struct WebSocket_ErrorResult, errorMessage) == 8);
ABI_ASSERT(offsetof(struct WebSocket_OpenResult, code) == 0);
ABI_ASSERT(offsetof(struct WebSocket_OpenResult, reason) == 8);
ABI_ASSERT(offsetof(struct WebSocket_Header, fieldName) == 0);
ABI_ASSERT(offsetof(struct WebSocket_Header, fieldValue) == 8);
ABI_ASSERT(offsetof(struct WebSocket_Header, next) == 16);
ABI_ASSERT(offsetof(struct WebSocket_RequestOptions, headers) == 0);
ABI_ASSERT(offsetof(struct WebSocket, onOpen) == 0);
ABI_ASSERT(offsetof(struct WebSocket, onMessage) == 8);
ABI_ASSERT(offsetof(struct WebSocket, onError) == 16);
ABI_ASSERT(offsetof(struct WebSocket, onClose) == 24);
ABI_ASSERT(offsetof(struct WebSocket, requestOptions) == 32);
#else
#error "test_abi.c pins the LP64 layout of SPEC §2; add the sizes for this data model"
#endif

/* The typedef names of OpenHarmony's header name the same types as the struct tags. */
ABI_ASSERT(sizeof(WebSocket_CloseResult) == sizeof(struct WebSocket_CloseResult));
ABI_ASSERT(sizeof(WebSocket_CloseOption) == sizeof(struct WebSocket_CloseOption));
ABI_ASSERT(sizeof(WebSocket_ErrorResult) == sizeof(struct WebSocket_ErrorResult));
ABI_ASSERT(sizeof(WebSocket_OpenResult) == sizeof(struct WebSocket_OpenResult));
ABI_ASSERT(sizeof(WebSocket_Header) == sizeof(struct WebSocket_Header));
ABI_ASSERT(sizeof(WebSocket_RequestOptions) == sizeof(struct WebSocket_RequestOptions));

/* ---- error codes --------------------------------------------------------------------------- */

ABI_ASSERT(WEBSOCKET_OK == 0);
ABI_ASSERT(E_BASE == 1000);
ABI_ASSERT(WEBSOCKET_CLIENT_NULL == 1001);
ABI_ASSERT(WEBSOCKET_CLIENT_NOT_CREATED == 1002);
ABI_ASSERT(WEBSOCKET_CONNECTION_ERROR == 1003);
ABI_ASSERT(WEBSOCKET_CONNECTION_PARSE_URL_ERROR == 1005);
ABI_ASSERT(WEBSOCKET_CONNECTION_NO_MEMORY == 1006);
ABI_ASSERT(WEBSOCKET_CONNECTION_CLOSED_BY_PEER == 1007);
ABI_ASSERT(WEBSOCKET_DESTROYED == 1008);
ABI_ASSERT(WEBSOCKET_PROTOCOL_ERROR == 1009);
ABI_ASSERT(WEBSOCKET_SEND_NO_MEMORY == 1010);
ABI_ASSERT(WEBSOCKET_SEND_DATA_NULL == 1011);
ABI_ASSERT(WEBSOCKET_DATA_LENGTH_EXCEEDED == 1012);
ABI_ASSERT(WEBSOCKET_QUEUE_LENGTH_EXCEEDED == 1013);
ABI_ASSERT(WEBSOCKET_NO_CLIENT_CONTEXT == 1014);
ABI_ASSERT(WEBSOCKET_NO_HEADER_CONTEXT == 1015);
ABI_ASSERT(WEBSOCKET_HEADER_EXCEEDED == 1016);
ABI_ASSERT(WEBSOCKET_NO_CONNECTION == 1017);
ABI_ASSERT(WEBSOCKET_NO_CONNECTION_CONTEXT == 1018);
/* A plain C enum: the same size as int on every platform OpenHarmony targets. */
ABI_ASSERT(sizeof(WebSocket_ErrCode) == sizeof(int));

/*
 * The list above is complete, so 1004 is not a value of the enum: this switch names every
 * enumerator without a default, and -Wall (-Wswitch) with -Werror fails the build if the enum
 * gains one that is not listed here.
 */
int errcode_is_known(WebSocket_ErrCode code);
int errcode_is_known(WebSocket_ErrCode code)
{
    switch (code) {
    case WEBSOCKET_OK:
    case E_BASE:
    case WEBSOCKET_CLIENT_NULL:
    case WEBSOCKET_CLIENT_NOT_CREATED:
    case WEBSOCKET_CONNECTION_ERROR:
    case WEBSOCKET_CONNECTION_PARSE_URL_ERROR:
    case WEBSOCKET_CONNECTION_NO_MEMORY:
    case WEBSOCKET_CONNECTION_CLOSED_BY_PEER:
    case WEBSOCKET_DESTROYED:
    case WEBSOCKET_PROTOCOL_ERROR:
    case WEBSOCKET_SEND_NO_MEMORY:
    case WEBSOCKET_SEND_DATA_NULL:
    case WEBSOCKET_DATA_LENGTH_EXCEEDED:
    case WEBSOCKET_QUEUE_LENGTH_EXCEEDED:
    case WEBSOCKET_NO_CLIENT_CONTEXT:
    case WEBSOCKET_NO_HEADER_CONTEXT:
    case WEBSOCKET_HEADER_EXCEEDED:
    case WEBSOCKET_NO_CONNECTION:
    case WEBSOCKET_NO_CONNECTION_CONTEXT:
        return 1;
    }
    return 0;
}

/* ---- field and callback types -------------------------------------------------------------- */

/* Each initialisation is a constraint violation (an error under -Werror) if a field's type
 * differs from SPEC §2. */
void check_field_types(struct WebSocket *ws, struct WebSocket_CloseResult *cr,
                       struct WebSocket_CloseOption *co, struct WebSocket_ErrorResult *er,
                       struct WebSocket_OpenResult *orr, struct WebSocket_Header *h);
void check_field_types(struct WebSocket *ws, struct WebSocket_CloseResult *cr,
                       struct WebSocket_CloseOption *co, struct WebSocket_ErrorResult *er,
                       struct WebSocket_OpenResult *orr, struct WebSocket_Header *h)
{
    uint32_t *codes[4];
    const char **strings[6];
    struct WebSocket_Header **next = &h->next;
    struct WebSocket_Header **headers = &ws->requestOptions.headers;
    struct WebSocket_RequestOptions *options = &ws->requestOptions;
    WebSocket_OnOpenCallback *on_open = &ws->onOpen;
    WebSocket_OnMessageCallback *on_message = &ws->onMessage;
    WebSocket_OnErrorCallback *on_error = &ws->onError;
    WebSocket_OnCloseCallback *on_close = &ws->onClose;

    codes[0] = &cr->code;
    codes[1] = &co->code;
    codes[2] = &er->errorCode;
    codes[3] = &orr->code;
    strings[0] = &cr->reason;
    strings[1] = &co->reason;
    strings[2] = &er->errorMessage;
    strings[3] = &orr->reason;
    strings[4] = &h->fieldName;
    strings[5] = &h->fieldValue;
    (void)codes;
    (void)strings;
    (void)next;
    (void)headers;
    (void)options;
    (void)on_open;
    (void)on_message;
    (void)on_error;
    (void)on_close;
}

/* Callbacks with exactly the signatures of SPEC §2 (results by value). */
static void on_open(struct WebSocket *client, WebSocket_OpenResult result)
{
    (void)client;
    (void)result;
}
static void on_message(struct WebSocket *client, char *data, uint32_t length)
{
    (void)client;
    (void)data;
    (void)length;
}
static void on_error(struct WebSocket *client, WebSocket_ErrorResult result)
{
    (void)client;
    (void)result;
}
static void on_close(struct WebSocket *client, WebSocket_CloseResult result)
{
    (void)client;
    (void)result;
}

/* ---- function signatures ------------------------------------------------------------------- */

/* Function pointers of the exact SPEC §2 types: an incompatible prototype in the header is an
 * error under -Werror. */
static struct WebSocket *(*const p_constructor)(WebSocket_OnOpenCallback,
                                                WebSocket_OnMessageCallback,
                                                WebSocket_OnErrorCallback,
                                                WebSocket_OnCloseCallback) =
    OH_WebSocketClient_Constructor;
static int (*const p_add_header)(struct WebSocket *, struct WebSocket_Header) =
    OH_WebSocketClient_AddHeader;
static int (*const p_connect)(struct WebSocket *, const char *,
                              struct WebSocket_RequestOptions) = OH_WebSocketClient_Connect;
static int (*const p_send)(struct WebSocket *, char *, size_t) = OH_WebSocketClient_Send;
static int (*const p_close)(struct WebSocket *, struct WebSocket_CloseOption) =
    OH_WebSocketClient_Close;
static int (*const p_destroy)(struct WebSocket *) = OH_WebSocketClient_Destroy;

static const WebSocket_OnOpenCallback cb_open = on_open;
static const WebSocket_OnMessageCallback cb_message = on_message;
static const WebSocket_OnErrorCallback cb_error = on_error;
static const WebSocket_OnCloseCallback cb_close = on_close;

int main(void)
{
    /* Nothing to check at run time; reference everything so no "unused" warning fires. */
    (void)p_constructor;
    (void)p_add_header;
    (void)p_connect;
    (void)p_send;
    (void)p_close;
    (void)p_destroy;
    (void)cb_open;
    (void)cb_message;
    (void)cb_error;
    (void)cb_close;
    return errcode_is_known(WEBSOCKET_OK) ? 0 : 1;
}
