/**
 * @file net_websocket.h
 * @brief The WebSocket client C API of OpenHarmony NetStack (API level 11), implemented by
 *        libnet_websocket: create a client, add headers, connect, send, close, destroy.
 *
 * Source-compatible with OpenHarmony NetStack's `<network/netstack/net_websocket.h>`.
 * Include it as `#include <network/netstack/net_websocket.h>` and link with
 * `-lnet_websocket` (`pkg-config --cflags --libs net_websocket`). The types and error codes
 * are in net_websocket_type.h; what the standard API cannot express (typed messages, user
 * data, TLS and proxy settings, limits, timeouts, reconnection) is in net_websocket_ext.h.
 *
 * @par Handles
 * Every function checks its client first: NULL gives WEBSOCKET_CLIENT_NULL (1001), a pointer
 * that OH_WebSocketClient_Constructor did not return, or that was destroyed, gives
 * WEBSOCKET_CLIENT_NOT_CREATED (1002) without being dereferenced (one exception, under the
 * OpenHarmony compatibility switch below: OH_WebSocketClient_AddHeader).
 *
 * @par Threading model
 * All network work runs on one runtime shared by every client of the process: a small fixed
 * pool of library threads (environment variable NET_WEBSOCKET_THREADS, default 2; read once,
 * at the first Connect). There is no thread per client and an idle client costs no CPU.
 * Every function may be called from any thread, including from inside a callback (Send,
 * Close, Destroy of the same client, Connect of another client), without deadlock. The
 * library needs nothing from the host's signal setup: none of its writes raises SIGPIPE,
 * whatever the disposition of SIGPIPE. It reads environment variables only during the calls
 * that name them here, on the calling thread, never on a library thread.
 *
 * @par Callbacks
 * Callbacks run on library threads, never inside a call of this API. For one client they are
 * serialized and ordered: onOpen once, then onMessage per message, then at most one onClose.
 * A connection that fails before it opens gets exactly one onError and no onOpen or onClose;
 * one that fails after it opened gets onError and then onClose. A NULL callback drops its
 * event. A callback that blocks delays only its own client. A library thread runs a callback
 * itself while another library thread is free to serve every other client (should the callback
 * run for over 2 ms, a watchdog thread wakes that free thread); when every other one is in a
 * callback, it waits up to 1 ms for one to return (up to 10 ms while that callback's thread
 * only waits for a CPU), then hands its clients to a fresh thread before it calls back. Up to
 * 64 callbacks may block at once (the extra threads are made on demand and exit after 10 s
 * idle); beyond that, other clients wait. Work a
 * callback starts for other clients (a Send, Close or Destroy of another client, a Connect)
 * does not wait for it either. Keep callbacks short anyway: a blocked client does not read
 * its socket meanwhile. The last callback of a connection comes before the first callback of
 * the client's next connection. A callback must return normally: throwing a C++ exception
 * out of it, or a longjmp out of it, is undefined behaviour.
 *
 * @par Memory
 * The struct WebSocket and its header list belong to the library: Destroy frees them. Every
 * pointer passed to a callback (message data, reason, errorMessage) is owned by the library
 * and valid only during that callback. Every pointer passed to a function is read during the
 * call only: strings, header lists and message data are copied before it returns.
 *
 * @par Includes
 * Like OpenHarmony's, this header includes `<signal.h>`, `<stdint.h>` and `<string.h>`, in C
 * and in C++: code written for OpenHarmony may use what they declare without including them.
 *
 * @par The OpenHarmony compatibility switch
 * With the environment variable `NET_WEBSOCKET_COMPAT=openharmony` (read once, at the first
 * OH_WebSocketClient_Constructor, or at an earlier AddHeader on a caller's struct), the six
 * functions return what OpenHarmony's implementation returns for the same call, where ours
 * differ: each function below says how. Any other value, or none, is the default mode (an
 * unknown value is reported once on stderr). Where OpenHarmony's value only comes from a
 * defect of it (reading past `length`, an unbounded queue, a close code that may not be sent,
 * CR or LF in a header, a second connection started over the first), the default value stays.
 * Certificates are verified in both modes.
 */
#ifndef NET_WEBSOCKET_H
#define NET_WEBSOCKET_H

/* What OpenHarmony's net_websocket.h includes. */
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "net_websocket_type.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Creates a client with the given callbacks.
 *
 * No connection and no thread is started. There is no limit on the number of clients.
 *
 * @param onOpen Called when a connection opened, or NULL to drop that event.
 * @param onMessage Called with each received message, or NULL to drop messages.
 * @param onError Called when a connection fails, or NULL to drop that event.
 * @param onclose Called when a connection ended, or NULL to drop that event.
 * @return The new client, with `requestOptions.headers` NULL, to be freed with
 *         OH_WebSocketClient_Destroy. NULL when memory for the client cannot be had, after
 *         an internal error, and, under
 *         NET_WEBSOCKET_COMPAT=openharmony, while 100 clients are live (OpenHarmony's limit).
 */
struct WebSocket *OH_WebSocketClient_Constructor(WebSocket_OnOpenCallback onOpen,
    WebSocket_OnMessageCallback onMessage, WebSocket_OnErrorCallback onError,
    WebSocket_OnCloseCallback onclose);

/**
 * @brief Appends a copy of a header field to `client->requestOptions.headers`.
 *
 * The headers added are sent with every later opening handshake of this client (each
 * Connect, reconnection and redirect; see WebSocketEx_SetFollowRedirects for a redirect to
 * another host) until Destroy; none can be removed. A connection already started keeps the
 * headers it was given. Handshake fields
 * such as Host or Sec-WebSocket-Key are accepted here and refused by Connect.
 *
 * Under NET_WEBSOCKET_COMPAT=openharmony, a non-NULL `client` that is not a live client is
 * taken, as OpenHarmony's implementation takes it, for a `struct WebSocket` the caller
 * allocated: a node is appended to the end of its `requestOptions.headers` list and
 * WEBSOCKET_OK returned. That node belongs to the caller, who frees it with `free(node)`
 * (one block holds it and copies of the name and value; a NULL name or value stays NULL);
 * OpenHarmony's implementation frees such a node nowhere (its Destroy returns
 * WEBSOCKET_CLIENT_NOT_CREATED for the struct before freeing anything). The pointer must then
 * point to such a struct, never to a destroyed client, and its list must be NULL or a valid
 * NULL-terminated list: this is the one case where the library dereferences a pointer that it
 * did not make. Connect, Send, Close and Destroy still return WEBSOCKET_CLIENT_NOT_CREATED
 * for it.
 *
 * @param client The client.
 * @param header The field, by value: `fieldName` and `fieldValue` are copied during the call;
 *        `next` is ignored.
 * @return WEBSOCKET_OK (also for a caller's struct under the switch, see above);
 *         WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED for a bad client;
 *         WEBSOCKET_NO_HEADER_CONTEXT for a NULL name or value, a name that is not an HTTP
 *         token, or CR or LF in the value;
 *         WEBSOCKET_HEADER_EXCEEDED when the list would hold more than 8192 headers or more
 *         than 64 KiB of names and values.
 */
int OH_WebSocketClient_AddHeader(struct WebSocket *client, struct WebSocket_Header header);

/**
 * @brief Starts connecting and returns at once: the outcome is reported by onOpen or onError.
 *
 * DNS, TCP, proxy, TLS and the opening handshake run on library threads, bounded together by
 * the connect timeout (30 s by default). The handshake carries the headers added with
 * OH_WebSocketClient_AddHeader, then those of `options` up to the first node that belongs to
 * the client's own list: passing `client->requestOptions` (as OpenHarmony code does) sends
 * each header once, and options with no headers still send the AddHeader ones. The
 * extension's settings in force now apply to this connection and its reconnections. The proxy
 * environment variables are read during the call (see net_websocket_ext.h); wss:// verifies
 * the server's certificate against the system trust store. Connecting again after a
 * connection ended is allowed, also from inside the onError or onClose that reported its
 * end. The URL is checked first, then the headers, then whether the client is busy (under
 * NET_WEBSOCKET_COMPAT=openharmony the headers come first, as in OpenHarmony's). Messages
 * sent before the client's first Connect are sent after this connection opens, ahead of
 * anything sent later.
 *
 * @param client The client.
 * @param url The server: `ws://` or `wss://`, `http://` (means ws://) or `https://` (means
 *        wss://), or no scheme (means ws://); default ports 80 and 443; path and query are
 *        kept; IPv6 literals in brackets; no user information; at most 8 KiB. Also
 *        `ws+unix:///path/to/socket:/resource` and `wss+unix://...` for a Unix domain socket
 *        (see WebSocketEx_SetUnixSocket; a socket path over 107 bytes is refused). A
 *        NUL-terminated UTF-8 string, read during the call.
 * @param options More header fields, read and copied during the call (the caller may free
 *        its list afterwards).
 * @return WEBSOCKET_OK: the attempt started;
 *         WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED for a bad client;
 *         WEBSOCKET_CONNECTION_PARSE_URL_ERROR for a URL that is NULL or cannot be used (no
 *         callback follows; under NET_WEBSOCKET_COMPAT=openharmony a URL that is not NULL
 *         gives WEBSOCKET_CONNECTION_NO_MEMORY, OpenHarmony's value);
 *         WEBSOCKET_NO_HEADER_CONTEXT for a bad header, a handshake field (Host, Upgrade,
 *         Connection, Sec-WebSocket-Key, -Version, -Accept, -Extensions) or a
 *         Sec-WebSocket-Protocol header while WebSocketEx_SetSubprotocols is set;
 *         WEBSOCKET_HEADER_EXCEEDED for more than 8192 headers or 64 KiB in all;
 *         WEBSOCKET_CONNECTION_ERROR when the client is already connecting, open or closing,
 *         or its last connection ended but onError/onClose have not started reporting it
 *         (that connection is untouched), or the library's threads could not be started.
 */
int OH_WebSocketClient_Connect(struct WebSocket *client, const char *url,
    struct WebSocket_RequestOptions options);

/**
 * @brief Queues one message, text or binary as its content says.
 *
 * The message is a text message when its `length` bytes are valid UTF-8 without a 0 byte,
 * otherwise a binary message (use WebSocketEx_SendText or WebSocketEx_SendBinary to choose).
 * Messages are sent in the order of the calls; while connecting (or waiting to reconnect)
 * they are sent after the open. A message accepted while the connection is failing is
 * dropped with it. Until a Connect started a connection attempt the message waits, as in
 * OpenHarmony's implementation: it counts against the send-queue limit and in
 * WebSocketEx_GetBufferedAmount, goes out after the first connection opens, and is freed by
 * Destroy if it never does. Under NET_WEBSOCKET_COMPAT=openharmony a message sent after Close
 * or after the end of a connection waits in the same way for the next connection.
 *
 * @param client The client.
 * @param data The bytes, copied before the call returns (never written to). Must not be NULL,
 *        even when `length` is 0.
 * @param length The number of bytes; 0 sends nothing and returns WEBSOCKET_OK (as
 *        OpenHarmony's does).
 * @return WEBSOCKET_OK: queued;
 *         WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED for a bad client;
 *         WEBSOCKET_SEND_DATA_NULL when `data` is NULL;
 *         WEBSOCKET_DATA_LENGTH_EXCEEDED for more than the maximum send size (4 MiB by
 *         default), and for any length over PTRDIFF_MAX, before `data` is touched;
 *         WEBSOCKET_SEND_NO_MEMORY when memory for the copy cannot be had;
 *         WEBSOCKET_QUEUE_LENGTH_EXCEEDED when the send queue would exceed its limit (64 MiB
 *         by default);
 *         WEBSOCKET_NO_CONNECTION when, once a Connect started a connection attempt, Close
 *         was called or the end of the connection was reported (not under the switch: the
 *         message waits).
 */
int OH_WebSocketClient_Send(struct WebSocket *client, char *data, size_t length);

/**
 * @brief Starts the close handshake, or cancels a connection attempt.
 *
 * The close frame is sent after the messages already queued; then the library waits for the
 * server's close frame (5 s by default, see WebSocketEx_SetCloseTimeout) and onClose reports
 * the server's code and reason, or 1006 "close handshake timed out" without an answer in
 * time. While connecting, the attempt is cancelled and onClose(1006, "connection attempt
 * cancelled by Close") follows; while waiting to reconnect, onClose(1006, "reconnection
 * cancelled by Close"). After it returns WEBSOCKET_OK, Send returns WEBSOCKET_NO_CONNECTION,
 * and no reconnection follows, whichever thread or callback (onError included) called it.
 * The close timeout counts from this call, also when the close frame waits behind queued
 * messages: when it runs out the connection is cut and onClose(1006, "close handshake timed
 * out after ... s; not sent: N queued messages (B bytes) and E bytes of encoded frames") says
 * what was given up.
 *
 * Under NET_WEBSOCKET_COMPAT=openharmony it answers as OpenHarmony's implementation does,
 * from whether a connection of this client ever opened: WEBSOCKET_NO_CONNECTION while none
 * did (a connection attempt in progress is cancelled all the same, as above); once one did,
 * WEBSOCKET_OK also when no connection is active any more or Close was already called (then
 * nothing happens); on an active connection an invalid code or reason still gives
 * WEBSOCKET_CONNECTION_ERROR.
 *
 * @param client The client.
 * @param options The close code and reason (see WebSocket_CloseOption): code 0 or reason NULL
 *        mean 1000 with an empty reason. The reason is read during the call.
 * @return WEBSOCKET_OK: the close started;
 *         WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED for a bad client;
 *         WEBSOCKET_NO_CONNECTION when the client never connected, Close was already called,
 *         or the end of the connection was reported;
 *         WEBSOCKET_CONNECTION_ERROR, changing nothing, for a code that may not be sent
 *         (allowed: 1000-1003, 1007-1014, 3000-4999) or a reason over 123 bytes or not UTF-8.
 */
int OH_WebSocketClient_Close(struct WebSocket *client, struct WebSocket_CloseOption options);

/**
 * @brief Ends the connection at once and frees the client.
 *
 * A close frame 1001 is attempted, not awaited, and no onClose is reported for it. The struct
 * WebSocket, its header list, queued messages and settings are freed (the user data pointer
 * of the extension is the caller's and is not touched). After Destroy returns no callback of
 * this client runs, no connection of it exists, and the pointer is dead: every function
 * returns WEBSOCKET_CLIENT_NOT_CREATED for it (the library keeps the memory of the last 4096
 * destroyed structs, 160 KiB, so that no new client gets a destroyed one's address while a
 * stale pointer may still be used). A Connect on another thread racing Destroy either started
 * before it (Destroy ends that connection) or returns WEBSOCKET_CLIENT_NOT_CREATED and starts
 * nothing. Destroy may be called from any thread:
 * - from inside one of this client's own callbacks it returns at once, no further callback
 *   runs, and the memory is released when that callback returns;
 * - from any other thread, including inside another client's callback, it first waits for a
 *   running callback of this client to return (two callbacks that destroy each other's
 *   clients at the same moment do not deadlock: the second Destroy sees the cycle and
 *   returns without waiting).
 * A client on which no Connect started a connection attempt is freed all the same, and
 * Destroy returns WEBSOCKET_NO_CONNECTION_CONTEXT for it, as OpenHarmony's implementation does
 * (a Close that returned WEBSOCKET_NO_CONNECTION changes nothing); the messages it queued are
 * freed unsent.
 *
 * @param client The client.
 * @return WEBSOCKET_OK for a client on which Connect started a connection attempt (whatever
 *         became of it);
 *         WEBSOCKET_NO_CONNECTION_CONTEXT for one on which none did;
 *         WEBSOCKET_CLIENT_NULL for NULL;
 *         WEBSOCKET_CLIENT_NOT_CREATED for a pointer that is not a live client (destroying
 *         twice is therefore harmless).
 */
int OH_WebSocketClient_Destroy(struct WebSocket *client);

#ifdef __cplusplus
}
#endif

#endif /* NET_WEBSOCKET_H */
