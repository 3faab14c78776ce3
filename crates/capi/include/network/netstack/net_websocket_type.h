/*
 * net_websocket_type.h — data types of the WebSocket client C API.
 *
 * Source-compatible with OpenHarmony NetStack's <network/netstack/net_websocket_type.h>
 * (API level 11): same names, field order, types and values. Unlike the published header it
 * also compiles as C99 (forward declarations, typedefs, <stdint.h>), not only as C++.
 *
 * Lifetimes: every pointer inside a result passed to a callback (reason, errorMessage) is
 * owned by the library and valid only during that callback; copy what you want to keep.
 */
#ifndef NET_WEBSOCKET_TYPE_H
#define NET_WEBSOCKET_TYPE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct WebSocket;

/** Parameters of a closed connection, passed to onClose: the close code and reason. */
struct WebSocket_CloseResult {
    uint32_t code;
    const char *reason;
};

/** Parameters of a close requested by the client (OH_WebSocketClient_Close). */
struct WebSocket_CloseOption {
    uint32_t code;
    const char *reason;
};

/** Parameters of a connection error, passed to onError: a WebSocket_ErrCode and a message. */
struct WebSocket_ErrorResult {
    uint32_t errorCode;
    const char *errorMessage;
};

/** Parameters of an opened connection, passed to onOpen: HTTP status 101 and its phrase. */
struct WebSocket_OpenResult {
    uint32_t code;
    const char *reason;
};

typedef struct WebSocket_CloseResult WebSocket_CloseResult;
typedef struct WebSocket_CloseOption WebSocket_CloseOption;
typedef struct WebSocket_ErrorResult WebSocket_ErrorResult;
typedef struct WebSocket_OpenResult WebSocket_OpenResult;

/** Called once when the opening handshake succeeded. */
typedef void (*WebSocket_OnOpenCallback)(struct WebSocket *client, WebSocket_OpenResult openResult);

/**
 * Called once per whole received message (fragments reassembled). data[length] == 0 for
 * convenience; data is valid only during the call. Text and binary messages both arrive here.
 */
typedef void (*WebSocket_OnMessageCallback)(struct WebSocket *client, char *data, uint32_t length);

/** Called when the connection fails (before open: instead of onOpen; after: before onClose). */
typedef void (*WebSocket_OnErrorCallback)(struct WebSocket *client, WebSocket_ErrorResult errorResult);

/** Called once when the connection has ended after it was open; the last callback of it. */
typedef void (*WebSocket_OnCloseCallback)(struct WebSocket *client, WebSocket_CloseResult closeResult);

/** One node of the request header list. */
struct WebSocket_Header {
    const char *fieldName;
    const char *fieldValue;
    struct WebSocket_Header *next;
};

/** Options of a connection request: the header list sent with the opening handshake. */
struct WebSocket_RequestOptions {
    struct WebSocket_Header *headers;
};

typedef struct WebSocket_Header WebSocket_Header;
typedef struct WebSocket_RequestOptions WebSocket_RequestOptions;

/**
 * A WebSocket client, created by OH_WebSocketClient_Constructor and freed by
 * OH_WebSocketClient_Destroy. The caller may read the fields; requestOptions.headers is the list
 * built by OH_WebSocketClient_AddHeader, owned by the library.
 */
struct WebSocket {
    WebSocket_OnOpenCallback onOpen;
    WebSocket_OnMessageCallback onMessage;
    WebSocket_OnErrorCallback onError;
    WebSocket_OnCloseCallback onClose;
    WebSocket_RequestOptions requestOptions;
};

/** Error codes returned by the API and passed as WebSocket_ErrorResult.errorCode. */
typedef enum WebSocket_ErrCode {
    /** Success. */
    WEBSOCKET_OK = 0,
    /** Base of the error codes. */
    E_BASE = 1000,
    /** The client pointer is NULL. */
    WEBSOCKET_CLIENT_NULL = (E_BASE + 1),
    /** The client pointer was not returned by the Constructor, or was already destroyed. */
    WEBSOCKET_CLIENT_NOT_CREATED = (E_BASE + 2),
    /** Connecting failed (DNS, TCP, TLS, handshake), already connecting, or a bad close code. */
    WEBSOCKET_CONNECTION_ERROR = (E_BASE + 3),
    /** The URL could not be parsed or is not supported. */
    WEBSOCKET_CONNECTION_PARSE_URL_ERROR = (E_BASE + 5),
    /** Out of memory while connecting. */
    WEBSOCKET_CONNECTION_NO_MEMORY = (E_BASE + 6),
    /** The peer closed the connection without a close handshake. */
    WEBSOCKET_CONNECTION_CLOSED_BY_PEER = (E_BASE + 7),
    /** The client was destroyed. */
    WEBSOCKET_DESTROYED = (E_BASE + 8),
    /** The peer violated the WebSocket protocol, or the data is not valid for the frame type. */
    WEBSOCKET_PROTOCOL_ERROR = (E_BASE + 9),
    /** Out of memory while sending. */
    WEBSOCKET_SEND_NO_MEMORY = (E_BASE + 10),
    /** The data pointer is NULL. */
    WEBSOCKET_SEND_DATA_NULL = (E_BASE + 11),
    /** The message is larger than the maximum send size (4 MiB by default). */
    WEBSOCKET_DATA_LENGTH_EXCEEDED = (E_BASE + 12),
    /** The send queue would exceed its limit (64 MiB by default). */
    WEBSOCKET_QUEUE_LENGTH_EXCEEDED = (E_BASE + 13),
    /** No client context. */
    WEBSOCKET_NO_CLIENT_CONTEXT = (E_BASE + 14),
    /** A header is NULL, malformed, or not allowed. */
    WEBSOCKET_NO_HEADER_CONTEXT = (E_BASE + 15),
    /** Too many headers (8192) or too many header bytes (64 KiB). */
    WEBSOCKET_HEADER_EXCEEDED = (E_BASE + 16),
    /** There is no connection (never connected, closing, or ended). */
    WEBSOCKET_NO_CONNECTION = (E_BASE + 17),
    /** No connection context. */
    WEBSOCKET_NO_CONNECTION_CONTEXT = (E_BASE + 18),
} WebSocket_ErrCode;

#ifdef __cplusplus
}
#endif

#endif /* NET_WEBSOCKET_TYPE_H */
