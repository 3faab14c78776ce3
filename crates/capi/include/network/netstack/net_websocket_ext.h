/*
 * net_websocket_ext.h — extensions to OpenHarmony's WebSocket C API (net_websocket only).
 *
 * Same handles and error codes as <network/netstack/net_websocket.h>: a NULL client gives
 * WEBSOCKET_CLIENT_NULL (1001), a pointer that is not a live client WEBSOCKET_CLIENT_NOT_CREATED
 * (1002). Functions that return a value instead of a code return 0 / NULL for bad handles.
 * Settings (compression, limits, timeouts) apply from the next OH_WebSocketClient_Connect.
 */
#ifndef NET_WEBSOCKET_EXT_H
#define NET_WEBSOCKET_EXT_H

#include "net_websocket.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Type of a message, as sent or received. */
typedef enum {
    WEBSOCKET_EX_TEXT = 1,
    WEBSOCKET_EX_BINARY = 2
} WebSocketEx_MessageType;

/**
 * Receives each whole message with its type, instead of onMessage. data[length] == 0; data is
 * valid only during the call. userData is the value of WebSocketEx_SetUserData.
 */
typedef void (*WebSocketEx_OnMessageCallback)(struct WebSocket *client, const char *data,
    size_t length, WebSocketEx_MessageType type, void *userData);

/** Stores an opaque pointer for the caller; passed to WebSocketEx_OnMessageCallback. */
int WebSocketEx_SetUserData(struct WebSocket *client, void *userData);

/** The pointer stored by WebSocketEx_SetUserData; NULL when unset or for a bad handle. */
void *WebSocketEx_GetUserData(struct WebSocket *client);

/**
 * Sets (or, with NULL, removes) the typed message callback. While set, it receives messages
 * instead of onMessage. May be called at any time, including from inside a callback.
 */
int WebSocketEx_SetMessageCallback(struct WebSocket *client, WebSocketEx_OnMessageCallback cb);

/**
 * Queues a text message (copied before return). length 0 sends an empty message. Returns the
 * codes of OH_WebSocketClient_Send, and WEBSOCKET_PROTOCOL_ERROR (1009) when the bytes are not
 * valid UTF-8 (nothing is sent).
 */
int WebSocketEx_SendText(struct WebSocket *client, const char *data, size_t length);

/** Queues a binary message (copied before return); length 0 sends an empty message. */
int WebSocketEx_SendBinary(struct WebSocket *client, const char *data, size_t length);

/**
 * enable != 0: offer permessage-deflate (RFC 7692) at the next Connect, with
 * client_max_window_bits so the server may choose the window. Off by default.
 */
int WebSocketEx_SetCompression(struct WebSocket *client, int enable);

/** Largest message Send/SendText/SendBinary accept (default 4 MiB; 0 restores the default). */
int WebSocketEx_SetMaxSendSize(struct WebSocket *client, size_t bytes);

/**
 * Largest message accepted from the server, after decompression (default 1 GiB, at most
 * 4 GiB - 1; 0 restores the default). A larger one fails the connection with close code 1009.
 */
int WebSocketEx_SetMaxReceiveSize(struct WebSocket *client, size_t bytes);

/** Bytes that may wait in the send queue (default 64 MiB; 0 restores the default). */
int WebSocketEx_SetSendQueueLimit(struct WebSocket *client, size_t bytes);

/** Bytes accepted by Send and not yet handed to the encoder; 0 for a bad handle. */
size_t WebSocketEx_GetBufferedAmount(struct WebSocket *client);

#ifdef __cplusplus
}
#endif

#endif /* NET_WEBSOCKET_EXT_H */
