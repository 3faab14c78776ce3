/**
 * @file net_websocket_type.h
 * @brief Data types of the WebSocket client C API: results passed to callbacks, the callback
 *        types, request headers, the client struct and the error codes.
 *
 * Source-compatible with OpenHarmony NetStack's `<network/netstack/net_websocket_type.h>`
 * (API level 11): same names, field order, types and values. Unlike the published header it
 * also compiles as C99 (forward declarations, typedefs, `<stdint.h>`), not only as C++.
 * It is included by `<network/netstack/net_websocket.h>`, which declares the functions.
 *
 * @par Lifetimes
 * Every pointer inside a result passed to a callback (`reason`, `errorMessage`, message data)
 * is owned by the library and valid only during that callback; copy what you want to keep.
 * Results are passed by value.
 */
#ifndef NET_WEBSOCKET_TYPE_H
#define NET_WEBSOCKET_TYPE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct WebSocket;

/**
 * @brief How a connection ended, passed to WebSocket_OnCloseCallback (and, as `lastClose`, to
 *        the extension's reconnection callback).
 */
struct WebSocket_CloseResult {
    /**
     * The close code: the one of the close handshake (the server's close frame, whether it
     * answers OH_WebSocketClient_Close or starts the close), the code the library closed with
     * after a protocol violation by the server (1002; 1007 for invalid UTF-8; 1009 for a
     * message over the receive limit), or 1006 when the connection ended without a close
     * handshake (lost, no answer to Close in time, attempt cancelled by Close, reconnection
     * given up, internal error).
     */
    uint32_t code;
    /**
     * The reason: the close frame's (possibly empty), or for 1006 the library's own words,
     * such as "abnormal closure", "close handshake timed out", "connection attempt cancelled
     * by Close", "gave up after 3 reconnection attempts" or "internal error". Never NULL;
     * owned by the library, valid only during the callback.
     */
    const char *reason;
};

/** @brief The close frame OH_WebSocketClient_Close sends: the client's close code and reason. */
struct WebSocket_CloseOption {
    /**
     * The close code. Allowed: 1000-1003, 1007-1014 and 3000-4999; any other non-zero code
     * makes OH_WebSocketClient_Close return WEBSOCKET_CONNECTION_ERROR. 0 means 1000 with an
     * empty reason (whatever `reason` says).
     */
    uint32_t code;
    /**
     * The reason: a NUL-terminated UTF-8 string of at most 123 bytes, read during the call.
     * NULL means code 1000 with an empty reason (whatever `code` says).
     */
    const char *reason;
};

/** @brief Why a connection failed, passed to WebSocket_OnErrorCallback. */
struct WebSocket_ErrorResult {
    /**
     * A WebSocket_ErrCode: WEBSOCKET_CONNECTION_ERROR (1003) for DNS, TCP, proxy, TLS,
     * timeouts, I/O errors, keepalive and internal errors; WEBSOCKET_CONNECTION_CLOSED_BY_PEER
     * (1007) when the server ended TCP without a close frame; WEBSOCKET_PROTOCOL_ERROR (1009)
     * for a bad handshake response, a redirect that is not followed, or a protocol violation
     * by the server.
     */
    uint32_t errorCode;
    /**
     * What happened, for people: "scheme://host:port: " followed by the cause, e.g.
     * "wss://example.com:443: TLS certificate verify failed: certificate signed by unknown
     * authority" or "ws://example.com:80: handshake: unexpected HTTP status 404 Not Found".
     * Never NULL; owned by the library, valid only during the callback.
     */
    const char *errorMessage;
};

/** @brief The accepted opening handshake, passed to WebSocket_OnOpenCallback. */
struct WebSocket_OpenResult {
    /** The HTTP status of the server's handshake response: 101. */
    uint32_t code;
    /**
     * Its reason phrase as the server sent it, usually "Switching Protocols". Never NULL;
     * owned by the library, valid only during the callback.
     */
    const char *reason;
};

/** @brief The C name of struct WebSocket_CloseResult. */
typedef struct WebSocket_CloseResult WebSocket_CloseResult;
/** @brief The C name of struct WebSocket_CloseOption. */
typedef struct WebSocket_CloseOption WebSocket_CloseOption;
/** @brief The C name of struct WebSocket_ErrorResult. */
typedef struct WebSocket_ErrorResult WebSocket_ErrorResult;
/** @brief The C name of struct WebSocket_OpenResult. */
typedef struct WebSocket_OpenResult WebSocket_OpenResult;

/**
 * @brief Called when the opening handshake succeeded: once per connection, and again after
 *        each successful automatic reconnection (see WebSocketEx_SetReconnect).
 *
 * Runs on a library thread; every API function may be called from it.
 *
 * @param client The client, as returned by OH_WebSocketClient_Constructor.
 * @param openResult The HTTP status (101) and reason phrase; `reason` is valid only during
 *        the call.
 */
typedef void (*WebSocket_OnOpenCallback)(struct WebSocket *client, WebSocket_OpenResult openResult);

/**
 * @brief Called once per whole received message, text or binary (fragments reassembled), in
 *        the order received, all before onClose.
 *
 * Not called while a typed message callback is set (WebSocketEx_SetMessageCallback), which
 * also tells text from binary. Runs on a library thread; every API function may be called
 * from it.
 *
 * @param client The client, as returned by OH_WebSocketClient_Constructor.
 * @param data The message, followed by a 0 byte (`data[length] == 0`) so that a text
 *        message can be used as a C string; a binary message may contain 0 bytes too. Owned
 *        by the library, valid only during the call: copy what you keep.
 * @param length The message's size in bytes, without the terminating 0.
 */
typedef void (*WebSocket_OnMessageCallback)(struct WebSocket *client, char *data, uint32_t length);

/**
 * @brief Called when a connection fails.
 *
 * Before open: exactly once, instead of onOpen, and no onClose follows (unless reconnection
 * then gives up, or the failure was an internal error). After open: once, just before
 * onClose. With reconnection on, once for each
 * failed attempt and each lost connection. Runs on a library thread; every API function may
 * be called from it (Connect again, or Destroy).
 *
 * @param client The client, as returned by OH_WebSocketClient_Constructor.
 * @param errorResult The WebSocket_ErrCode and message; `errorMessage` is valid only during
 *        the call.
 */
typedef void (*WebSocket_OnErrorCallback)(struct WebSocket *client, WebSocket_ErrorResult errorResult);

/**
 * @brief Called once when a connection that had opened has ended, and when Close cancelled
 *        an attempt, reconnection gave up or an internal error ended an attempt: the last
 *        callback of that connection.
 *
 * Runs on a library thread; every API function may be called from it, Connect included
 * (the client may connect again from here on).
 *
 * @param client The client, as returned by OH_WebSocketClient_Constructor.
 * @param closeResult The close code and reason (see WebSocket_CloseResult); `reason` is
 *        valid only during the call.
 */
typedef void (*WebSocket_OnCloseCallback)(struct WebSocket *client, WebSocket_CloseResult closeResult);

/**
 * @brief One node of a singly linked list of HTTP header fields.
 *
 * The list `client->requestOptions.headers` is built by OH_WebSocketClient_AddHeader and
 * owned by the library (freed by OH_WebSocketClient_Destroy). A list the caller builds for
 * OH_WebSocketClient_Connect stays the caller's: it is read and copied during the call. The
 * list passed to the extension's handshake response callback is the library's, valid only
 * during that call.
 */
struct WebSocket_Header {
    /** The field name: an HTTP token (RFC 7230 §3.2.6) as a NUL-terminated string. */
    const char *fieldName;
    /** The field value: a NUL-terminated string without CR or LF. */
    const char *fieldValue;
    /** The next node, or NULL at the end of the list. */
    struct WebSocket_Header *next;
};

/** @brief Options of a connection request: the header fields of its opening handshake. */
struct WebSocket_RequestOptions {
    /** The first node of the header list, or NULL for none. */
    struct WebSocket_Header *headers;
};

/** @brief The C name of struct WebSocket_Header. */
typedef struct WebSocket_Header WebSocket_Header;
/** @brief The C name of struct WebSocket_RequestOptions. */
typedef struct WebSocket_RequestOptions WebSocket_RequestOptions;

/**
 * @brief A WebSocket client.
 *
 * Created by OH_WebSocketClient_Constructor and freed by OH_WebSocketClient_Destroy; never
 * allocate, copy or free one yourself (every function refuses a struct the library did not
 * create with WEBSOCKET_CLIENT_NOT_CREATED, without reading it). The fields are for reading
 * only.
 */
struct WebSocket {
    /**
     * The onOpen callback given to the Constructor (NULL when none). The library calls the
     * callbacks it was given: changing this field, or the three below, has no effect.
     */
    WebSocket_OnOpenCallback onOpen;
    /** The onMessage callback given to the Constructor (NULL when none). */
    WebSocket_OnMessageCallback onMessage;
    /** The onError callback given to the Constructor (NULL when none). */
    WebSocket_OnErrorCallback onError;
    /** The onClose callback given to the Constructor (NULL when none). */
    WebSocket_OnCloseCallback onClose;
    /**
     * `headers` is the list built by OH_WebSocketClient_AddHeader: NULL until the first call,
     * then its first node. Owned by the library: do not change or free it (Destroy does), and
     * do not read it while another thread calls AddHeader. Pass `client->requestOptions` to
     * OH_WebSocketClient_Connect, as OpenHarmony code does.
     */
    WebSocket_RequestOptions requestOptions;
};

/**
 * @brief Error codes: returned by the functions (as `int`) and passed to onError as
 *        WebSocket_ErrorResult::errorCode.
 *
 * Codes that this implementation never returns are kept for source compatibility and say so.
 */
typedef enum WebSocket_ErrCode {
    /** Success. */
    WEBSOCKET_OK = 0,
    /** The base of the error codes; not returned itself. */
    E_BASE = 1000,
    /** The client pointer is NULL (every function that takes a client). */
    WEBSOCKET_CLIENT_NULL = (E_BASE + 1),
    /**
     * The client pointer was not returned by OH_WebSocketClient_Constructor, or was already
     * destroyed (every function that takes a client). The pointer is not dereferenced
     * (except by OH_WebSocketClient_AddHeader under NET_WEBSOCKET_COMPAT=openharmony, which
     * then returns WEBSOCKET_OK, as OpenHarmony's implementation does).
     */
    WEBSOCKET_CLIENT_NOT_CREATED = (E_BASE + 2),
    /**
     * Returned by Connect when the client is already connecting, open or closing (that
     * connection is untouched) or the library's threads could not be started; by Close for a
     * code that may not be sent or a reason over 123 bytes or not UTF-8; by the extension's
     * setters for a value or file they cannot use; by any function after an internal error.
     * As onError's code: DNS, TCP, proxy, TLS, timeout, I/O, keepalive or internal failure.
     */
    WEBSOCKET_CONNECTION_ERROR = (E_BASE + 3),
    /**
     * Connect: the URL is NULL, not UTF-8, malformed, over 8 KiB, has user information, or
     * has a scheme other than ws, wss, http or https (no callback follows); under
     * NET_WEBSOCKET_COMPAT=openharmony a URL that is not NULL gives
     * WEBSOCKET_CONNECTION_NO_MEMORY instead. WebSocketEx_SetProxy: a proxy URL it cannot use.
     */
    WEBSOCKET_CONNECTION_PARSE_URL_ERROR = (E_BASE + 5),
    /**
     * Out of memory while connecting; a failed allocation aborts the process instead. Returned
     * only under NET_WEBSOCKET_COMPAT=openharmony, by Connect for a URL it cannot use: the
     * value OpenHarmony's implementation returns when it cannot start a connection.
     */
    WEBSOCKET_CONNECTION_NO_MEMORY = (E_BASE + 6),
    /** As onError's code only: the server ended TCP without a close frame. */
    WEBSOCKET_CONNECTION_CLOSED_BY_PEER = (E_BASE + 7),
    /**
     * The client was destroyed. Not returned: a destroyed client gives
     * WEBSOCKET_CLIENT_NOT_CREATED.
     */
    WEBSOCKET_DESTROYED = (E_BASE + 8),
    /**
     * As onError's code: a bad handshake response, a redirect not followed, or a protocol
     * violation by the server. Returned by WebSocketEx_SendText for data that is not UTF-8.
     */
    WEBSOCKET_PROTOCOL_ERROR = (E_BASE + 9),
    /**
     * Out of memory for the copy of a message: returned by the send functions (nothing is
     * queued). Other allocations of the library still abort the process when they fail.
     */
    WEBSOCKET_SEND_NO_MEMORY = (E_BASE + 10),
    /** The data pointer given to a send function is NULL (whatever the length). */
    WEBSOCKET_SEND_DATA_NULL = (E_BASE + 11),
    /**
     * The message is larger than the maximum send size (4 MiB by default, see
     * WebSocketEx_SetMaxSendSize), or a ping payload is over 125 bytes. Nothing is queued.
     */
    WEBSOCKET_DATA_LENGTH_EXCEEDED = (E_BASE + 12),
    /**
     * The message would make the send queue exceed its limit (64 MiB by default, see
     * WebSocketEx_SetSendQueueLimit). Nothing is queued.
     */
    WEBSOCKET_QUEUE_LENGTH_EXCEEDED = (E_BASE + 13),
    /** No client context. Not returned by this implementation. */
    WEBSOCKET_NO_CLIENT_CONTEXT = (E_BASE + 14),
    /**
     * AddHeader or Connect: a NULL name or value, a name that is not an HTTP token, CR or LF
     * in a value. Connect also: a name or value in the caller's list that is not UTF-8, a
     * handshake field (Host, Upgrade, Connection, Sec-WebSocket-Key, -Version, -Accept,
     * -Extensions), or a Sec-WebSocket-Protocol header while WebSocketEx_SetSubprotocols is
     * set.
     */
    WEBSOCKET_NO_HEADER_CONTEXT = (E_BASE + 15),
    /** More than 8192 headers, or more than 64 KiB of names and values, in one request. */
    WEBSOCKET_HEADER_EXCEEDED = (E_BASE + 16),
    /**
     * Close: no connection attempt in progress and no open connection (never connected, Close
     * already called, or the end of the connection already reported: its onError or onClose
     * has started). Send and the extension's send functions: the same after the client's
     * first connection attempt (before it, messages are queued); WebSocketEx_SendPing also
     * before it.
     */
    WEBSOCKET_NO_CONNECTION = (E_BASE + 17),
    /**
     * Destroy of a client on which no Connect started a connection attempt: the client is
     * freed all the same. OpenHarmony's implementation returns this value there, and its
     * conformance tests expect it.
     */
    WEBSOCKET_NO_CONNECTION_CONTEXT = (E_BASE + 18),
} WebSocket_ErrCode;

#ifdef __cplusplus
}
#endif

#endif /* NET_WEBSOCKET_TYPE_H */
