/*
 * net_websocket.h — WebSocket client C API (libnet_websocket).
 *
 * Source-compatible with OpenHarmony NetStack's <network/netstack/net_websocket.h> (API level 11).
 *
 * Threading model
 *   All network work runs on one runtime shared by every client of the process: a small fixed
 *   pool of library threads (NET_WEBSOCKET_THREADS, default 2; read once, at the first Connect).
 *   There is no thread per client and an idle client costs no CPU.
 *   Every function may be called from any thread, including from inside a callback (Send,
 *   Close, Destroy of the same client, Connect of another client), without deadlock.
 *
 * Callbacks
 *   Callbacks run on library threads, never inside a call of this API. For one client they are
 *   serialized and ordered: onOpen once, then onMessage per message, then at most one onClose.
 *   A connection that fails before it opens gets exactly one onError and no onOpen or onClose;
 *   one that fails after it opened gets onError and then onClose. A NULL callback drops its event.
 *   A callback that blocks delays only its own client. A library thread runs a callback itself
 *   while another library thread is free to serve every other client; when every other one is
 *   in a callback, it waits up to 1 ms for one to return, then hands its clients to a fresh
 *   thread before it calls back. Up to 64 callbacks may block at once (the extra threads are
 *   made on demand and exit after 10 s idle); beyond that, other clients wait.
 *   Keep callbacks short anyway: a blocked client does not read its socket meanwhile.
 *
 * Memory
 *   The struct WebSocket and its header list belong to the library: Destroy frees them. Every
 *   pointer passed to a callback (message data, reason, errorMessage) is valid only during that
 *   callback. Every pointer passed to a function is read during the call only (data is copied).
 */
#ifndef NET_WEBSOCKET_H
#define NET_WEBSOCKET_H

#include "net_websocket_type.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Creates a client with the given callbacks (any may be NULL). Its requestOptions.headers starts
 * as NULL. Returns NULL only when out of memory. Free it with OH_WebSocketClient_Destroy.
 */
struct WebSocket *OH_WebSocketClient_Constructor(WebSocket_OnOpenCallback onOpen,
    WebSocket_OnMessageCallback onMessage, WebSocket_OnErrorCallback onError,
    WebSocket_OnCloseCallback onclose);

/**
 * Appends a copy of header (name and value are copied) to client->requestOptions.headers.
 * Returns WEBSOCKET_OK, WEBSOCKET_CLIENT_NULL, WEBSOCKET_CLIENT_NOT_CREATED,
 * WEBSOCKET_NO_HEADER_CONTEXT (NULL name or value, a name that is not an HTTP token, CR/LF in
 * the value) or WEBSOCKET_HEADER_EXCEEDED (more than 8192 headers or 64 KiB in total).
 */
int OH_WebSocketClient_AddHeader(struct WebSocket *client, struct WebSocket_Header header);

/**
 * Starts connecting to url (ws://, wss://, http:// = ws://, https:// = wss://, no scheme =
 * ws://). The handshake carries the headers added with AddHeader, then those of options when
 * its list is not the client's own: passing client->requestOptions (as OpenHarmony code does)
 * sends each header once, and an empty options still sends the AddHeader headers. Both lists
 * are read and copied during the call. Returns at once: the outcome is
 * reported by onOpen or onError. Returns WEBSOCKET_OK, WEBSOCKET_CLIENT_NULL,
 * WEBSOCKET_CLIENT_NOT_CREATED, WEBSOCKET_CONNECTION_PARSE_URL_ERROR (bad URL, no callback),
 * WEBSOCKET_CONNECTION_ERROR (already connecting or open), WEBSOCKET_NO_HEADER_CONTEXT (a bad
 * header, or one that sets a handshake field such as Host or Sec-WebSocket-Key) or
 * WEBSOCKET_HEADER_EXCEEDED. Connecting again after a connection ended is allowed.
 * wss:// verifies the server's certificate against the system trust store (see
 * net_websocket_ext.h for a private CA, client certificates and proxies); the proxy of the
 * environment (https_proxy / http_proxy / all_proxy, no_proxy) is used as curl uses it.
 */
int OH_WebSocketClient_Connect(struct WebSocket *client, const char *url,
    struct WebSocket_RequestOptions options);

/**
 * Queues length bytes of data (copied before return) as one message: a text message when the
 * bytes are valid UTF-8 without NUL bytes, a binary message otherwise. While connecting the
 * message is sent after open. length 0 sends nothing and returns WEBSOCKET_OK. Returns
 * WEBSOCKET_OK, WEBSOCKET_CLIENT_NULL, WEBSOCKET_CLIENT_NOT_CREATED, WEBSOCKET_SEND_DATA_NULL,
 * WEBSOCKET_DATA_LENGTH_EXCEEDED (over 4 MiB), WEBSOCKET_QUEUE_LENGTH_EXCEEDED (over 64 MiB
 * queued) or WEBSOCKET_NO_CONNECTION (not connecting or open, or Close was called).
 */
int OH_WebSocketClient_Send(struct WebSocket *client, char *data, size_t length);

/**
 * Starts the close handshake after the queued messages; onClose follows with the server's code
 * and reason (or 1006 if it does not answer within 5 s). code 0 or reason NULL mean 1000 with
 * an empty reason. Closing while connecting cancels the attempt (onClose with 1006). Returns
 * WEBSOCKET_OK, WEBSOCKET_CLIENT_NULL, WEBSOCKET_CLIENT_NOT_CREATED, WEBSOCKET_NO_CONNECTION, or
 * WEBSOCKET_CONNECTION_ERROR for a code that may not be sent (allowed: 1000-1003, 1007-1014,
 * 3000-4999) or a reason over 123 bytes.
 */
int OH_WebSocketClient_Close(struct WebSocket *client, struct WebSocket_CloseOption options);

/**
 * Ends the connection at once (a close frame 1001 is attempted, not awaited) and frees the
 * client and its header list. After it returns no callback of this client runs (when called
 * from inside this client's callback: once that callback returns) and the pointer is invalid.
 * Returns WEBSOCKET_OK, WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED.
 */
int OH_WebSocketClient_Destroy(struct WebSocket *client);

#ifdef __cplusplus
}
#endif

#endif /* NET_WEBSOCKET_H */
