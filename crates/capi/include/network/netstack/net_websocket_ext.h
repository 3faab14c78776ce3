/*
 * net_websocket_ext.h — extensions to OpenHarmony's WebSocket C API (net_websocket only).
 *
 * Same handles and error codes as <network/netstack/net_websocket.h>: a NULL client gives
 * WEBSOCKET_CLIENT_NULL (1001), a pointer that is not a live client WEBSOCKET_CLIENT_NOT_CREATED
 * (1002). Functions that return a value instead of a code return 0 / NULL for bad handles.
 * Settings (every WebSocketEx_Set... function but the callbacks and user data, which take
 * effect at once) apply from the next OH_WebSocketClient_Connect; a connection already
 * running, and its reconnections, keep the settings it started with. When a setter fails,
 * WebSocketEx_GetLastErrorMessage says why.
 *
 * Internal errors: no panic of the Rust code unwinds into C. Should a bug of ours panic inside
 * any exported function (standard or extension), the function returns, chosen by its return
 * type: WEBSOCKET_CONNECTION_ERROR (1003) for int, NULL for pointers, 0 for size_t; and
 * WebSocketEx_GetLastErrorMessage reads "internal error in FUNCTION: ... (a bug in
 * net_websocket)". A panic inside a connection ends that connection only: onError(1003,
 * "<scheme://host:port>: internal error: ...") then onClose(1006, "internal error"); the client
 * can Connect again.
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

/*
 * TLS (wss://, and https:// which means the same)
 *
 * By default the server's certificate is verified against the system trust store, read once
 * per process at the first wss:// connection: SSL_CERT_FILE and SSL_CERT_DIR, when set, replace
 * the system's locations. The certificate must be valid now, chain to a trusted CA, and be
 * issued for the URL's host (an IP address in the URL is checked against the certificate's IP
 * addresses). The host name is sent as SNI. Through a proxy, TLS runs end to end inside the
 * tunnel: the proxy sees neither the certificate check nor the traffic.
 *
 * Files are PEM and are read during the setter call (a later change to a file needs another
 * call). A file that cannot be read or holds nothing usable gives WEBSOCKET_CONNECTION_ERROR
 * (1003) and leaves the previous setting in place.
 *
 * A TLS failure is reported through onError with WEBSOCKET_CONNECTION_ERROR (1003) and a
 * message that names the server and the cause, e.g.
 *   "wss://example.com:443: TLS certificate verify failed: certificate signed by unknown authority"
 *   "...: TLS certificate verify failed: certificate is not valid for name "example.com" (it is
 *    valid for other.example)"
 *   "...: TLS certificate verify failed: certificate expired on 2020-01-02 00:00:00 UTC"
 *   "...: TLS handshake failed: the server requires a client certificate and none is set"
 */

/**
 * Trusts the CA certificates in the PEM file path instead of the system store (with a CA
 * directory set too, both are trusted). NULL goes back to the system store (unless a CA
 * directory is set). Returns WEBSOCKET_OK, 1001, 1002, or WEBSOCKET_CONNECTION_ERROR when the
 * file cannot be read or holds no usable certificate.
 */
int WebSocketEx_SetCAFile(struct WebSocket *client, const char *path);

/**
 * Trusts the CA certificates in every PEM file of the directory path instead of the system
 * store (files without a certificate are skipped; the OpenSSL hash names of c_rehash are not
 * needed). NULL drops the directory. Returns WEBSOCKET_OK, 1001, 1002, or
 * WEBSOCKET_CONNECTION_ERROR when the directory cannot be read or holds no certificate.
 */
int WebSocketEx_SetCADirectory(struct WebSocket *client, const char *path);

/**
 * Presents a client certificate to servers that ask for one. certificateChainFile holds the
 * certificate first, then any intermediates; privateKeyFile its private key: PKCS#8
 * ("PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY"), SEC1 ("EC PRIVATE KEY"), or encrypted PKCS#8
 * ("ENCRYPTED PRIVATE KEY", PBES2 with PBKDF2 or scrypt and AES, as `openssl pkcs8 -topk8`
 * writes) with password (NULL for a key that is not encrypted). Both may be the same file.
 * All three NULL removes the client certificate. Returns WEBSOCKET_OK, 1001, 1002, or
 * WEBSOCKET_CONNECTION_ERROR when a file cannot be read, holds no certificate or key, the key
 * is encrypted and the password is missing or wrong, or the key does not belong to the
 * certificate.
 */
int WebSocketEx_SetClientCertificate(struct WebSocket *client, const char *certificateChainFile,
    const char *privateKeyFile, const char *password);

/**
 * skip != 0 accepts ANY server certificate: expired, self-signed, or issued for another host.
 * The connection is still encrypted, but it is no longer authenticated: anyone on the network
 * path (or a proxy) can impersonate the server and read and change all traffic. Use it only
 * for testing against servers you control. Off by default; 0 turns verification back on.
 */
int WebSocketEx_SetSkipCertificateVerification(struct WebSocket *client, int skip);

/*
 * Proxies
 *
 * By default a client uses the proxy of its environment, as curl does: https_proxy for wss://,
 * http_proxy for ws://, then all_proxy (each name in lower case first, then upper case; an
 * empty value counts as unset; HTTP_PROXY is ignored when REQUEST_METHOD is set, as in CGI
 * programs). no_proxy (or NO_PROXY) lists hosts reached directly, comma-separated: "*" for all,
 * domains ("example.com" and ".example.com" both match example.com and every host under it),
 * IP addresses, CIDR ranges ("10.0.0.0/8", "fd00::/8"), each optionally with ":port" ("[::1]:8080"
 * for IPv6). Loopback addresses are not special: list them in no_proxy to bypass a proxy. The
 * environment is read at each Connect, on the thread that calls it.
 *
 * Proxy URLs: http://[user:password@]host[:port] asks for a tunnel with HTTP CONNECT (basic
 * authentication, for ws:// and wss:// alike); socks5://... resolves the server's name locally
 * and sends the address, socks5h://... lets the proxy resolve it (RFC 1928, username/password
 * of RFC 1929). The port defaults to 1080; a URL without a scheme is http://; user and password
 * are percent-decoded. https:// proxies (TLS to the proxy) are not supported.
 *
 * A proxy failure is reported through onError with WEBSOCKET_CONNECTION_ERROR (1003) and a
 * message that names the proxy (without credentials) and what it did, e.g.
 *   "ws://example.com:80: proxy http://127.0.0.1:3128 answered 407 Proxy Authentication
 *    Required: the credentials were refused"
 *   "...: proxy socks5://127.0.0.1:1080 refused the connection: connection refused by the
 *    destination (SOCKS5 reply 5)"
 *   "...: proxy http://127.0.0.1:9 could not be reached: TCP connect failed: 127.0.0.1:9:
 *    connection refused"
 */

/** WebSocketEx_SetProxy(client, WEBSOCKET_EX_NO_PROXY) connects directly, whatever the
 * environment says. */
#define WEBSOCKET_EX_NO_PROXY ""

/**
 * Sets the proxy of this client: a proxy URL (used for every connection; the environment,
 * no_proxy included, is then ignored), WEBSOCKET_EX_NO_PROXY ("") for none, or NULL to use the
 * environment again (the default). Returns WEBSOCKET_OK, 1001, 1002, or
 * WEBSOCKET_CONNECTION_PARSE_URL_ERROR (1005) for a URL that is not a usable proxy URL.
 */
int WebSocketEx_SetProxy(struct WebSocket *client, const char *proxyUrl);

/*
 * Connection lifecycle: timeouts, keepalive, reconnection, redirects, subprotocols, the
 * handshake response, pings. Times are in milliseconds. A value out of range gives
 * WEBSOCKET_CONNECTION_ERROR (1003) and changes nothing; WebSocketEx_GetLastErrorMessage says
 * why.
 */

/**
 * Bounds one connection attempt: DNS, TCP, proxy, TLS and the opening handshake together
 * (and again for each redirect followed). Default 30000; 0 restores it. An attempt that
 * takes longer fails with onError(1003, "... timed out after 1.5 s in the WebSocket
 * handshake"), naming the stage it was in.
 */
int WebSocketEx_SetConnectTimeout(struct WebSocket *client, uint32_t timeoutMs);

/**
 * How long Close waits for the server's close frame, and then for the server to end TCP
 * (default 5000; 0 restores it). Without an answer in time onClose reports 1006.
 */
int WebSocketEx_SetCloseTimeout(struct WebSocket *client, uint32_t timeoutMs);

/**
 * Keepalive: after pingIntervalMs without receiving anything a ping is sent; when nothing at
 * all has been received for deadAfterMs the connection is considered lost: a close frame 1011
 * is attempted (not awaited), then onError(1003, "keepalive: no answer to ping within N s")
 * and onClose(1006). Defaults 30000 and 60000. pingIntervalMs 0 turns keepalive off (a silent
 * server then stays connected); deadAfterMs 0 means twice pingIntervalMs, otherwise it must be
 * longer than pingIntervalMs. Any frame from the server (a message, a pong) counts as traffic.
 */
int WebSocketEx_SetKeepalive(struct WebSocket *client, uint32_t pingIntervalMs,
    uint32_t deadAfterMs);

/**
 * Called when the connection was lost or an attempt failed and the library will try again:
 * attempt is the number of the attempt that starts in delayMs (1 for the first retry);
 * lastClose says how the previous connection ended (code 1006 and the error's message after
 * a failure, or the server's close code and reason). userData is that of
 * WebSocketEx_SetUserData.
 */
typedef void (*WebSocketEx_OnReconnectCallback)(struct WebSocket *client, uint32_t attempt,
    uint32_t delayMs, WebSocket_CloseResult lastClose, void *userData);

/**
 * Automatic reconnection, off by default (maxAttempts 0). With it on, a failed connection
 * attempt (DNS, TCP, proxy, TLS, handshake) and a lost connection (EOF or reset without a
 * close frame, keepalive, a protocol violation by the server) are retried with exponential
 * backoff and full jitter: before attempt n the library waits a random time between 0 and
 * min(maxDelayMs, baseDelayMs * 2^(n-1)). After a close handshake that the server started it
 * reconnects only when afterServerClose != 0; after Close it never does. Up to maxAttempts
 * attempts follow one another; the count starts again after each successful open. Each
 * attempt uses a new handshake key and the same URL, headers and settings as the Connect that
 * started it (redirects are followed again from that URL).
 *
 * What the callbacks see, per connection, with reconnection on:
 *   - every failed attempt and every lost connection: onError (with its code and message),
 *     then the WebSocketEx_OnReconnectCallback when another attempt is scheduled (no onClose);
 *   - a close handshake the server started, with afterServerClose: only the
 *     WebSocketEx_OnReconnectCallback, whose lastClose holds the server's code and reason;
 *   - every successful attempt: onOpen again (then onMessage as usual);
 *   - when the library gives up (maxAttempts failed in a row): the last onError, then
 *     onClose(1006, "gave up after N reconnection attempts");
 *   - Close while waiting or reconnecting: onClose(1006, "reconnection cancelled by Close");
 *     Destroy: nothing more.
 * Messages sent while reconnecting are queued (within the send-queue limit) and sent after
 * the next open; messages already handed to a connection that is then lost are lost with it.
 * Defaults: maxDelayMs 30000, baseDelayMs 1000 or maxDelayMs if that is less (0 restores
 * each); a baseDelayMs given must not exceed maxDelayMs.
 */
int WebSocketEx_SetReconnect(struct WebSocket *client, uint32_t maxAttempts, uint32_t baseDelayMs,
    uint32_t maxDelayMs, int afterServerClose);

/** Sets (or, with NULL, removes) the callback told about each scheduled reconnection. */
int WebSocketEx_SetReconnectCallback(struct WebSocket *client, WebSocketEx_OnReconnectCallback cb);

/**
 * Redirects (301, 302, 303, 307, 308 with a Location) during the opening handshake are
 * followed by default, up to 5 in a row, each with a new handshake: relative locations are
 * resolved against the URL that answered, http:// and https:// mean ws:// and wss://, and a
 * redirect from wss:// to ws:// is refused, as is a loop. The headers of AddHeader and Connect
 * are sent again, except Authorization and Cookie when the redirect leads to another host or
 * port (as curl and browsers do). enable 0 turns following off: a redirect then fails the
 * attempt with onError(1009, "... redirect 302 to /new not followed: redirects are off").
 */
int WebSocketEx_SetFollowRedirects(struct WebSocket *client, int enable);

/**
 * The subprotocols to offer (Sec-WebSocket-Protocol), most preferred first, as a
 * comma-separated list of tokens such as "chat.v2, chat"; NULL or "" offers none (the default).
 * A server that chooses one not offered fails the attempt with onError(1009). A
 * Sec-WebSocket-Protocol header added with AddHeader or Connect is the other way to offer
 * subprotocols; with both, Connect returns WEBSOCKET_NO_HEADER_CONTEXT (1015). Returns 1003 for
 * a list with an entry that is not an HTTP token.
 */
int WebSocketEx_SetSubprotocols(struct WebSocket *client, const char *protocols);

/**
 * The subprotocol the server chose at the client's last onOpen, or NULL when it chose none,
 * before the first onOpen after a Connect, and for a bad handle. The string stays valid (and
 * keeps naming the last choice after the connection ended) until the client's next Connect or
 * Destroy.
 */
const char *WebSocketEx_GetSubprotocol(struct WebSocket *client);

/**
 * Receives each complete HTTP response to the opening handshake before the library acts on
 * it: before onOpen for a 101, before a redirect is followed, before onError for a refusal
 * (e.g. a 401 with its WWW-Authenticate field). headers is a list of every header field in the
 * order received (names as sent, values trimmed); the list and its strings are valid only
 * during the call. reason is the reason phrase.
 */
typedef void (*WebSocketEx_OnHandshakeResponseCallback)(struct WebSocket *client,
    uint32_t status, const char *reason, const struct WebSocket_Header *headers, void *userData);

/** Sets (or, with NULL, removes) the handshake response callback. */
int WebSocketEx_SetHandshakeResponseCallback(struct WebSocket *client,
    WebSocketEx_OnHandshakeResponseCallback cb);

/**
 * Queues a ping with up to 125 bytes of payload (copied; length 0 is an empty ping), sent in
 * order with the messages. Returns the codes of WebSocketEx_SendBinary, and
 * WEBSOCKET_DATA_LENGTH_EXCEEDED (1012) for more than 125 bytes.
 */
int WebSocketEx_SendPing(struct WebSocket *client, const char *data, size_t length);

/**
 * Receives the payload of every pong from the server (answers to WebSocketEx_SendPing and to
 * keepalive pings, and unsolicited ones); data[length] == 0, valid only during the call. Pings
 * from the server are always answered by the library, whether or not this is set.
 */
typedef void (*WebSocketEx_OnPongCallback)(struct WebSocket *client, const char *data,
    size_t length, void *userData);

/** Sets (or, with NULL, removes) the pong callback. */
int WebSocketEx_SetPongCallback(struct WebSocket *client, WebSocketEx_OnPongCallback cb);

/**
 * Why the last WebSocketEx_Set... call on this thread failed, e.g. "/etc/ca.pem: no such file
 * or directory"; "" when it succeeded or none was made. Owned by the library and valid until
 * the next WebSocketEx_Set... call on the same thread.
 */
const char *WebSocketEx_GetLastErrorMessage(void);

#ifdef __cplusplus
}
#endif

#endif /* NET_WEBSOCKET_EXT_H */
