/**
 * @file net_websocket_ext.h
 * @brief Extensions to OpenHarmony's WebSocket C API (libnet_websocket only): typed messages,
 *        user data, limits, TLS, proxies, corporate networks (proxy TLS, pinning, TLS
 *        versions, source address, resolve overrides, TCP keepalive), timeouts, keepalive,
 *        reconnection, redirects, subprotocols, the handshake response, pings, messages in
 *        pieces, callbacks on a thread of the application's choosing (dispatchers),
 *        statistics and tracing.
 *
 * Include it as `#include <network/netstack/net_websocket_ext.h>` (it includes
 * net_websocket.h). Same handles and error codes as the standard API: a NULL client gives
 * WEBSOCKET_CLIENT_NULL (1001), a pointer that is not a live client
 * WEBSOCKET_CLIENT_NOT_CREATED (1002). Functions that return a value instead of a code
 * return 0 or NULL for bad handles. Every function may be called from any thread, including
 * from inside a callback.
 *
 * @par When settings apply
 * The callbacks and the user data take effect at once. Every other WebSocketEx_Set...
 * function changes a setting that applies from the next OH_WebSocketClient_Connect: a
 * connection already running, and its reconnections, keep the settings it started with.
 * Those setters record why they failed, on the calling thread, for
 * WebSocketEx_GetLastErrorMessage (and "" when they succeed); a failed setter changes nothing.
 *
 * @par Extension callbacks
 * The callbacks set here run like the standard ones: on library threads (or inside
 * WebSocketEx_DispatcherRun for a client attached to a dispatcher, see "Callbacks on your
 * thread"), serialized and in order with the client's other callbacks, never after Destroy
 * returned; their pointer
 * arguments are owned by the library and valid only during the call. Each gets the pointer
 * of WebSocketEx_SetUserData as `userData`.
 *
 * @par Internal errors
 * No panic of the Rust code unwinds into C. Should a bug of ours panic inside any exported
 * function (standard or extension), the function returns, chosen by its return type:
 * WEBSOCKET_CONNECTION_ERROR (1003) for int, NULL for pointers, 0 for size_t; and
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

/**
 * @name Typed messages and user data
 * Messages with their type, in and out, and a pointer of the caller's for the callbacks.
 */
/** @{ */

/** @brief The type of a message, as sent or received. */
typedef enum {
    /** A text message (opcode 1): valid UTF-8. */
    WEBSOCKET_EX_TEXT = 1,
    /** A binary message (opcode 2): any bytes. */
    WEBSOCKET_EX_BINARY = 2
} WebSocketEx_MessageType;

/**
 * @brief Receives each whole message with its type, instead of onMessage.
 *
 * @param client The client.
 * @param data The message, followed by a 0 byte (`data[length] == 0`). Owned by the library,
 *        valid only during the call.
 * @param length The message's size in bytes, without the terminating 0.
 * @param type WEBSOCKET_EX_TEXT or WEBSOCKET_EX_BINARY.
 * @param userData The pointer given to WebSocketEx_SetUserData (NULL if none).
 */
typedef void (*WebSocketEx_OnMessageCallback)(struct WebSocket *client, const char *data,
    size_t length, WebSocketEx_MessageType type, void *userData);

/**
 * @brief Stores an opaque pointer for the caller, passed to every extension callback.
 *
 * Takes effect at once. The library never dereferences or frees it.
 *
 * @param client The client.
 * @param userData Any pointer, NULL included.
 * @return WEBSOCKET_OK, WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED.
 */
int WebSocketEx_SetUserData(struct WebSocket *client, void *userData);

/**
 * @brief The pointer stored by WebSocketEx_SetUserData.
 *
 * @param client The client.
 * @return The pointer; NULL when none was set, and for a bad handle.
 */
void *WebSocketEx_GetUserData(struct WebSocket *client);

/**
 * @brief Sets or removes the typed message callback.
 *
 * While it is set it receives every message instead of onMessage. Takes effect at once
 * (for the next message delivered), also when called from inside a callback.
 *
 * @param client The client.
 * @param cb The callback, or NULL to go back to onMessage.
 * @return WEBSOCKET_OK, WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED.
 */
int WebSocketEx_SetMessageCallback(struct WebSocket *client, WebSocketEx_OnMessageCallback cb);

/**
 * @brief Queues a text message.
 *
 * Sent in order with the other messages, as OH_WebSocketClient_Send does; before the first
 * Connect it waits for the first connection, as there.
 *
 * @param client The client.
 * @param data The UTF-8 text, copied before the call returns. Must not be NULL, even when
 *        `length` is 0.
 * @param length The number of bytes; 0 sends an empty text message.
 * @return WEBSOCKET_OK: queued;
 *         WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED for a bad client;
 *         WEBSOCKET_SEND_DATA_NULL when `data` is NULL;
 *         WEBSOCKET_PROTOCOL_ERROR (1009) when the bytes are not valid UTF-8 (nothing is
 *         sent; checked whether or not the client is connected);
 *         WEBSOCKET_DATA_LENGTH_EXCEEDED over the maximum send size (and for any length
 *         over PTRDIFF_MAX, before `data` is touched);
 *         WEBSOCKET_SEND_NO_MEMORY when memory for the copy cannot be had;
 *         WEBSOCKET_QUEUE_LENGTH_EXCEEDED over the send queue limit;
 *         WEBSOCKET_NO_CONNECTION when, once a Connect started a connection attempt, Close
 *         was called or the end of the connection was reported.
 */
int WebSocketEx_SendText(struct WebSocket *client, const char *data, size_t length);

/**
 * @brief Queues a binary message.
 *
 * Sent in order with the other messages, as OH_WebSocketClient_Send does; before the first
 * Connect it waits for the first connection, as there.
 *
 * @param client The client.
 * @param data The bytes, copied before the call returns. Must not be NULL, even when
 *        `length` is 0.
 * @param length The number of bytes; 0 sends an empty binary message.
 * @return WEBSOCKET_OK: queued;
 *         WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED for a bad client;
 *         WEBSOCKET_SEND_DATA_NULL when `data` is NULL;
 *         WEBSOCKET_DATA_LENGTH_EXCEEDED over the maximum send size (and for any length
 *         over PTRDIFF_MAX, before `data` is touched);
 *         WEBSOCKET_SEND_NO_MEMORY when memory for the copy cannot be had;
 *         WEBSOCKET_QUEUE_LENGTH_EXCEEDED over the send queue limit;
 *         WEBSOCKET_NO_CONNECTION when, once a Connect started a connection attempt, Close
 *         was called or the end of the connection was reported.
 */
int WebSocketEx_SendBinary(struct WebSocket *client, const char *data, size_t length);

/** @brief Flag of WebSocketEx_SendTextEx and WebSocketEx_SendBinaryEx: send this message
 *         uncompressed. */
#define WEBSOCKET_EX_NO_COMPRESS 1u

/**
 * @brief Queues a text message, as WebSocketEx_SendText, with flags.
 *
 * WEBSOCKET_EX_NO_COMPRESS sends the message uncompressed (RSV1 clear) even when
 * permessage-deflate was negotiated: for a secret sent on a connection that also carries
 * attacker-controlled data, where compression would let the attacker guess the secret from
 * sizes (the CRIME/BREACH advice). Such a message never enters the compressor's window (RFC
 * 7692 §6.1), so no later message refers back to it, and later compressed messages stay
 * decodable by the server. Without compression negotiated the flag changes nothing. A message
 * sent before the first Connect keeps its flag until the connection takes it.
 *
 * @param client The client.
 * @param data The text, copied before the call returns. Must not be NULL.
 * @param length The number of bytes.
 * @param flags 0 or WEBSOCKET_EX_NO_COMPRESS.
 * @return The codes of WebSocketEx_SendText (the client is checked first: WEBSOCKET_CLIENT_NULL
 *         or WEBSOCKET_CLIENT_NOT_CREATED), and WEBSOCKET_PROTOCOL_ERROR (1009, as
 *         WebSocketEx_SendFragment gives for an unknown type) for flags with unknown bits:
 *         nothing is queued and WebSocketEx_GetLastErrorMessage names the bits.
 */
int WebSocketEx_SendTextEx(struct WebSocket *client, const char *data, size_t length,
                           uint32_t flags);

/**
 * @brief Queues a binary message, as WebSocketEx_SendBinary, with flags (see
 *        WebSocketEx_SendTextEx).
 *
 * @param client The client.
 * @param data The bytes, copied before the call returns. Must not be NULL.
 * @param length The number of bytes.
 * @param flags 0 or WEBSOCKET_EX_NO_COMPRESS.
 * @return The codes of WebSocketEx_SendBinary, and WEBSOCKET_PROTOCOL_ERROR (1009) for flags
 *         with unknown bits (nothing is queued).
 */
int WebSocketEx_SendBinaryEx(struct WebSocket *client, const char *data, size_t length,
                             uint32_t flags);

/** @} */

/**
 * @name Compression and limits
 * Settings that apply from the next Connect (see "When settings apply" above).
 */
/** @{ */

/**
 * @brief Offers permessage-deflate (RFC 7692) at the next Connect, or stops offering it.
 *
 * The offer includes client_max_window_bits, so the server may choose the window. Off by
 * default (a deflate context costs memory per connection). When the server accepts, the
 * messages the client sends are compressed and compressed messages from the server are
 * decompressed (the receive limit applies to their decompressed size).
 *
 * The settings below need compression on. Turning it on again keeps them; turning it off
 * forgets them (the next enable starts from the defaults).
 *
 * @param client The client.
 * @param enable Non-zero to offer compression, 0 not to.
 * @return WEBSOCKET_OK, WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED.
 */
int WebSocketEx_SetCompression(struct WebSocket *client, int enable);

/**
 * @brief The compression level of the messages the client sends (default 2).
 *
 * zlib's levels: 1 is fastest, 9 compresses most, 0 sends stored (uncompressed) deflate
 * blocks, still flagged RSV1 (for testing a server's inflater). README "Compression" has the
 * measured ratio and time per message of each level and the reason for the default.
 *
 * @param client The client; compression must be on (WebSocketEx_SetCompression).
 * @param level 0 to 9.
 * @return WEBSOCKET_OK; WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED for a bad
 *         client; WEBSOCKET_CONNECTION_ERROR (1003) for a level outside 0..9 or when
 *         compression is off (nothing changes; WebSocketEx_GetLastErrorMessage says why).
 */
int WebSocketEx_SetCompressionLevel(struct WebSocket *client, int level);

/**
 * @brief Messages shorter than this go out uncompressed (default 1024 bytes).
 *
 * A message under the threshold is sent with RSV1 clear and does not enter the compressor's
 * window. 1 KiB is what Node ws and okhttp chose; README "Compression" has the measurement
 * (below it a message saves at most a few hundred bytes, for 3 to 13 µs of CPU each).
 *
 * @param client The client; compression must be on (WebSocketEx_SetCompression).
 * @param bytes The threshold; 0 compresses every message, empty ones included.
 * @return WEBSOCKET_OK; WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED for a bad
 *         client; WEBSOCKET_CONNECTION_ERROR (1003) when compression is off.
 */
int WebSocketEx_SetCompressionThreshold(struct WebSocket *client, size_t bytes);

/**
 * @brief The LZ77 windows offered: client_max_window_bits and server_max_window_bits (RFC
 *        7692 §7.1.2).
 *
 * clientMaxWindowBits bounds the window the client compresses with: 0 (the default) offers
 * `client_max_window_bits` without a value (the server may choose; 15 unless it does),
 * 9..15 offers that value. 8 is accepted and honoured by sending every message uncompressed:
 * zlib (zlib-rs here) cannot produce raw deflate with a 256-byte window. serverMaxWindowBits
 * asks the server to compress with at most 2^n bytes of window: 0 (the default) does not ask,
 * 8..15 asks, and a server that does not accept it declines compression altogether (RFC 7692
 * §7.1.2.1). The client always inflates with a 32 KiB window, whatever the server uses.
 *
 * Memory per connection, measured (ws-deflate-table, heap bytes a connection holds after one
 * 16 KiB message each way, beyond an uncompressed connection; at memLevel 8): window 15: 440
 * KiB; 13: 344 KiB; 11: 320 KiB; 9: 316 KiB; 8: 46 KiB (no compressor, the inflater alone).
 * zlib-rs keeps a 64 Ki-entry hash table (128 KiB) whatever the window and memLevel.
 *
 * @param client The client; compression must be on (WebSocketEx_SetCompression).
 * @param clientMaxWindowBits 0, or 8 to 15.
 * @param serverMaxWindowBits 0, or 8 to 15.
 * @return WEBSOCKET_OK; WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED for a bad
 *         client; WEBSOCKET_CONNECTION_ERROR (1003) for a value outside those ranges or when
 *         compression is off (nothing changes; WebSocketEx_GetLastErrorMessage says why).
 */
int WebSocketEx_SetCompressionWindow(struct WebSocket *client, int clientMaxWindowBits,
                                     int serverMaxWindowBits);

/**
 * @brief zlib's memLevel for the messages the client sends (default 8).
 *
 * It sizes the compressor's buffer of pending symbols (and in zlib, not zlib-rs, its hash
 * table): less memory, slightly larger output. Measured at window 15 (ws-deflate-table, as
 * above): memLevel 9: 552 KiB per connection; 8: 440 KiB; 4: 335 KiB; 1: 330 KiB (at level
 * 2 the JSON ratio goes from 19.6% at 8 to 21.9% at 1). At window 9, memLevel 1: 207 KiB.
 *
 * @param client The client; compression must be on (WebSocketEx_SetCompression).
 * @param memLevel 1 to 9.
 * @return WEBSOCKET_OK; WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED for a bad
 *         client; WEBSOCKET_CONNECTION_ERROR (1003) for a value outside 1..9 or when
 *         compression is off (nothing changes; WebSocketEx_GetLastErrorMessage says why).
 */
int WebSocketEx_SetCompressionMemLevel(struct WebSocket *client, int memLevel);

/**
 * @brief The largest message the send functions accept (default 4 MiB).
 *
 * A larger message is refused with WEBSOCKET_DATA_LENGTH_EXCEEDED. A connection keeps the
 * limit it started with, and each send call also checks the limit set now, so a lower limit
 * takes effect at once.
 *
 * @param client The client.
 * @param bytes The limit; 0 restores the default.
 * @return WEBSOCKET_OK, WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED.
 */
int WebSocketEx_SetMaxSendSize(struct WebSocket *client, size_t bytes);

/**
 * @brief The largest message accepted from the server, after decompression (default 1 GiB).
 *
 * A larger message fails the connection: close code 1009, onError(1009, "... protocol:
 * message of at least N bytes over the limit of M"), then onClose(1009).
 *
 * @param client The client.
 * @param bytes The limit, at most 4 GiB - 1 (onMessage's length is a uint32_t; a larger
 *        value is reduced to that); 0 restores the default.
 * @return WEBSOCKET_OK, WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED.
 */
int WebSocketEx_SetMaxReceiveSize(struct WebSocket *client, size_t bytes);

/**
 * @brief The number of bytes that may wait in the send queue (default 64 MiB).
 *
 * A message that would make the queue larger is refused with
 * WEBSOCKET_QUEUE_LENGTH_EXCEEDED. A ping counts as its frame: 6 bytes and its payload.
 *
 * @param client The client.
 * @param bytes The limit; 0 restores the default.
 * @return WEBSOCKET_OK, WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED.
 */
int WebSocketEx_SetSendQueueLimit(struct WebSocket *client, size_t bytes);

/**
 * @brief The bytes of messages accepted by the send functions and not yet handed to the
 *        encoder, for the client's current (or last) connection, plus those waiting for a
 *        connection (sent before the first Connect; see OH_WebSocketClient_Send). A queued
 *        ping counts as its frame, 6 bytes and its payload.
 *
 * @param client The client.
 * @return The number of bytes; 0 for a bad handle.
 */
size_t WebSocketEx_GetBufferedAmount(struct WebSocket *client);

/** @} */

/**
 * @name TLS (wss://, and https:// which means the same)
 *
 * By default the server's certificate is verified against the system trust store, read once
 * per process at the first wss:// connection: SSL_CERT_FILE and SSL_CERT_DIR, when set, replace
 * the system's locations. The certificate must be valid now, chain to a trusted CA, and be
 * issued for the URL's host (an IP address in the URL is checked against the certificate's IP
 * addresses). The host name is sent as SNI, and ALPN offers exactly "http/1.1" (RFC 6455 runs
 * over HTTP/1.1; some TLS front ends refuse a ClientHello without ALPN). Through a proxy, TLS
 * runs end to end inside the tunnel: the proxy sees neither the certificate check nor the
 * traffic. TLS 1.2 and 1.3 are offered (see WebSocketEx_SetTlsVersions).
 *
 * TLS sessions are cached per trust configuration (the CAs, verification, pins, the client
 * certificate and the versions) for the whole process: a reconnection, and any other client
 * with the same settings, resumes the session (TLS 1.3 tickets, TLS 1.2 session IDs) instead
 * of a full handshake. When SSLKEYLOGFILE names a file (read at each Connect, on the calling
 * thread), the secrets of every TLS connection are appended to it in the NSS key log format,
 * as curl and browsers do, so that Wireshark can decrypt a capture; unset, nothing is written.
 *
 * Files are PEM and are read during the setter call (a later change to a file needs another
 * call). A file that cannot be read or holds nothing usable gives WEBSOCKET_CONNECTION_ERROR
 * (1003) and leaves the previous setting in place.
 *
 * A TLS failure is reported through onError with WEBSOCKET_CONNECTION_ERROR (1003) and a
 * message that names the server and the cause, e.g.
 * - "wss://example.com:443: TLS certificate verify failed: certificate signed by unknown
 *   authority"
 * - "...: TLS certificate verify failed: certificate is not valid for name "example.com" (it
 *   is valid for other.example)"
 * - "...: TLS certificate verify failed: certificate expired on 2020-01-02 00:00:00 UTC"
 * - "...: TLS handshake failed: the server requires a client certificate and none is set"
 */
/** @{ */

/**
 * @brief Trusts the CA certificates of a PEM file instead of the system store.
 *
 * With a CA directory set too (WebSocketEx_SetCADirectory), both are trusted.
 *
 * @param client The client.
 * @param path The file, read during the call; NULL drops it and goes back to the system store
 *        (unless a CA directory is set).
 * @return WEBSOCKET_OK;
 *         WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED for a bad client;
 *         WEBSOCKET_CONNECTION_ERROR when the file cannot be read or holds no usable
 *         certificate.
 */
int WebSocketEx_SetCAFile(struct WebSocket *client, const char *path);

/**
 * @brief Trusts the CA certificates of every PEM file in a directory instead of the system
 *        store.
 *
 * Files without a certificate are skipped; the OpenSSL hash names of c_rehash are not
 * needed. With a CA file set too (WebSocketEx_SetCAFile), both are trusted.
 *
 * @param client The client.
 * @param path The directory, read during the call; NULL drops it.
 * @return WEBSOCKET_OK;
 *         WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED for a bad client;
 *         WEBSOCKET_CONNECTION_ERROR when the directory cannot be read or holds no
 *         certificate.
 */
int WebSocketEx_SetCADirectory(struct WebSocket *client, const char *path);

/**
 * @brief Presents a client certificate to servers that ask for one.
 *
 * All three arguments NULL remove the client certificate. Both files may be the same file.
 *
 * @param client The client.
 * @param certificateChainFile PEM file with the certificate first, then any intermediates;
 *        read during the call.
 * @param privateKeyFile PEM file with its private key: PKCS#8 ("PRIVATE KEY"), PKCS#1
 *        ("RSA PRIVATE KEY"), SEC1 ("EC PRIVATE KEY"), or encrypted PKCS#8 ("ENCRYPTED
 *        PRIVATE KEY", PBES2 with PBKDF2 or scrypt and AES, as `openssl pkcs8 -topk8`
 *        writes); read during the call.
 * @param password The password of an encrypted key, or NULL for a key that is not encrypted.
 * @return WEBSOCKET_OK;
 *         WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED for a bad client;
 *         WEBSOCKET_CONNECTION_ERROR when only one of the two files is given, a file cannot
 *         be read or holds no certificate or key, the key is encrypted and the password is
 *         missing or wrong, or the key does not belong to the certificate.
 */
int WebSocketEx_SetClientCertificate(struct WebSocket *client, const char *certificateChainFile,
    const char *privateKeyFile, const char *password);

/**
 * @brief Accepts ANY server certificate: expired, self-signed, or issued for another host.
 *
 * The connection is still encrypted, but it is no longer authenticated: anyone on the network
 * path (or a proxy) can impersonate the server and read and change all traffic. Use it only
 * for testing against servers you control. Off by default.
 *
 * @param client The client.
 * @param skip Non-zero to skip verification, 0 to verify again.
 * @return WEBSOCKET_OK, WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED.
 */
int WebSocketEx_SetSkipCertificateVerification(struct WebSocket *client, int skip);

/** @} */

/**
 * @name Proxies
 *
 * By default a client uses the proxy of its environment, as curl (8.x) does: wss_proxy, then
 * https_proxy for wss://; ws_proxy, then http_proxy for ws://; then all_proxy (each name in
 * lower case first, then upper case; an empty value counts as unset; HTTP_PROXY is ignored
 * when REQUEST_METHOD is set, as in CGI programs). no_proxy (or NO_PROXY) lists hosts reached directly, comma-separated: "*" for all,
 * domains ("example.com" and ".example.com" both match example.com and every host under it),
 * IP addresses, CIDR ranges ("10.0.0.0/8", "fd00::/8"), each optionally with ":port"
 * ("[::1]:8080" for IPv6). Loopback addresses are not special: list them in no_proxy to bypass
 * a proxy. The environment is read at each Connect, on the thread that calls it.
 *
 * Proxy URLs: http://[user:password@]host[:port] asks for a tunnel with HTTP CONNECT (for ws://
 * and wss:// alike); https://... does the same over TLS to the proxy (verified as the server
 * is, or against WebSocketEx_SetProxyCAFile; no ALPN, no client certificate), and for wss://
 * the server's TLS then runs inside the proxy's; socks5://... resolves the server's name
 * locally and sends the address, socks5h://... lets the proxy resolve it (RFC 1928,
 * username/password of RFC 1929). The port defaults to 443 for https://, else 1080; a URL
 * without a scheme is http://; user and password are percent-decoded.
 *
 * Proxy authentication, as curl does it: the user and password go with the first CONNECT as
 * Basic; a proxy that answers 407 with a Digest challenge (RFC 7616: SHA-256 or MD5, also
 * -sess, qop=auth; SHA-256 when both are offered) gets one more CONNECT answered with Digest,
 * on the same connection when the proxy keeps it, else on a new one. A proxy that offers only
 * schemes we cannot answer (NTLM, Negotiate) fails with a message naming every scheme it
 * offered.
 *
 * A proxy failure is reported through onError with WEBSOCKET_CONNECTION_ERROR (1003) and a
 * message that names the proxy (without credentials) and what it did, e.g.
 * - "ws://example.com:80: proxy http://127.0.0.1:3128 answered 407 Proxy Authentication
 *   Required: the credentials were refused"
 * - "...: proxy socks5://127.0.0.1:1080 refused the connection: connection refused by the
 *   destination (SOCKS5 reply 5)"
 * - "...: proxy http://127.0.0.1:9 could not be reached: TCP connect failed: 127.0.0.1:9:
 *   connection refused"
 * - "...: proxy http://127.0.0.1:3128 asks for authentication we cannot give: it offers NTLM,
 *   Negotiate; we answer Basic and Digest (MD5, SHA-256)"
 * - "...: proxy https://127.0.0.1:3129 could not be used over TLS: TLS certificate verify
 *   failed: certificate signed by unknown authority" (the proxy's certificate, not the
 *   server's)
 */
/** @{ */

/**
 * @brief The proxy URL that means "no proxy": WebSocketEx_SetProxy(client,
 *        WEBSOCKET_EX_NO_PROXY) connects directly, whatever the environment says.
 */
#define WEBSOCKET_EX_NO_PROXY ""

/**
 * @brief Sets the proxy of this client.
 *
 * @param client The client.
 * @param proxyUrl A proxy URL (used for every connection; the environment, no_proxy included,
 *        is then ignored), WEBSOCKET_EX_NO_PROXY ("") for none, or NULL to use the environment
 *        again (the default). Read during the call.
 * @return WEBSOCKET_OK;
 *         WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED for a bad client;
 *         WEBSOCKET_CONNECTION_PARSE_URL_ERROR (1005) for a URL that is not a usable proxy
 *         URL (or not UTF-8).
 */
int WebSocketEx_SetProxy(struct WebSocket *client, const char *proxyUrl);

/**
 * @brief Sends every connection of this client through a Unix domain socket.
 *
 * As curl's --unix-socket: the bytes go to the socket at `path` instead of TCP, and the URL
 * still names the server: its host goes in the Host header, in SNI and in the certificate
 * check of wss://. No proxy is used and no name is looked up; every other setting (TLS,
 * timeouts, keepalive, reconnection, compression) applies. The path need not exist yet: it is
 * used at each Connect, and a failure reaches onError(1003, "...: connect to unix socket PATH
 * failed: no such file or directory"). A Connect URL of the form
 * `ws+unix:///path/to/socket:/resource` (or `wss+unix://`) names its own socket, which wins
 * over this setting; its Host, SNI and certificate name are `localhost`, and the request
 * target is what follows the last `:` that a `/` follows (`/` when there is none). From the
 * next Connect.
 *
 * @param client The client.
 * @param path The socket's path (at most 107 bytes: what `struct sockaddr_un` holds), or NULL
 *        for TCP again (the default). Read during the call.
 * @return WEBSOCKET_OK;
 *         WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED for a bad client;
 *         WEBSOCKET_CONNECTION_PARSE_URL_ERROR (1005) for an empty path or one over 107
 *         bytes (nothing changes).
 */
int WebSocketEx_SetUnixSocket(struct WebSocket *client, const char *path);

/** @} */

/**
 * @name Corporate networks: proxy TLS, pinning, TLS versions, source address, resolve, TCP
 *
 * Settings for networks between the client and the server: the CAs of an https:// proxy,
 * public-key pins and TLS versions for the server, the source address and interface of TCP
 * connections, resolve overrides, TCP keepalive. Like every setter they apply from the next
 * Connect (to the server and, for the TCP settings, to a proxy); a bad value is refused by the
 * setter with a code (nothing changes) and WebSocketEx_GetLastErrorMessage says why.
 *
 * Every TCP connection has TCP_NODELAY on: small frames (pings, short messages) never wait for
 * Nagle's algorithm.
 */
/** @{ */

/** @brief TLS 1.2 (its wire value), for WebSocketEx_SetTlsVersions. */
#define WEBSOCKET_EX_TLS1_2 0x0303
/** @brief TLS 1.3 (its wire value), for WebSocketEx_SetTlsVersions. */
#define WEBSOCKET_EX_TLS1_3 0x0304

/**
 * @brief Trusts the CA certificates of a PEM file for an https:// proxy, instead of what the
 *        server is verified against.
 *
 * By default an https:// proxy's certificate is verified as the server's is: against
 * WebSocketEx_SetCAFile / WebSocketEx_SetCADirectory if set, else the system store
 * (SSL_CERT_FILE, SSL_CERT_DIR). A proxy is always verified:
 * WebSocketEx_SetSkipCertificateVerification and the pins concern the server only. A proxy
 * whose certificate fails fails the attempt with onError(1003, "...: proxy https://HOST:PORT
 * could not be used over TLS: TLS certificate verify failed: ...").
 *
 * @param client The client.
 * @param path The file, read during the call; NULL drops it.
 * @return WEBSOCKET_OK;
 *         WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED for a bad client;
 *         WEBSOCKET_CONNECTION_ERROR when the file cannot be read or holds no usable
 *         certificate.
 */
int WebSocketEx_SetProxyCAFile(struct WebSocket *client, const char *path);

/**
 * @brief Pins the server's public key, in the form of curl's CURLOPT_PINNEDPUBLICKEY.
 *
 * After the certificate is verified, the SHA-256 hash of its SubjectPublicKeyInfo must equal
 * one of the pins; otherwise the attempt fails with onError(1003, "...: TLS certificate verify
 * failed: public key pin mismatch: the server's key is sha256//BASE64, the pinned key is
 * sha256//BASE64"). Pins also apply when verification is skipped
 * (WebSocketEx_SetSkipCertificateVerification): that is how a device with a self-signed
 * certificate is pinned. `openssl x509 -in cert.pem -pubkey -noout | openssl pkey -pubin
 * -outform der | openssl dgst -sha256 -binary | base64` computes a pin.
 *
 * @param client The client.
 * @param pins "sha256//BASE64" hashes separated by ';' (each must decode to 32 bytes), or the
 *        path of a public-key file (PEM "PUBLIC KEY" or DER), read during the call; NULL
 *        removes the pins (the default: none).
 * @return WEBSOCKET_OK;
 *         WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED for a bad client;
 *         WEBSOCKET_CONNECTION_ERROR for "", a pin that is not base64 of 32 bytes, a file that
 *         cannot be read or holds no public key, or text that is not UTF-8.
 */
int WebSocketEx_SetPinnedPublicKey(struct WebSocket *client, const char *pins);

/**
 * @brief The TLS versions allowed with the server (OpenHarmony's ArkTS has
 *        minSupportTlsProtocol).
 *
 * A server with no version in the range fails the attempt with onError(1003, "...: TLS
 * handshake failed: no TLS version in common with the server: we offer TLS 1.3 only (the
 * server sent alert ProtocolVersion)"). An https:// proxy uses both versions whatever this
 * says.
 *
 * @param client The client.
 * @param minVersion WEBSOCKET_EX_TLS1_2, WEBSOCKET_EX_TLS1_3, or 0 for no lower bound (the
 *        default).
 * @param maxVersion WEBSOCKET_EX_TLS1_2, WEBSOCKET_EX_TLS1_3, or 0 for no upper bound (the
 *        default).
 * @return WEBSOCKET_OK;
 *         WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED for a bad client;
 *         WEBSOCKET_CONNECTION_ERROR for another value, or minVersion above maxVersion.
 */
int WebSocketEx_SetTlsVersions(struct WebSocket *client, int minVersion, int maxVersion);

/**
 * @brief Connects from this source address (to the server, or to the proxy).
 *
 * Only the addresses of the address's family are tried (an IPv4 source cannot reach an IPv6
 * address); when none is left the attempt fails with onError(1003, "...: no IPv4 address to
 * connect to from local address 10.0.0.2 (skipped [2001:db8::1]:443)"). An address this
 * machine does not have fails at Connect with onError(1003, "...: binding to local address
 * ADDR failed: cannot assign requested address").
 *
 * @param client The client.
 * @param address A numeric IPv4 or IPv6 address, without a port (e.g. "192.168.1.20",
 *        "fe80::1"); NULL for any (the default). Read during the call.
 * @return WEBSOCKET_OK;
 *         WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED for a bad client;
 *         WEBSOCKET_CONNECTION_PARSE_URL_ERROR (1005) for "", or text that is not a numeric IP
 *         address.
 */
int WebSocketEx_SetLocalAddress(struct WebSocket *client, const char *address);

/**
 * @brief Connects through this network interface only (SO_BINDTODEVICE).
 *
 * Linux before 5.7 needs the CAP_NET_RAW capability for it; without it the attempt fails with
 * onError(1003, "...: binding to interface eth1 failed: operation not permitted (it needs the
 * CAP_NET_RAW capability)").
 *
 * @param client The client.
 * @param name The interface's name (e.g. "eth1", "wlan0"), which must exist now; NULL for any
 *        (the default). Read during the call.
 * @return WEBSOCKET_OK;
 *         WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED for a bad client;
 *         WEBSOCKET_CONNECTION_ERROR for "", or a name no interface has.
 */
int WebSocketEx_SetInterface(struct WebSocket *client, const char *name);

/**
 * @brief Adds a resolve override, in the form of curl's --resolve: the addresses to use for a
 *        host and port instead of asking DNS.
 *
 * Used for the server's host and for the proxy's, before DNS. The URL keeps naming the server:
 * its host goes in the Host header, in SNI and in the certificate check; with several
 * addresses Happy Eyeballs runs over them as over DNS's. An entry for a host and port given
 * before replaces it.
 *
 * @param client The client.
 * @param entry "host:port:address[,address...]" (e.g. "example.com:443:127.0.0.1,[::1]"; IPv6
 *        addresses, and an IPv6 host, in brackets); NULL removes every entry (the default:
 *        none). Read during the call.
 * @return WEBSOCKET_OK;
 *         WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED for a bad client;
 *         WEBSOCKET_CONNECTION_PARSE_URL_ERROR (1005) for "" or an entry not of that form.
 */
int WebSocketEx_SetResolve(struct WebSocket *client, const char *entry);

/**
 * @brief TCP keepalive (SO_KEEPALIVE), for links where WebSocket pings are off
 *        (WebSocketEx_SetKeepalive(client, 0, 0)) and idle connections must still be found
 *        dead, or kept alive through NATs.
 *
 * After idleMs without traffic the kernel sends a probe every intervalMs; after count
 * unanswered probes the connection is lost (onError(1003, "...: connection lost while reading:
 * connection timed out")). The kernel counts in seconds: each time is rounded up to whole
 * seconds.
 *
 * @param client The client.
 * @param idleMs The idle time before the first probe (up to 32767 s).
 * @param intervalMs The time between probes (up to 32767 s).
 * @param count The unanswered probes before the connection is lost (1 to 127).
 * @return WEBSOCKET_OK;
 *         WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED for a bad client;
 *         WEBSOCKET_CONNECTION_ERROR when some but not all of the three are 0, or one is out
 *         of range. All three 0 turn TCP keepalive off (the default).
 */
int WebSocketEx_SetTcpKeepalive(struct WebSocket *client, uint32_t idleMs, uint32_t intervalMs,
    uint32_t count);

/** @} */

/**
 * @name Connection lifecycle
 *
 * Timeouts, keepalive, reconnection, redirects, subprotocols, the handshake response, pings.
 * Times are in milliseconds. A value out of range gives WEBSOCKET_CONNECTION_ERROR (1003) and
 * changes nothing; WebSocketEx_GetLastErrorMessage says why.
 */
/** @{ */

/**
 * @brief Bounds one connection attempt: DNS, TCP, proxy, TLS and the opening handshake
 *        together (and again for each redirect followed).
 *
 * An attempt that takes longer fails with onError(1003, "... timed out after 1.5 s in the
 * WebSocket handshake"), naming the stage it was in.
 *
 * @param client The client.
 * @param timeoutMs The bound (default 30000); 0 restores the default.
 * @return WEBSOCKET_OK, WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED.
 */
int WebSocketEx_SetConnectTimeout(struct WebSocket *client, uint32_t timeoutMs);

/**
 * @brief How long Close waits for the server's close frame, and then for the server to end
 *        TCP.
 *
 * The wait counts from the Close call, also when the close frame waits behind queued
 * messages. Without an answer in time onClose reports 1006 "close handshake timed out" (with
 * what was not sent, when the queue had not drained; the connection is then cut).
 *
 * @param client The client.
 * @param timeoutMs The wait (default 5000); 0 restores the default.
 * @return WEBSOCKET_OK, WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED.
 */
int WebSocketEx_SetCloseTimeout(struct WebSocket *client, uint32_t timeoutMs);

/**
 * @brief Keepalive: a ping after a quiet interval, and when the connection counts as lost.
 *
 * After pingIntervalMs without receiving anything a ping is sent; when nothing at all has
 * been received for deadAfterMs the connection is considered lost: a close frame 1011 is
 * attempted (not awaited), then onError(1003, "keepalive: no answer to ping within N s") and
 * onClose(1006). Any frame from the server (a message, a pong) counts as traffic.
 *
 * @param client The client.
 * @param pingIntervalMs The quiet interval before a ping (default 30000); 0 turns keepalive
 *        off (a silent server then stays connected, and deadAfterMs is ignored).
 * @param deadAfterMs The silence after which the connection is lost (default 60000); 0 means
 *        twice pingIntervalMs, otherwise it must be longer than pingIntervalMs.
 * @return WEBSOCKET_OK;
 *         WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED for a bad client;
 *         WEBSOCKET_CONNECTION_ERROR when deadAfterMs is not 0 and not longer than
 *         pingIntervalMs.
 */
int WebSocketEx_SetKeepalive(struct WebSocket *client, uint32_t pingIntervalMs,
    uint32_t deadAfterMs);

/**
 * @brief Called when the connection was lost or an attempt failed and the library will try
 *        again (see WebSocketEx_SetReconnect).
 *
 * After a failure it follows that failure's onError, in the same turn.
 *
 * @param client The client.
 * @param attempt The number of the attempt that starts in delayMs (1 for the first retry).
 * @param delayMs The wait before that attempt, in milliseconds.
 * @param lastClose How the previous connection ended: code 1006 and the error's message after
 *        a failure, or the server's close code and reason after a close it started. `reason`
 *        is valid only during the call.
 * @param userData The pointer given to WebSocketEx_SetUserData (NULL if none).
 */
typedef void (*WebSocketEx_OnReconnectCallback)(struct WebSocket *client, uint32_t attempt,
    uint32_t delayMs, WebSocket_CloseResult lastClose, void *userData);

/**
 * @brief Automatic reconnection, off by default.
 *
 * With it on, a failed connection attempt (DNS, TCP, proxy, TLS, handshake) and a lost
 * connection (EOF or reset without a close frame, keepalive, a protocol violation by the
 * server) are retried with exponential backoff and full jitter: before attempt n the library
 * waits a random time between 0 and min(maxDelayMs, baseDelayMs * 2^(n-1)). After a close
 * handshake that the server started it reconnects only when afterServerClose != 0; after
 * Close it never does. Up to maxAttempts attempts follow one another; the count starts again
 * after each successful open. Each attempt uses a new handshake key and the same URL, headers
 * and settings as the Connect that started it (redirects are followed again from that URL).
 *
 * What the callbacks see, per connection, with reconnection on:
 * - every failed attempt and every lost connection: onError (with its code and message),
 *   then the WebSocketEx_OnReconnectCallback when another attempt is scheduled (no onClose);
 * - a close handshake the server started, with afterServerClose: only the
 *   WebSocketEx_OnReconnectCallback, whose lastClose holds the server's code and reason;
 * - every successful attempt: onOpen again (then onMessage as usual);
 * - when the library gives up (maxAttempts failed in a row): the last onError, then
 *   onClose(1006, "gave up after N reconnection attempts");
 * - Close while waiting or reconnecting: onClose(1006, "reconnection cancelled by Close");
 *   Destroy: nothing more.
 *
 * Messages sent while reconnecting are queued (within the send-queue limit) and sent after
 * the next open; messages already handed to a connection that is then lost are lost with it.
 *
 * @param client The client.
 * @param maxAttempts The number of attempts in a row before giving up; 0 turns reconnection
 *        off (the default; the other arguments are then ignored).
 * @param baseDelayMs The first backoff bound; 0 means 1000, or maxDelayMs if that is less.
 *        It must not exceed maxDelayMs.
 * @param maxDelayMs The largest backoff bound; 0 means 30000.
 * @param afterServerClose Non-zero to reconnect also after a close handshake the server
 *        started.
 * @return WEBSOCKET_OK;
 *         WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED for a bad client;
 *         WEBSOCKET_CONNECTION_ERROR when baseDelayMs exceeds maxDelayMs.
 */
int WebSocketEx_SetReconnect(struct WebSocket *client, uint32_t maxAttempts, uint32_t baseDelayMs,
    uint32_t maxDelayMs, int afterServerClose);

/**
 * @brief Sets or removes the callback told about each scheduled reconnection.
 *
 * @param client The client.
 * @param cb The callback, or NULL to remove it.
 * @return WEBSOCKET_OK, WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED.
 */
int WebSocketEx_SetReconnectCallback(struct WebSocket *client, WebSocketEx_OnReconnectCallback cb);

/**
 * @brief Follows redirects of the opening handshake, or not.
 *
 * Redirects (301, 302, 303, 307, 308 with a Location) are followed by default, up to 5 in a
 * row, each with a new handshake: relative locations are resolved against the URL that
 * answered, http:// and https:// mean ws:// and wss://, and a redirect from wss:// to ws:// is
 * refused, as is a loop. The whole chain is bounded by one connect timeout
 * (WebSocketEx_SetConnectTimeout), not one per hop. The headers of AddHeader and Connect are
 * sent again to the same origin (scheme, host and port); a redirect to another origin gets
 * none of them, since any may carry credentials (Authorization, Cookie, an API key, a token
 * in Sec-WebSocket-Protocol), as browsers and curl do, unless WebSocketEx_SetRedirectTrusted
 * says otherwise. Subprotocols set with WebSocketEx_SetSubprotocols are offered at every hop.
 * When not followed, a redirect fails the attempt with onError(1009, "... redirect 302 to
 * /new not followed: redirects are off").
 *
 * @param client The client.
 * @param enable Non-zero to follow redirects (the default), 0 not to.
 * @return WEBSOCKET_OK, WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED.
 */
int WebSocketEx_SetFollowRedirects(struct WebSocket *client, int enable);

/**
 * @brief Sends the caller's headers to every origin a redirect leads to, or only to the URL's.
 *
 * By default (0) the headers added with AddHeader and given to Connect go only to the origin
 * (scheme, host and port) of the URL given to Connect and of redirects within it. Non-zero
 * trusts every redirect with them, as curl's --location-trusted does: use it only when every
 * server a redirect may lead to should see your credentials. From the next Connect.
 *
 * @param client The client.
 * @param trusted Non-zero to send the headers to every origin, 0 (the default) not to.
 * @return WEBSOCKET_OK, WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED.
 */
int WebSocketEx_SetRedirectTrusted(struct WebSocket *client, int trusted);

/**
 * @brief The subprotocols to offer (Sec-WebSocket-Protocol), most preferred first.
 *
 * A server that chooses one not offered fails the attempt with onError(1009). A
 * Sec-WebSocket-Protocol header added with AddHeader or Connect is the other way to offer
 * subprotocols; with both, Connect returns WEBSOCKET_NO_HEADER_CONTEXT (1015).
 *
 * @param client The client.
 * @param protocols A comma-separated list of tokens such as "chat.v2, chat", read during the
 *        call; NULL or "" offers none (the default).
 * @return WEBSOCKET_OK;
 *         WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED for a bad client;
 *         WEBSOCKET_CONNECTION_ERROR for a list that is not UTF-8 or has an entry that is not
 *         an HTTP token.
 */
int WebSocketEx_SetSubprotocols(struct WebSocket *client, const char *protocols);

/**
 * @brief The subprotocol the server chose at the client's last onOpen.
 *
 * @param client The client.
 * @return The subprotocol, owned by the library: it stays valid (and keeps naming the last
 *         choice after the connection ended) until the client's next Connect or Destroy.
 *         NULL when the server chose none, before the first onOpen after a Connect, and for
 *         a bad handle.
 */
const char *WebSocketEx_GetSubprotocol(struct WebSocket *client);

/**
 * @brief Receives each complete HTTP response to the opening handshake before the library
 *        acts on it: before onOpen for a 101, before a redirect is followed, before onError
 *        for a refusal (e.g. a 401 with its WWW-Authenticate field).
 *
 * @param client The client.
 * @param status The HTTP status code.
 * @param reason The reason phrase; valid only during the call.
 * @param headers Every header field in the order received (names as sent, values trimmed),
 *        or NULL for none; the list and its strings are the library's, valid only during the
 *        call.
 * @param userData The pointer given to WebSocketEx_SetUserData (NULL if none).
 */
typedef void (*WebSocketEx_OnHandshakeResponseCallback)(struct WebSocket *client,
    uint32_t status, const char *reason, const struct WebSocket_Header *headers, void *userData);

/**
 * @brief Sets or removes the handshake response callback.
 *
 * @param client The client.
 * @param cb The callback, or NULL to remove it.
 * @return WEBSOCKET_OK, WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED.
 */
int WebSocketEx_SetHandshakeResponseCallback(struct WebSocket *client,
    WebSocketEx_OnHandshakeResponseCallback cb);

/**
 * @brief Queues a ping, sent in order with the messages.
 *
 * The server's pong reaches the WebSocketEx_OnPongCallback, if one is set. A queued ping
 * counts against the send-queue limit and in WebSocketEx_GetBufferedAmount as its frame (6
 * bytes and the payload), so that pings cannot pile up without bound.
 *
 * @param client The client.
 * @param data The payload, copied before the call returns. Must not be NULL, even when
 *        `length` is 0.
 * @param length The payload's size: at most 125 bytes; 0 sends an empty ping.
 * @return WEBSOCKET_OK: queued;
 *         WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED for a bad client;
 *         WEBSOCKET_SEND_DATA_NULL when `data` is NULL;
 *         WEBSOCKET_DATA_LENGTH_EXCEEDED (1012) for more than 125 bytes;
 *         WEBSOCKET_QUEUE_LENGTH_EXCEEDED when the send queue would exceed its limit;
 *         WEBSOCKET_NO_CONNECTION when the client never connected (a ping does not wait for
 *         a connection), Close was called, or the end of the connection was reported.
 */
int WebSocketEx_SendPing(struct WebSocket *client, const char *data, size_t length);

/**
 * @brief Receives the payload of every pong from the server: answers to WebSocketEx_SendPing
 *        and to keepalive pings, and unsolicited ones.
 *
 * Pings from the server are always answered by the library, whether or not this is set.
 *
 * @param client The client.
 * @param data The payload, followed by a 0 byte (`data[length] == 0`); valid only during the
 *        call.
 * @param length The payload's size in bytes (at most 125).
 * @param userData The pointer given to WebSocketEx_SetUserData (NULL if none).
 */
typedef void (*WebSocketEx_OnPongCallback)(struct WebSocket *client, const char *data,
    size_t length, void *userData);

/**
 * @brief Sets or removes the pong callback.
 *
 * @param client The client.
 * @param cb The callback, or NULL to remove it.
 * @return WEBSOCKET_OK, WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED.
 */
int WebSocketEx_SetPongCallback(struct WebSocket *client, WebSocketEx_OnPongCallback cb);

/** @} */

/**
 * @name Messages in pieces
 * Receiving messages as they arrive and sending them in fragments (RFC 6455 §5.4), so that
 * neither side holds a whole message in memory; and the frame size that keeps pings, pongs
 * and the close from waiting behind a large message.
 */
/** @{ */

/** @brief Flags of a piece given to WebSocketEx_OnFragmentCallback (a bit set). */
typedef enum {
    /** The message's first piece. */
    WEBSOCKET_EX_FIRST = 1,
    /** The message's last piece. */
    WEBSOCKET_EX_FINAL = 2
} WebSocketEx_FragmentFlags;

/**
 * @brief Receives every data message in pieces, as its bytes arrive, instead of whole.
 *
 * Each piece is what one read brought of a frame's payload (a large frame comes in
 * read-buffer-sized pieces, a few KiB to 64 KiB), inflated first when permessage-deflate is
 * on (at most 64 KiB inflated per piece). A text piece is cut only between characters, so it
 * is valid UTF-8 on its own; the message is validated as it comes, and an invalid byte fails
 * the connection as for whole messages (onError 1009, then onClose with 1007): the pieces
 * before it stay delivered and no FINAL piece comes. Pieces may be empty anywhere; a message
 * gives at least one piece, WEBSOCKET_EX_FIRST on its first and WEBSOCKET_EX_FINAL on its
 * last (an empty message: one empty piece with both). Pieces of one message come in order,
 * one call at a time, on a library thread, like every callback.
 *
 * @param client The client.
 * @param data The piece, followed by a 0 byte (`data[length] == 0`). Owned by the library,
 *        valid only during the call.
 * @param length The piece's size in bytes, without the terminating 0.
 * @param type WEBSOCKET_EX_TEXT or WEBSOCKET_EX_BINARY: the message's type, on every piece.
 * @param flags WEBSOCKET_EX_FIRST and WEBSOCKET_EX_FINAL, or'ed (0 for a piece in between).
 * @param userData The pointer given to WebSocketEx_SetUserData (NULL if none).
 */
typedef void (*WebSocketEx_OnFragmentCallback)(struct WebSocket *client, const char *data,
    size_t length, WebSocketEx_MessageType type, int flags, void *userData);

/**
 * @brief Sets or removes the fragment callback.
 *
 * A connection started (by Connect) while the callback is set receives in pieces: every data
 * message goes to this callback, never to onMessage or the typed message callback, and the
 * receive limit (WebSocketEx_SetMaxReceiveSize) does not apply, since no message is held:
 * memory stays at the read buffer's size whatever the message's. Set while a connection
 * receives whole messages, the callback gets each whole message as one piece (FIRST and
 * FINAL) until the next Connect. Removed while a connection receives in pieces, the pieces
 * are dropped until the next Connect, which goes back to whole messages.
 *
 * @param client The client.
 * @param cb The callback, or NULL to go back to whole messages from the next Connect.
 * @return WEBSOCKET_OK, WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED.
 */
int WebSocketEx_SetFragmentCallback(struct WebSocket *client, WebSocketEx_OnFragmentCallback cb);

/**
 * @brief Queues the next piece of a message sent in fragments.
 *
 * The first call begins a message of `type`; later calls continue it and must give the same
 * type; the call with `isFinal` ends it. Each call goes out as one frame, or several when the
 * piece is larger than the maximum frame size (WebSocketEx_SetMaxFrameSize); with compression
 * on, the message is compressed as one stream (RSV1 on its first frame, RFC 7692 §6.1).
 * Pings, pongs and the close still go out between fragments. The pieces go through the send
 * queue like messages: they count against its limit and in WebSocketEx_GetBufferedAmount,
 * and a full queue gives WEBSOCKET_QUEUE_LENGTH_EXCEEDED at once, without blocking (send the
 * piece again later). The maximum send size applies to each call, not to the message.
 *
 * While a message is being sent in fragments (from its first fragment until its final one is
 * queued), OH_WebSocketClient_Send, WebSocketEx_SendText and WebSocketEx_SendBinary, from any
 * thread, still return at once: their messages wait their turn in the queue and go out after
 * the final fragment, in call order. Close while a message is being sent in fragments abandons
 * it: the close frame follows the last fragment sent (RFC 6455 §5.4 allows a message to end
 * unfinished with the connection). A message being sent when the connection is lost (with
 * reconnection on) is lost with it: its remaining fragments are dropped.
 *
 * Fragments need a connection: before the first Connect the call gives
 * WEBSOCKET_NO_CONNECTION (whole messages sent then wait for the connection; pieces do not).
 *
 * @param client The client.
 * @param data The piece, copied before the call returns. Must not be NULL, even when `length`
 *        is 0.
 * @param length The piece's size in bytes; 0 sends an empty frame (e.g. to end a message).
 * @param type WEBSOCKET_EX_TEXT or WEBSOCKET_EX_BINARY.
 * @param isFinal Non-zero for the message's last piece.
 * @return WEBSOCKET_OK: queued;
 *         WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED for a bad client;
 *         WEBSOCKET_SEND_DATA_NULL when `data` is NULL;
 *         WEBSOCKET_PROTOCOL_ERROR (1009) for a text piece that is not valid UTF-8 on its own
 *         (the message stays open for a valid piece), a type that differs from the message's,
 *         or a `type` that is neither of the two (nothing is queued; see
 *         WebSocketEx_GetLastErrorMessage);
 *         WEBSOCKET_DATA_LENGTH_EXCEEDED over the maximum send size;
 *         WEBSOCKET_SEND_NO_MEMORY when memory for the copy cannot be had;
 *         WEBSOCKET_QUEUE_LENGTH_EXCEEDED over the send queue limit;
 *         WEBSOCKET_NO_CONNECTION before the first Connect, and once Close was called or the
 *         end of the connection was reported.
 */
int WebSocketEx_SendFragment(struct WebSocket *client, const char *data, size_t length,
    WebSocketEx_MessageType type, int isFinal);

/**
 * @brief The largest payload of a frame the client sends, from the next Connect.
 *
 * A message (or fragment) larger than this goes out in several frames, written one at a
 * time, so a pong, a keepalive ping or a close waits at most one frame's time behind it, even
 * during a 1 GiB send. Without compression, frames are written from the message's buffer
 * without another copy.
 *
 * @param client The client.
 * @param bytes At least 1024; 0 restores the default (1 MiB, 1048576).
 * @return WEBSOCKET_OK; WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED for a bad
 *         client; WEBSOCKET_CONNECTION_ERROR for a size under 1024 (nothing changes; see
 *         WebSocketEx_GetLastErrorMessage).
 */
int WebSocketEx_SetMaxFrameSize(struct WebSocket *client, size_t bytes);

/** @} */

/**
 * @name Callbacks on your thread
 *
 * By default every callback runs on a library thread (see net_websocket.h). A GUI toolkit
 * (widgets only on the main thread), a single-threaded event loop (poll, epoll, GLib, libuv,
 * libevent) or a language runtime that may only be entered on its own thread (Python, Lua, a
 * Node or OpenHarmony N-API addon) wants them on a thread of its choosing instead: attach the
 * client to a dispatcher, and its callbacks wait there until that thread calls
 * WebSocketEx_DispatcherRun. The network itself stays on the library's threads.
 *
 * @code
 * WebSocketEx_Dispatcher *d = WebSocketEx_DispatcherCreate();
 * WebSocketEx_SetDispatcher(client, d);            // from the next Connect on
 * OH_WebSocketClient_Connect(client, url, client->requestOptions);
 * struct pollfd p = { WebSocketEx_DispatcherGetFd(d), POLLIN, 0 };
 * while (running) {
 *     poll(&p, 1, -1);                             // beside your other fds
 *     WebSocketEx_DispatcherRun(d, 0);             // the callbacks run here
 * }
 * OH_WebSocketClient_Destroy(client);              // detaches it
 * WebSocketEx_DispatcherDestroy(d);
 * @endcode
 *
 * - Every callback of an attached client, standard and extension ones alike (onOpen,
 *   onMessage, onError, onClose, the typed message, pong, reconnect and handshake response
 *   callbacks), runs only inside WebSocketEx_DispatcherRun, on the thread that calls it, with
 *   the usual contract: serialized and in order per client (onOpen, then onMessage, then
 *   onClose last), pointer arguments valid only during the call (`data[length] == 0`),
 *   nothing after Destroy returned. Several clients may share one dispatcher (their callbacks
 *   come in the order they arrived) and a program may have several dispatchers. Every
 *   function may be called from inside these callbacks, as from library callbacks: Send,
 *   Close, Destroy of any client, Connect, WebSocketEx_DispatcherWait.
 * - The dispatcher's file descriptor is level-triggered: readable exactly while callbacks are
 *   pending. Add it to poll, epoll, select, GLib (`g_unix_fd_add`) or libuv (`uv_poll_t`) and
 *   call Run when it is readable. Only watch it: never read, write or close it (stop watching
 *   it before WebSocketEx_DispatcherDestroy, which closes it).
 * - Backpressure: when a client's pending callbacks hold more than its dispatch limit
 *   (WebSocketEx_SetDispatchLimit, by default 16 MiB of message bytes), the library stops
 *   reading that client's socket until Run has taken them below the limit, so a dispatcher
 *   that nobody runs costs bounded memory and the server meets TCP flow control. A single
 *   message larger than the limit is still delivered. While reading is paused our keepalive
 *   does not declare the server dead (we are the slow side: nothing can be heard while
 *   nothing is read), but the server's pings wait unread and unanswered too, so a server
 *   with a keepalive of its own may give up on a client whose dispatcher is not run for
 *   longer than that. The close timeout keeps counting.
 * - Destroy of an attached client discards its pending callbacks (none runs after Destroy
 *   returns); from inside its own callback it works as on library threads. Connect returns
 *   WEBSOCKET_CONNECTION_ERROR (1003) while callbacks of the client's previous connection are
 *   still pending: its last callback comes before the next connection's first.
 * - The callbacks of a client that is not attached run on library threads, as before; a
 *   process that never creates a dispatcher pays nothing for it.
 *
 * The functions return WebSocket_ErrCode values: WEBSOCKET_CLIENT_NULL (1001) for a NULL
 * dispatcher or client; WEBSOCKET_CLIENT_NOT_CREATED (1002) for a pointer that is not a live
 * dispatcher (never created, or destroyed: the addresses of the last 1024 destroyed
 * dispatchers are not given to new ones, so a stale pointer gets 1002, never a crash) or
 * client; WEBSOCKET_CONNECTION_ERROR (1003) when the call is refused, as each function says.
 * WebSocketEx_DispatcherRun and WebSocketEx_DispatcherWait return a count, so they return
 * these codes negated (-1001, -1002, -1003). WebSocketEx_GetLastErrorMessage says why a call
 * failed ("" after one that succeeded), on the calling thread.
 */
/** @{ */

/**
 * @brief A queue of callbacks that runs on the thread of your choice (opaque).
 *
 * Created by WebSocketEx_DispatcherCreate, freed by WebSocketEx_DispatcherDestroy.
 */
typedef struct WebSocketEx_Dispatcher WebSocketEx_Dispatcher;

/**
 * @brief Creates a dispatcher.
 *
 * @return The dispatcher, to be freed with WebSocketEx_DispatcherDestroy; NULL when memory or
 *         a file descriptor cannot be had (WebSocketEx_GetLastErrorMessage says which).
 */
WebSocketEx_Dispatcher *WebSocketEx_DispatcherCreate(void);

/**
 * @brief The file descriptor that is readable exactly while callbacks are pending.
 *
 * The same descriptor for the dispatcher's whole life, owned by the library: poll it (for
 * POLLIN), never read, write or close it. It is closed by WebSocketEx_DispatcherDestroy.
 *
 * @param d The dispatcher.
 * @return The descriptor; -1 for NULL or a pointer that is not a live dispatcher.
 */
int WebSocketEx_DispatcherGetFd(WebSocketEx_Dispatcher *d);

/**
 * @brief Calls pending callbacks, in order, on the calling thread.
 *
 * Calls at most `maxCallbacks` of the callbacks pending when it starts (all of them when
 * `maxCallbacks <= 0`); callbacks that arrive meanwhile (say, the echo of a message sent from
 * a callback) wait for the next call, so Run always returns. A callback that has nothing to
 * call (its function pointer is NULL) or whose client was destroyed is dropped without
 * counting. Run never blocks waiting for callbacks (see WebSocketEx_DispatcherWait): with
 * nothing pending it returns 0 at once. It takes the dispatcher's queue below each client's
 * dispatch limit as it goes, so paused connections read again.
 *
 * One thread at a time runs a dispatcher: a Run while another Run of the same dispatcher is
 * in progress, on another thread or on this one (from inside one of its callbacks), is
 * refused without running anything. A callback may run another dispatcher.
 *
 * @param d The dispatcher.
 * @param maxCallbacks The most callbacks to call; 0 or less: every one pending now.
 * @return The number of callbacks called (0 or more); -WEBSOCKET_CLIENT_NULL (-1001) for
 *         NULL; -WEBSOCKET_CLIENT_NOT_CREATED (-1002) for a pointer that is not a live
 *         dispatcher; -WEBSOCKET_CONNECTION_ERROR (-1003) when the dispatcher is being run
 *         already.
 */
int WebSocketEx_DispatcherRun(WebSocketEx_Dispatcher *d, int maxCallbacks);

/**
 * @brief Waits until callbacks are pending, or for a time; runs nothing.
 *
 * For a thread that has nothing but the dispatcher to watch (an event loop polls the
 * descriptor of WebSocketEx_DispatcherGetFd instead). Returns at once when callbacks are
 * pending already. A signal that interrupts the wait does not end it early.
 *
 * @param d The dispatcher.
 * @param timeoutMs The longest wait in milliseconds; 0 only looks; -1 (any negative value)
 *        waits without limit.
 * @return 1 when callbacks are pending, 0 when none came in time; -WEBSOCKET_CLIENT_NULL
 *         (-1001) for NULL; -WEBSOCKET_CLIENT_NOT_CREATED (-1002) for a pointer that is not a
 *         live dispatcher.
 */
int WebSocketEx_DispatcherWait(WebSocketEx_Dispatcher *d, int timeoutMs);

/**
 * @brief Destroys a dispatcher that no client uses any more, and closes its descriptor.
 *
 * Refused while a client is attached to it: from WebSocketEx_SetDispatcher until the client
 * is detached (WebSocketEx_SetDispatcher with NULL or another dispatcher) or destroyed. A
 * connection started with the dispatcher keeps the client attached until that connection has
 * ended (its onClose or last onError is queued), since its callbacks still go there.
 * Also refused while callbacks are pending (run them, or destroy their clients) and while
 * the dispatcher is being run.
 *
 * @param d The dispatcher. After a successful call the pointer is dead: every function
 *        returns 1002 (or -1002, or -1) for it.
 * @return WEBSOCKET_OK;
 *         WEBSOCKET_CLIENT_NULL for NULL;
 *         WEBSOCKET_CLIENT_NOT_CREATED for a pointer that is not a live dispatcher;
 *         WEBSOCKET_CONNECTION_ERROR (1003) while a client is attached, callbacks are pending
 *         or the dispatcher is being run (nothing changes).
 */
int WebSocketEx_DispatcherDestroy(WebSocketEx_Dispatcher *d);

/**
 * @brief Chooses where the client's callbacks run, from its next Connect on: inside
 *        WebSocketEx_DispatcherRun of `d`, or (NULL) on library threads again.
 *
 * Like the other settings it applies from the next OH_WebSocketClient_Connect: the
 * connection running now (and its reconnections) keeps calling back where it started. The
 * client is attached to `d` from this call on (see WebSocketEx_DispatcherDestroy).
 *
 * @param client The client.
 * @param d The dispatcher, or NULL for library threads (the default).
 * @return WEBSOCKET_OK;
 *         WEBSOCKET_CLIENT_NULL for a NULL client;
 *         WEBSOCKET_CLIENT_NOT_CREATED for a client, or a non-NULL `d`, that is not live;
 *         WEBSOCKET_CONNECTION_ERROR (1003) while callbacks of the client are pending in its
 *         dispatcher (run them first; nothing changes).
 */
int WebSocketEx_SetDispatcher(struct WebSocket *client, WebSocketEx_Dispatcher *d);

/**
 * @brief The message bytes that the client's pending callbacks may hold in its dispatcher
 *        before the library stops reading its socket.
 *
 * Takes effect at once (a paused connection reads again if the new limit allows it). Only
 * message data counts (a message of n bytes counts n); without a dispatcher it has no effect.
 * Reading resumes as soon as Run has taken the pending bytes to the limit or below.
 *
 * @param client The client.
 * @param bytes The limit; 0 restores the default, 16 MiB (16777216).
 * @return WEBSOCKET_OK, WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED.
 */
int WebSocketEx_SetDispatchLimit(struct WebSocket *client, size_t bytes);

/** @} */

/**
 * @name Statistics
 * What a connection did so far, readable from any thread at any time (a field may be a moment
 * older than another; none is ever torn).
 */
/** @{ */

/**
 * @brief A connection's statistics, filled by WebSocketEx_GetStats.
 *
 * Append-only: later versions add fields at the end only, so a program built against this
 * header passes `sizeof(WebSocketEx_Stats)` and gets the fields it knows. The counters are
 * those of the client's current connection, or of its last one after it ended; they restart
 * from 0 at each open (reconnections included), except `reconnects`. Before the first open
 * every field is 0 or "" (but `queuedBytes`).
 */
typedef struct WebSocketEx_Stats {
    /** The bytes WebSocketEx_GetStats filled: min(its `size` argument, sizeof). */
    uint64_t size;
    /** WebSocket frame bytes written to the socket: headers, masking keys and payloads,
     *  control frames included; not the HTTP handshake, not TLS overhead. */
    uint64_t bytesSent;
    /** WebSocket frame bytes received, as bytesSent. */
    uint64_t bytesReceived;
    /** Application bytes of the data messages sent, before compression. */
    uint64_t payloadBytesSent;
    /** Application bytes of the data messages received, after decompression. */
    uint64_t payloadBytesReceived;
    /** Messages encoded for the socket (one sent in pieces counts at its last piece). */
    uint64_t messagesSent;
    /** Messages handed to their callback (in pieces: counted at the last one). */
    uint64_t messagesReceived;
    /** Data frames sent, continuation frames included; control frames are not counted. */
    uint64_t framesSent;
    /** Data frames received, as framesSent. */
    uint64_t framesReceived;
    /** Pings sent: WebSocketEx_SendPing's and keepalive's. */
    uint64_t pingsSent;
    /** Pongs received (answers to our pings or not). */
    uint64_t pongsReceived;
    /** The last ping→pong round trip in microseconds; 0 before any. */
    uint64_t rttUs;
    /** The smoothed round trip (RFC 6298 §2 SRTT: 7/8 of the last value plus 1/8 of each new
     *  round trip) in microseconds; 0 before any. */
    uint64_t smoothedRttUs;
    /** The stages of the connection attempt that opened the current connection, in
     *  microseconds. DNS: resolving the server's name; 0 through a proxy (which resolves it)
     *  and for IP addresses resolved at once. */
    uint64_t dnsUs;
    /** TCP: connecting to the server, or to the proxy (a Unix socket's connect). */
    uint64_t tcpUs;
    /** The proxy: resolving it, TLS to an https:// proxy, the tunnel request; 0 without. */
    uint64_t proxyUs;
    /** TLS with the server; 0 for ws://. */
    uint64_t tlsUs;
    /** The opening handshake: from the HTTP Upgrade request to the 101 response. */
    uint64_t handshakeUs;
    /** Milliseconds since onOpen of the current connection; 0 before it, and from the end of
     *  its close handshake (or its failure) on. */
    uint64_t openMs;
    /** Successful reopenings by automatic reconnection since Connect. */
    uint64_t reconnects;
    /** The same as WebSocketEx_GetBufferedAmount. */
    uint64_t queuedBytes;
    /** The negotiated TLS version, e.g. "TLSv1_3"; "" for ws://. NUL-terminated. */
    char tlsVersion[16];
    /** The negotiated cipher suite, e.g. "TLS13_AES_256_GCM_SHA384"; "" for ws://. */
    char cipherSuite[64];
    /** The ALPN protocol agreed with the server; "" when none. */
    char alpn[32];
    /** The subprotocol the server selected; "" when none (cut to 127 bytes). */
    char subprotocol[128];
    /** The Sec-WebSocket-Extensions the server accepted, as it sent them; "" when none (cut
     *  to 127 bytes). */
    char extensions[128];
} WebSocketEx_Stats;

/**
 * @brief Copies the client's statistics into `out`.
 *
 * Fills the first min(`size`, sizeof(WebSocketEx_Stats)) bytes of `out` and sets
 * `out->size` to that number; the bytes of `out` after them are left as they were. Pass
 * `sizeof(WebSocketEx_Stats)` (a program built against an older header passes its smaller
 * size and gets the fields it knows). Never waits for the connection: any thread, any time,
 * also inside a callback.
 *
 * @param client The client.
 * @param out Where to write.
 * @param size The size of `out` in bytes: at least 8 (the `size` field).
 * @return WEBSOCKET_OK;
 *         WEBSOCKET_CLIENT_NULL for a NULL client;
 *         WEBSOCKET_CLIENT_NOT_CREATED for a pointer that is not a live client;
 *         WEBSOCKET_SEND_DATA_NULL (1011) when `out` is NULL or `size` is under 8 (nothing
 *         is written).
 */
int WebSocketEx_GetStats(struct WebSocket *client, WebSocketEx_Stats *out, size_t size);

/** @} */

/**
 * @name Tracing
 * Typed events of a connection's life, each with a CLOCK_MONOTONIC timestamp: the data the
 * library's log lines carry, as fields a program can forward to its own tracing (e.g.
 * OpenTelemetry spans).
 */
/** @{ */

/** @brief What a trace event is about (WebSocketEx_TraceEvent.kind). */
typedef enum {
    /** A name was resolved: `detail` "host: address, address...", `length` how many. */
    WEBSOCKET_EX_TRACE_DNS_ANSWER = 1,
    /** A TCP connection attempt begins: `detail` the address ("127.0.0.1:443"). */
    WEBSOCKET_EX_TRACE_TCP_CONNECTING = 2,
    /** A TCP attempt succeeded: `detail` the address. */
    WEBSOCKET_EX_TRACE_TCP_CONNECTED = 3,
    /** A TCP attempt failed: `detail` "address: reason" (the next address may follow). */
    WEBSOCKET_EX_TRACE_TCP_FAILED = 4,
    /** The proxy's tunnel to the server is open: `detail` the proxy, without credentials. */
    WEBSOCKET_EX_TRACE_PROXY_TUNNEL = 5,
    /** TLS with the server is up: `detail` "version suite" ("TLSv1_3
     *  TLS13_AES_256_GCM_SHA384"), `code` the version (0x0304 for TLS 1.3, 0x0303 for 1.2). */
    WEBSOCKET_EX_TRACE_TLS = 6,
    /** The handshake response arrived: `code` its HTTP status, `detail` its reason phrase. */
    WEBSOCKET_EX_TRACE_HANDSHAKE = 7,
    /** The connection is open (just before onOpen): `detail` the subprotocol, "" if none. */
    WEBSOCKET_EX_TRACE_OPEN = 8,
    /** A frame was queued for the socket: `opcode`, `length` (payload bytes), `flags`. */
    WEBSOCKET_EX_TRACE_FRAME_SENT = 9,
    /** A frame was received: `opcode`, `length` (payload bytes), `flags`. */
    WEBSOCKET_EX_TRACE_FRAME_RECEIVED = 10,
    /** Our close frame was queued (after its FRAME_SENT): `code` its status code, 0 if none. */
    WEBSOCKET_EX_TRACE_CLOSE_SENT = 11,
    /** The server's close frame arrived (after its FRAME_RECEIVED): `code` its status code,
     *  0 if none. */
    WEBSOCKET_EX_TRACE_CLOSE_RECEIVED = 12,
    /** Keepalive sent a ping: nothing was received for the ping interval. */
    WEBSOCKET_EX_TRACE_KEEPALIVE_PING = 13,
    /** Keepalive gave up: nothing received within the dead time (`detail` says how long). */
    WEBSOCKET_EX_TRACE_KEEPALIVE_TIMEOUT = 14,
    /** A reconnection is scheduled: `code` the delay in ms, `length` the attempt number,
     *  `detail` why the connection ended. */
    WEBSOCKET_EX_TRACE_RECONNECT = 15
} WebSocketEx_TraceKind;

/** @brief WebSocketEx_TraceEvent.flags of a frame: FIN, the last frame of its message. */
#define WEBSOCKET_EX_TRACE_FIN 1u
/** @brief WebSocketEx_TraceEvent.flags of a frame: RSV1, a compressed message's first frame
 *  (permessage-deflate). */
#define WEBSOCKET_EX_TRACE_RSV1 2u

/**
 * @brief One trace event. Append-only: later versions add fields at the end only; read
 *        `size` before a field a newer header added. Fields that do not apply to the kind
 *        are 0 (or "" for `detail`).
 */
typedef struct WebSocketEx_TraceEvent {
    /** sizeof the struct as the library filled it. */
    uint64_t size;
    /** A WebSocketEx_TraceKind. */
    int kind;
    /** When it happened: CLOCK_MONOTONIC, in microseconds (it may be a moment before the
     *  call, which a dispatcher may delay further). */
    uint64_t timestampUs;
    /** Words for it, never NULL, never credentials nor message payloads; owned by the
     *  library and valid only during the call. */
    const char *detail;
    /** A frame's payload length, or a count (see the kinds). */
    uint64_t length;
    /** A frame's opcode (0 continuation, 1 text, 2 binary, 8 close, 9 ping, 10 pong). */
    uint32_t opcode;
    /** A frame's WEBSOCKET_EX_TRACE_FIN and WEBSOCKET_EX_TRACE_RSV1 bits. */
    uint32_t flags;
    /** A close code, HTTP status, TLS version or reconnection delay (see the kinds). */
    uint32_t code;
} WebSocketEx_TraceEvent;

/**
 * @brief Receives each trace event of the client's connections, in the order they
 *        happened.
 *
 * Runs like the other callbacks (on a library thread, or inside WebSocketEx_DispatcherRun
 * for a client attached to a dispatcher), in order with them, and the connection waits while
 * it runs: keep it short (copy what you need and return).
 *
 * @param client The client.
 * @param event The event; owned by the library, valid only during the call.
 * @param userData The pointer given to WebSocketEx_SetUserData (NULL if none).
 */
typedef void (*WebSocketEx_OnTraceCallback)(struct WebSocket *client,
    const WebSocketEx_TraceEvent *event, void *userData);

/**
 * @brief Sets or removes the trace callback.
 *
 * Tracing is off by default and costs nothing then (one branch per trace point). It is on for
 * the connections started by an OH_WebSocketClient_Connect made while a callback is set (and
 * their reconnections); removing the callback (NULL) stops the calls at once, though the
 * connection keeps noting its frames until it ends.
 *
 * @param client The client.
 * @param cb The callback, or NULL to remove it.
 * @return WEBSOCKET_OK, WEBSOCKET_CLIENT_NULL or WEBSOCKET_CLIENT_NOT_CREATED.
 */
int WebSocketEx_SetTraceCallback(struct WebSocket *client, WebSocketEx_OnTraceCallback cb);

/** @} */

/**
 * @name Errors
 */
/** @{ */

/**
 * @brief Why the last setting call on this thread failed.
 *
 * Set by every WebSocketEx_Set... function that changes a connection setting (compression,
 * limits, TLS, proxy, the corporate-network settings, timeouts, keepalive, reconnection,
 * redirects, subprotocols), and by WebSocketEx_SendFragment: "" when it succeeded, else the
 * reason, e.g. "/etc/ca.pem: no such file or directory". Also set by any function of the
 * library that failed with an internal error ("internal error in FUNCTION: ..."). The
 * dispatcher functions set it too (see "Callbacks on your thread"). The setters
 * of user data and callbacks leave it as it is.
 *
 * @return The message, never NULL; "" when no such call was made on this thread. Owned by the
 *         library and valid until the next call that sets it on the same thread.
 */
const char *WebSocketEx_GetLastErrorMessage(void);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* NET_WEBSOCKET_EXT_H */
