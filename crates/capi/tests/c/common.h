/*
 * common.h — helpers shared by the C tests of libnet_websocket (linked from common.c).
 *
 * - CHECK macros: on the first failed check print file:line and what was expected, then exit 1.
 *   Use them on the test's own threads only; inside callbacks call rec_violation() instead and
 *   let the main thread report it (exit() from a library thread is not what we want to test).
 * - Bounded waiting: every wait has a deadline, scaled by WS_TEST_TIMEOUT_SCALE (valgrind runs
 *   are many times slower).
 * - An event recorder: callbacks that copy what they receive (the strings are valid only
 *   during the call, SPEC §4) and check the callback contract as they go: serialized per
 *   client, never on the main thread (i.e. never inside an API call made there; or only there,
 *   for a dispatcher the main thread runs: rec_callbacks_on_main), ordered
 *   onOpen → onMessage* → onClose, onError only as the end of a connection.
 *
 * Include this header before any other header: it selects POSIX.1-2008 for nanosleep and
 * clock_gettime under -std=c99.
 */
#ifndef NET_WEBSOCKET_TEST_COMMON_H
#define NET_WEBSOCKET_TEST_COMMON_H

#if !defined(__cplusplus) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <network/netstack/net_websocket.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- checks ---------------------------------------------------------------------------- */

void test_fail(const char *file, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4), noreturn))
#endif
    ;

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (!(cond)) test_fail(__FILE__, __LINE__, "check failed: %s", #cond);           \
    } while (0)

/* Compares two integers and prints both sides (and their values) when they differ. */
#define CHECK_EQ(actual, expected)                                                        \
    do {                                                                                  \
        long long actual_ = (long long)(actual);                                          \
        long long expected_ = (long long)(expected);                                      \
        if (actual_ != expected_)                                                         \
            test_fail(__FILE__, __LINE__, "%s is %lld, expected %s (%lld)", #actual,     \
                      actual_, #expected, expected_);                                     \
    } while (0)

/* CHECK with a printf-style explanation. */
#define CHECK_MSG(cond, ...)                                                              \
    do {                                                                                  \
        if (!(cond)) test_fail(__FILE__, __LINE__, __VA_ARGS__);                         \
    } while (0)

/* ---- time ------------------------------------------------------------------------------ */

/* Milliseconds on a monotonic clock. */
long long now_ms(void);
/* A clock (CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, ...) in ms; aborts if it cannot be read. */
long long clock_ms(clockid_t clock);
void sleep_ms(long ms);
/* ms multiplied by WS_TEST_TIMEOUT_SCALE (default 1): use for every deadline. */
long scaled_ms(long ms);

/* ---- environment ----------------------------------------------------------------------- */

/* Records the main thread; call first in main(). */
void test_init(void);
/* "ws://127.0.0.1:PORT" + path, from WS_ECHO_URL; exits with a message if it is not set.
 * The returned string is static storage, overwritten by the next call. */
const char *echo_url(const char *path);
/* Same as echo_url() but into a caller buffer, for keeping several URLs around. */
void echo_url_into(char *buf, size_t size, const char *path);
/* The environment variable name set by scripts/c-tests.sh; exits with a message if unset. */
const char *test_env(const char *name);
/* WS_PKI_DIR "/" file into buf (the test PKI of scripts/c-tests.sh). */
void pki_path(char *buf, size_t size, const char *file);
/* How many lines of the file at path contain needle (0 when it cannot be read). */
size_t count_lines_with(const char *path, const char *needle);

/* How many lines of lines ("Name: value" separated by '\n', as the echo server's /headers
 * reports them and as rec_event.headers holds them) have the field name (compared without
 * case) and, unless value is NULL, exactly that value. */
size_t count_fields(const char *lines, const char *name, const char *value);
/* The value of the first such field, copied into buf ("" when there is none). */
const char *field_value(const char *lines, const char *name, char *buf, size_t size);

/* Exits with both strings unless haystack contains needle. */
#define CHECK_CONTAINS(haystack, needle)                                                  \
    do {                                                                                  \
        if (strstr((haystack), (needle)) == NULL)                                         \
            test_fail(__FILE__, __LINE__, "\"%s\" does not contain \"%s\"", (haystack),    \
                      (needle));                                                          \
    } while (0)

/* ---- event recorder -------------------------------------------------------------------- */

enum rec_type {
    EV_OPEN = 1,
    EV_MESSAGE = 2,
    EV_ERROR = 4,
    EV_CLOSE = 8,
    /* The callbacks of net_websocket_ext.h. */
    EV_RECONNECT = 16, /* WebSocketEx_OnReconnectCallback */
    EV_HANDSHAKE = 32, /* WebSocketEx_OnHandshakeResponseCallback */
    EV_PONG = 64,      /* WebSocketEx_OnPongCallback */
    EV_ANY = 127
};

typedef struct rec_event {
    struct WebSocket *client; /* only compared, never dereferenced */
    int type;
    uint32_t code;            /* open/close code, errorCode, lastClose.code of a reconnect,
                                 HTTP status of a handshake response; 0 for messages, pongs */
    char *text;               /* reason / errorMessage / message or pong bytes, NUL-terminated
                                 copy */
    size_t length;            /* message or pong length (strlen of text for the others) */
    int terminated;           /* for messages and pongs: data[length] == 0 held in the callback */
    uint32_t attempt;         /* reconnect: attempt and delayMs */
    uint32_t delay_ms;
    char *headers;            /* handshake response: "Name: value\n" per field, in order */
    void *user_data;          /* the userData argument of the three callbacks above */
    long long at_ms;          /* now_ms() when the callback ran */
    pthread_t thread;
} rec_event;

/* Callbacks that record and check. Pass them to the Constructor, or call the rec_* pieces
 * below from a test's own callbacks (rec_enter at the start, rec_leave at the end). */
void rec_on_open(struct WebSocket *client, WebSocket_OpenResult result);
void rec_on_message(struct WebSocket *client, char *data, uint32_t length);
void rec_on_error(struct WebSocket *client, WebSocket_ErrorResult result);
void rec_on_close(struct WebSocket *client, WebSocket_CloseResult result);

/* Recording versions of the callbacks of net_websocket_ext.h, to pass to
 * WebSocketEx_SetReconnectCallback, SetHandshakeResponseCallback and SetPongCallback (their
 * signatures match the typedefs there; userData is ignored). */
void rec_on_reconnect(struct WebSocket *client, uint32_t attempt, uint32_t delayMs,
                      WebSocket_CloseResult lastClose, void *userData);
void rec_on_handshake_response(struct WebSocket *client, uint32_t status, const char *reason,
                               const struct WebSocket_Header *headers, void *userData);
void rec_on_pong(struct WebSocket *client, const char *data, size_t length, void *userData);

/* OH_WebSocketClient_Constructor with the four recording callbacks; checks it is not NULL
 * and forgets earlier events recorded under the same address. */
struct WebSocket *rec_client(void);

/* Where callbacks must run: by default never on the main thread (they run on library
 * threads, and one on the main thread would be inside an API call made there); after
 * rec_callbacks_on_main(1), only on the main thread (clients attached to a dispatcher that
 * the main thread runs, net_websocket_ext.h). */
void rec_callbacks_on_main(int on_main);

/* Marks a callback of client as running (checks serialization and the thread). */
void rec_enter(struct WebSocket *client);
void rec_leave(struct WebSocket *client);
/* Append one event; reason/message may be NULL (recorded as ""). */
void rec_open(struct WebSocket *client, WebSocket_OpenResult result);
void rec_message(struct WebSocket *client, const char *data, uint32_t length);
void rec_error(struct WebSocket *client, WebSocket_ErrorResult result);
void rec_close(struct WebSocket *client, WebSocket_CloseResult result);

/* Reports a contract violation seen on a library thread (the first one is kept). */
void rec_violation(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Number of recorded events of client whose type is in mask. */
size_t rec_count(struct WebSocket *client, int mask);
/* The n-th (0-based) event of client with a type in mask, or NULL. Stays valid until
 * rec_reset(). */
const rec_event *rec_nth(struct WebSocket *client, int mask, size_t n);
/* Waits until client has at least n events of a type in mask; 1 if so, 0 at the deadline
 * (timeout_ms is scaled). */
int rec_wait_count(struct WebSocket *client, int mask, size_t n, long timeout_ms);
/* Drops all recorded events (call only when no callback can be running). */
void rec_reset(void);
/* Drops the events of client: a new client may get the address of a destroyed one. Called by
 * rec_client(); call it after any other Constructor call. */
void rec_forget(struct WebSocket *client);

/* Exits with a dump of client's events if a violation was recorded or client's events break
 * the order of SPEC §4 (with automatic reconnection as net_websocket_ext.h describes it: a
 * reconnect callback starts a new attempt after an onError, or right after an open
 * connection that the server closed; onClose stays final; once a reconnect callback came, a
 * failed attempt may be followed by onClose: gave up, or Close); `ended` additionally
 * requires that the last connection has ended. Handshake responses may come only while no
 * connection is open, pongs only while one is. */
void rec_check_sequence(struct WebSocket *client, int ended);
/* Waits quiet_ms (scaled) and checks no new event of client arrived meanwhile. */
void rec_check_quiet(struct WebSocket *client, long quiet_ms, const char *file, int line);
#define CHECK_QUIET(client, quiet_ms) rec_check_quiet((client), (quiet_ms), __FILE__, __LINE__)
/* Prints client's events to stderr (NULL: every client). */
void rec_dump(struct WebSocket *client);

/* Waits for the named event and exits with a dump if it does not come. */
#define WAIT_FOR(client, mask, n, timeout_ms)                                             \
    do {                                                                                  \
        if (!rec_wait_count((client), (mask), (n), (timeout_ms))) {                       \
            rec_dump(client);                                                             \
            test_fail(__FILE__, __LINE__, "timed out waiting for %zu event(s) of type %s", \
                      (size_t)(n), #mask);                                                \
        }                                                                                 \
    } while (0)

/* Connects client to url without headers and waits for onOpen (exits on failure). */
void connect_open(struct WebSocket *client, const char *url, const char *file, int line);
#define CONNECT_OPEN(client, url) connect_open((client), (url), __FILE__, __LINE__)
/* Connects client to url without headers, waits for the attempt to fail and checks SPEC §4:
 * exactly one onError with errorCode code, no onOpen, no onClose. Returns the error message
 * (valid until rec_reset). */
const char *connect_fail(struct WebSocket *client, const char *url, uint32_t code,
                         const char *file, int line);
#define CONNECT_FAIL(client, url, code) connect_fail((client), (url), (code), __FILE__, __LINE__)
/* Sends text on an open client of the echo server and waits for it to come back as the next
 * message (exits on failure). */
void check_echo(struct WebSocket *client, const char *text, const char *file, int line);
#define CHECK_ECHO(client, text) check_echo((client), (text), __FILE__, __LINE__)
/* Close(code, reason) → 0, then waits for onClose and checks its code. */
void close_wait(struct WebSocket *client, uint32_t code, const char *reason, const char *file,
                int line);
#define CLOSE_WAIT(client, code, reason) close_wait((client), (code), (reason), __FILE__, __LINE__)
/* With a fresh record: CONNECT_OPEN, CHECK_ECHO(text), CLOSE_WAIT(1000) and the callback
 * sequence checked; the record is forgotten again after. */
void open_echo_close(struct WebSocket *client, const char *url, const char *text,
                     const char *file, int line);
#define OPEN_ECHO_CLOSE(client, url, text) \
    open_echo_close((client), (url), (text), __FILE__, __LINE__)
/* With a fresh record: CONNECT_FAIL with WEBSOCKET_CONNECTION_ERROR; the error message. */
#define CONNECT_FAILS(client, url) \
    (rec_forget(client), CONNECT_FAIL((client), (url), WEBSOCKET_CONNECTION_ERROR))

/* Calls a setter expecting code, then checks WebSocketEx_GetLastErrorMessage(): empty after
 * a success, containing needle after a refusal. */
#define EXPECT(call, code, needle)                                                         \
    do {                                                                                  \
        int got_ = (call);                                                                \
        const char *why_ = WebSocketEx_GetLastErrorMessage();                             \
        CHECK_MSG(got_ == (code), "%s returned %d, expected %d (%s)", #call, got_, (code), \
                  why_);                                                                  \
        if ((code) == WEBSOCKET_OK)                                                       \
            CHECK_MSG(why_[0] == '\0', "%s left the message \"%s\"", #call, why_);        \
        else                                                                              \
            CHECK_CONTAINS(why_, (needle));                                               \
    } while (0)

/* Unsets every proxy variable the library reads (curl's, and ws_proxy/wss_proxy), so a
 * test's proxies are only those it sets. */
void clear_proxy_environment(void);
/* setenv(name, value, 1), checked. */
void set_env(const char *name, const char *value);

/* Convenience: a CloseOption / Header built in one expression. */
WebSocket_CloseOption close_option(uint32_t code, const char *reason);
struct WebSocket_Header header(const char *name, const char *value);
/* An empty options struct (no headers). */
struct WebSocket_RequestOptions no_headers(void);

/* ---- streamed messages ----------------------------------------------------------------- */

/* The CRC-32 of IEEE 802.3 (as zlib's crc32 and the echo server's reports), over bytes given
 * in any number of pieces: start with crc 0 and pass each result back in.
 * crc32_update(0, "123456789", 9) == 0xCBF43926. */
uint32_t crc32_update(uint32_t crc, const void *data, size_t length);
/* bytes divided by WS_STREAM_SCALE (default 1; scripts/c-tests.sh sets 64 under valgrind),
 * for the sizes of the streaming tests. */
size_t stream_scaled(size_t bytes);

/* ---- the process's resources (Linux /proc) --------------------------------------------- */

/* A "Name:   value kB" (or plain number) field of /proc/self/status, e.g. "VmRSS", "VmHWM",
 * "Threads"; exits with a message when it cannot be read. */
long proc_status(const char *field);
/* Resets VmHWM (the peak RSS) to the current RSS (writes 5 to /proc/self/clear_refs); 0 when
 * the kernel does not allow it (then VmHWM stays the peak since the process started). */
int reset_peak_rss(void);
/* The number of open file descriptors (entries of /proc/self/fd, the one used to list them
 * excluded). */
long open_fds(void);

#ifdef __cplusplus
}
#endif

#endif /* NET_WEBSOCKET_TEST_COMMON_H */
