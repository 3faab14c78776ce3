/*
 * test_reconnect.c — WebSocketEx_SetReconnect and WebSocketEx_SetReconnectCallback
 * (net_websocket_ext.h "Connection lifecycle"), against an echo server of the test's own
 * ($WS_ECHO_SERVER) that it kills with SIGKILL and starts again on the same port:
 *   - a lost connection: onError and no onClose, then one reconnect callback per scheduled
 *     attempt (attempt 1, 2, 3..., delayMs within the exponential backoff cap, lastClose 1006
 *     with the error's message), each failed attempt's onError following its callback after
 *     delayMs; once the server is back, onOpen again with the same headers and a new key, the
 *     message sent meanwhile is delivered, and the attempt count starts again;
 *   - reconnection off: onError then onClose(1006);
 *   - Destroy during a backoff: returns at once, and no callback follows;
 *   - Close during a backoff: onClose(1006, "reconnection cancelled by Close");
 *   - Close from onError (of a failed attempt, or of a connection lost while the library still
 *     waits for the server's end): no further attempt, and onClose(1006) after the callback;
 *   - giving up: the first attempt and maxAttempts retries fail, then
 *     onClose(1006, "gave up after N reconnection attempts");
 *   - a protocol violation by the server and a keepalive timeout are retried too;
 *   - a close handshake the server started is retried only with afterServerClose, and the
 *     attempt follows the redirects of the URL again;
 *   - bad values: 1003, and nothing changes.
 * The library's backoff runs in real time: lower bounds are not scaled, upper bounds are.
 */
#include "common.h"

#include <network/netstack/net_websocket_ext.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- our own echo server ----------------------------------------------------------------- */

static pid_t server_pid = -1;
static int server_out = -1; /* read end of its stdout, kept open so it never gets SIGPIPE */

static void stop_server(void)
{
    if (server_pid > 0) {
        kill(server_pid, SIGKILL);
        while (waitpid(server_pid, NULL, 0) < 0 && errno == EINTR) {
        }
        server_pid = -1;
    }
    if (server_out >= 0) {
        close(server_out);
        server_out = -1;
    }
}

/* Reads the server's first stdout line into line (bounded: 5 s, scaled); 0 on EOF or timeout. */
static int read_first_line(char *line, size_t size)
{
    size_t used = 0;
    long long deadline = now_ms() + scaled_ms(5000);
    while (used + 1 < size) {
        struct pollfd p;
        long long left = deadline - now_ms();
        ssize_t n;
        p.fd = server_out;
        p.events = POLLIN;
        if (left <= 0 || poll(&p, 1, (int)left) <= 0) return 0;
        n = read(server_out, line + used, 1);
        if (n <= 0) return 0;
        if (line[used] == '\n') break;
        used++;
    }
    line[used] = '\0';
    return 1;
}

/* Starts $WS_ECHO_SERVER on 127.0.0.1:port (0: any free port); returns the port it listens on. */
static int start_server(int port)
{
    const char *binary = test_env("WS_ECHO_SERVER");
    char addr[64], line[128];
    char *argv[4];
    int fds[2], listening = 0;
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    argv[0] = (char *)binary;
    argv[1] = (char *)"--addr";
    argv[2] = addr;
    argv[3] = NULL;
    CHECK_EQ(pipe(fds), 0);
    server_pid = fork();
    CHECK(server_pid >= 0);
    if (server_pid == 0) {
        /* Only async-signal-safe calls between fork and exec: the library has threads. */
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execv(binary, argv);
        _exit(127);
    }
    close(fds[1]);
    server_out = fds[0];
    CHECK_MSG(read_first_line(line, sizeof line) &&
                  sscanf(line, "LISTENING 127.0.0.1:%d", &listening) == 1,
              "%s --addr %s did not print LISTENING (first line \"%s\")", binary, addr, line);
    CHECK(port == 0 || listening == port);
    return listening;
}

static void url_for(char *buf, size_t size, int port, const char *path)
{
    int n = snprintf(buf, size, "ws://127.0.0.1:%d%s", port, path);
    CHECK(n > 0 && (size_t)n < size);
}

/* A recording client with the reconnect callback set. */
static struct WebSocket *reconnecting_client(uint32_t max_attempts, uint32_t base,
                                             uint32_t max, int after_server_close)
{
    struct WebSocket *c = rec_client();
    CHECK_EQ(WebSocketEx_SetReconnect(c, max_attempts, base, max, after_server_close),
             WEBSOCKET_OK);
    CHECK_EQ(strcmp(WebSocketEx_GetLastErrorMessage(), ""), 0);
    CHECK_EQ(WebSocketEx_SetReconnectCallback(c, rec_on_reconnect), WEBSOCKET_OK);
    return c;
}

static uint32_t backoff_cap(uint32_t base, uint32_t max, uint32_t attempt)
{
    uint64_t cap = (uint64_t)base << (attempt - 1 < 32 ? attempt - 1 : 32);
    return cap < max ? (uint32_t)cap : max;
}

/*
 * Checks the events of c from index first on, up to (not including) index end: pairs of
 * onError then reconnect callback, attempts numbered from 1, each delay within the cap, each
 * lastClose 1006 with the message of the onError before it; the event after each callback
 * (an onError, onOpen or onClose) comes no earlier than its delay (less a little for the
 * millisecond clocks and the callback's own time) and not much later. Returns the number of
 * callbacks.
 */
static size_t check_retries(struct WebSocket *c, size_t first, size_t end, uint32_t base,
                            uint32_t max)
{
    size_t i;
    uint32_t attempt = 0;
    for (i = first; i < end; i += 2) {
        const rec_event *error = rec_nth(c, EV_ANY, i), *retry = rec_nth(c, EV_ANY, i + 1);
        const rec_event *next = rec_nth(c, EV_ANY, i + 2);
        long long gap;
        if (error == NULL || retry == NULL || error->type != EV_ERROR ||
            retry->type != EV_RECONNECT) {
            rec_dump(c);
            test_fail(__FILE__, __LINE__, "events %zu and %zu are not onError then a reconnect",
                      i, i + 1);
        }
        attempt++;
        CHECK_MSG(error->code == WEBSOCKET_CONNECTION_ERROR ||
                      error->code == WEBSOCKET_CONNECTION_CLOSED_BY_PEER,
                  "onError(%u, \"%s\") before reconnect attempt %u", (unsigned)error->code,
                  error->text, (unsigned)attempt);
        CHECK_EQ(retry->attempt, attempt);
        CHECK_MSG(retry->delay_ms <= backoff_cap(base, max, attempt),
                  "attempt %u: delay %u ms over the cap %u ms", (unsigned)attempt,
                  (unsigned)retry->delay_ms, (unsigned)backoff_cap(base, max, attempt));
        CHECK_EQ(retry->code, 1006);
        CHECK_MSG(strcmp(retry->text, error->text) == 0,
                  "attempt %u: lastClose reason \"%s\", the onError said \"%s\"",
                  (unsigned)attempt, retry->text, error->text);
        if (next != NULL && i + 2 <= end) {
            gap = next->at_ms - retry->at_ms;
            CHECK_MSG(gap + scaled_ms(10) >= (long long)retry->delay_ms &&
                          gap <= (long long)retry->delay_ms + scaled_ms(1000),
                      "attempt %u: the next event %lld ms after the callback, delay %u ms",
                      (unsigned)attempt, gap, (unsigned)retry->delay_ms);
        }
    }
    return attempt;
}

/* Index of the first event of c of a type in mask from index from on; exits without one. */
static size_t index_of(struct WebSocket *c, int mask, size_t from)
{
    size_t i, n = rec_count(c, EV_ANY);
    for (i = from; i < n; i++)
        if (rec_nth(c, EV_ANY, i)->type & mask) return i;
    rec_dump(c);
    test_fail(__FILE__, __LINE__, "no event of mask %d from event %zu on", mask, from);
}

/* ---- tests ------------------------------------------------------------------------------- */

static char text_queued[] = "sent while the server was down";

static void test_reconnects_after_the_server_comes_back(void)
{
    int port = start_server(0);
    char url[128], first_key[128], second_key[128];
    struct WebSocket *c = reconnecting_client(30, 100, 800, 0);
    size_t lost, reopened, retries;
    const rec_event *ev;

    url_for(url, sizeof url, port, "/headers");
    CHECK_EQ(OH_WebSocketClient_AddHeader(c, header("X-Test", "kept")), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Connect(c, url, no_headers()), WEBSOCKET_OK);
    WAIT_FOR(c, EV_MESSAGE, 1, 10000);
    CHECK_EQ(rec_nth(c, EV_ANY, 0)->type, EV_OPEN);
    field_value(rec_nth(c, EV_MESSAGE, 0)->text, "Sec-WebSocket-Key", first_key,
                sizeof first_key);
    CHECK(first_key[0] != '\0');
    CHECK_ECHO(c, "before the server goes");

    stop_server();
    /* The loss, then the first callback; only then is a Send queued for the next open. */
    WAIT_FOR(c, EV_RECONNECT, 1, 5000);
    lost = index_of(c, EV_ERROR, 0);
    CHECK_EQ(OH_WebSocketClient_Send(c, text_queued, strlen(text_queued)), WEBSOCKET_OK);
    sleep_ms(1500);
    CHECK_EQ(rec_count(c, EV_CLOSE | EV_OPEN), 1);
    CHECK_MSG(rec_count(c, EV_RECONNECT) >= 2, "%zu reconnect callbacks in 1.5 s",
              rec_count(c, EV_RECONNECT));

    CHECK_EQ(start_server(port), port);
    WAIT_FOR(c, EV_OPEN, 2, 5000);
    reopened = index_of(c, EV_OPEN, 1);
    CHECK_MSG((reopened - lost) % 2 == 0, "the events before the reopen are not pairs");
    retries = check_retries(c, lost, reopened, 100, 800);
    CHECK_EQ(retries, rec_count(c, EV_RECONNECT));
    CHECK_EQ(rec_count(c, EV_CLOSE), 0);

    /* The new connection: same URL and headers, a new key; then the queued message. */
    WAIT_FOR(c, EV_MESSAGE, 4, 5000);
    ev = rec_nth(c, EV_MESSAGE, 2);
    CHECK_EQ(count_fields(ev->text, "X-Test", "kept"), 1);
    field_value(ev->text, "Sec-WebSocket-Key", second_key, sizeof second_key);
    CHECK(second_key[0] != '\0');
    CHECK_MSG(strcmp(first_key, second_key) != 0, "the reconnection reused the key %s",
              first_key);
    ev = rec_nth(c, EV_MESSAGE, 3);
    CHECK_MSG(strcmp(ev->text, text_queued) == 0, "after the reopen got \"%s\"", ev->text);
    CHECK_ECHO(c, "after the server came back");

    /* The attempt count starts again after an open. */
    stop_server();
    WAIT_FOR(c, EV_RECONNECT, retries + 1, 5000);
    ev = rec_nth(c, EV_RECONNECT, retries);
    CHECK_EQ(ev->attempt, 1);
    rec_check_sequence(c, 0);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_without_reconnection_a_loss_ends_the_connection(void)
{
    int port = start_server(0);
    char url[128];
    struct WebSocket *c = rec_client();
    const rec_event *ev;
    CHECK_EQ(WebSocketEx_SetReconnectCallback(c, rec_on_reconnect), WEBSOCKET_OK);
    url_for(url, sizeof url, port, "/");
    CONNECT_OPEN(c, url);
    CHECK_ECHO(c, "before the server goes");
    stop_server();
    WAIT_FOR(c, EV_CLOSE, 1, 5000);
    CHECK_EQ(rec_count(c, EV_ANY), 4);
    ev = rec_nth(c, EV_ANY, 2);
    CHECK_EQ(ev->type, EV_ERROR);
    CHECK_MSG(ev->code == WEBSOCKET_CONNECTION_ERROR ||
                  ev->code == WEBSOCKET_CONNECTION_CLOSED_BY_PEER,
              "onError(%u, \"%s\") after the server went", (unsigned)ev->code, ev->text);
    CHECK_EQ(rec_nth(c, EV_CLOSE, 0)->code, 1006);
    CHECK_QUIET(c, 500);
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* Nobody listens there: every attempt is refused at once. */
#define REFUSED_URL "ws://127.0.0.1:1/"

/* Waits for a reconnect callback of c whose backoff has at least 300 ms left (the attempts
 * are refused at once, so a short delay just brings the next callback); returns it. */
static const rec_event *wait_for_long_backoff(struct WebSocket *c)
{
    size_t n;
    for (n = 1; n <= 30; n++) {
        const rec_event *ev;
        WAIT_FOR(c, EV_RECONNECT, n, 5000);
        ev = rec_nth(c, EV_RECONNECT, n - 1);
        if (now_ms() - ev->at_ms + 300 <= (long long)ev->delay_ms) return ev;
    }
    rec_dump(c);
    test_fail(__FILE__, __LINE__, "no backoff with 300 ms left in 30 attempts");
}

static void test_destroy_during_backoff(void)
{
    struct WebSocket *c = reconnecting_client(30, 2000, 2000, 0);
    long long started, took;
    CHECK_EQ(OH_WebSocketClient_Connect(c, REFUSED_URL, no_headers()), WEBSOCKET_OK);
    wait_for_long_backoff(c);
    started = now_ms();
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
    took = now_ms() - started;
    CHECK_MSG(took <= scaled_ms(200), "Destroy during a backoff took %lld ms", took);
    CHECK_QUIET(c, 1000);
}

static void test_close_during_backoff(void)
{
    struct WebSocket *c = reconnecting_client(30, 2000, 2000, 0);
    const rec_event *retry, *ev;
    long long closed_at;
    CHECK_EQ(OH_WebSocketClient_Connect(c, REFUSED_URL, no_headers()), WEBSOCKET_OK);
    retry = wait_for_long_backoff(c);
    closed_at = now_ms();
    CHECK_EQ(OH_WebSocketClient_Close(c, close_option(1000, "stop")), WEBSOCKET_OK);
    WAIT_FOR(c, EV_CLOSE, 1, 5000);
    ev = rec_nth(c, EV_CLOSE, 0);
    CHECK_EQ(ev->code, 1006);
    CHECK_CONTAINS(ev->text, "reconnection cancelled by Close");
    /* Cancelled, not waited out: before the attempt would have started. */
    CHECK_MSG(ev->at_ms - closed_at <= scaled_ms(400) ||
                  ev->at_ms < retry->at_ms + (long long)retry->delay_ms,
              "onClose %lld ms after Close, during a %u ms backoff", ev->at_ms - closed_at,
              (unsigned)retry->delay_ms);
    CHECK_MSG(rec_nth(c, EV_ANY, rec_count(c, EV_ANY) - 2) == retry,
              "something came between the reconnect callback and onClose");
    /* No attempt follows, not even once the backoff (at most 2 s, real time) is over. */
    sleep_ms(2500);
    CHECK_QUIET(c, 200);
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Send(c, text_queued, 3), WEBSOCKET_NO_CONNECTION);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_gives_up_after_max_attempts(void)
{
    struct WebSocket *c = reconnecting_client(3, 50, 100, 0);
    const rec_event *ev;
    size_t i;
    CHECK_EQ(OH_WebSocketClient_Connect(c, REFUSED_URL, no_headers()), WEBSOCKET_OK);
    WAIT_FOR(c, EV_CLOSE, 1, 5000);
    /* onError, then (callback, onError) three times, then onClose. */
    CHECK_EQ(rec_count(c, EV_ANY), 8);
    CHECK_EQ(check_retries(c, 0, 6, 50, 100), 3);
    ev = rec_nth(c, EV_ANY, 6);
    CHECK_EQ(ev->type, EV_ERROR);
    CHECK_EQ(ev->code, WEBSOCKET_CONNECTION_ERROR);
    for (i = 0; i < 4; i++) CHECK_CONTAINS(rec_nth(c, EV_ERROR, i)->text, "127.0.0.1:1");
    ev = rec_nth(c, EV_ANY, 7);
    CHECK_EQ(ev->type, EV_CLOSE);
    CHECK_EQ(ev->code, 1006);
    CHECK_CONTAINS(ev->text, "gave up after 3 reconnection attempts");
    CHECK_QUIET(c, 500);
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_after_server_close(void)
{
    int marker = 0;
    struct WebSocket *c = reconnecting_client(5, 50, 100, 1);
    const rec_event *ev;
    CHECK_EQ(WebSocketEx_SetUserData(c, &marker), WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url("/close/1001"), no_headers()), WEBSOCKET_OK);
    WAIT_FOR(c, EV_OPEN, 2, 5000);
    /* onOpen, the reconnect callback with the server's close, onOpen: nothing between. */
    CHECK_EQ(rec_nth(c, EV_ANY, 0)->type, EV_OPEN);
    ev = rec_nth(c, EV_ANY, 1);
    CHECK_MSG(ev->type == EV_RECONNECT, "the event after onOpen is not a reconnect callback");
    CHECK_EQ(ev->attempt, 1);
    CHECK_EQ(ev->code, 1001);
    CHECK_MSG(strcmp(ev->text, "server closing") == 0, "lastClose reason \"%s\"", ev->text);
    CHECK(ev->user_data == &marker);
    CHECK_MSG(ev->delay_ms <= 50, "first delay %u ms, cap 50 ms", (unsigned)ev->delay_ms);
    CHECK_EQ(rec_nth(c, EV_ANY, 2)->type, EV_OPEN);
    rec_check_sequence(c, 0);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
    CHECK_QUIET(c, 300);

    /* Without the flag the server's close ends it. */
    c = reconnecting_client(5, 50, 100, 0);
    CONNECT_OPEN(c, echo_url("/close/1001"));
    WAIT_FOR(c, EV_CLOSE, 1, 5000);
    CHECK_EQ(rec_nth(c, EV_CLOSE, 0)->code, 1001);
    CHECK_QUIET(c, 500);
    CHECK_EQ(rec_count(c, EV_RECONNECT), 0);
    CHECK_EQ(rec_count(c, EV_ANY), 2);
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

/* Connects c to path and checks the events start onOpen, onError(code, containing what),
 * a reconnect callback for attempt 1 after a failure, onOpen: a connection lost that way is
 * retried. */
static void check_loss_is_retried(struct WebSocket *c, const char *path, uint32_t code,
                                  const char *what)
{
    const rec_event *error, *retry;
    CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url(path), no_headers()), WEBSOCKET_OK);
    WAIT_FOR(c, EV_OPEN, 2, 10000);
    CHECK_EQ(rec_nth(c, EV_ANY, 0)->type, EV_OPEN);
    error = rec_nth(c, EV_ANY, 1);
    retry = rec_nth(c, EV_ANY, 2);
    CHECK_MSG(error->type == EV_ERROR && error->code == code,
              "%s: the event after onOpen is not onError(%u)", path, (unsigned)code);
    CHECK_CONTAINS(error->text, what);
    CHECK_MSG(retry->type == EV_RECONNECT, "%s: no reconnect callback after the onError", path);
    CHECK_EQ(retry->attempt, 1);
    CHECK_EQ(retry->code, 1006);
    CHECK_MSG(strcmp(retry->text, error->text) == 0,
              "%s: lastClose reason \"%s\", the onError said \"%s\"", path, retry->text,
              error->text);
    CHECK_EQ(rec_nth(c, EV_ANY, 3)->type, EV_OPEN);
    rec_check_sequence(c, 0);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
    CHECK_QUIET(c, 300);
}

/* A protocol violation by the server and a keepalive timeout are lost connections too. */
static void test_violation_and_keepalive_are_retried(void)
{
    struct WebSocket *c = reconnecting_client(2, 50, 100, 0);
    check_loss_is_retried(c, "/violate", WEBSOCKET_PROTOCOL_ERROR, "opcode");
    c = reconnecting_client(2, 50, 100, 0);
    CHECK_EQ(WebSocketEx_SetKeepalive(c, 200, 600), WEBSOCKET_OK);
    check_loss_is_retried(c, "/mute", WEBSOCKET_CONNECTION_ERROR, "keepalive");
}

/* Each attempt starts again from the URL given to Connect, redirects included. */
static void test_redirects_are_followed_again(void)
{
    struct WebSocket *c = reconnecting_client(5, 50, 100, 1);
    static const int expected[] = {EV_HANDSHAKE, EV_HANDSHAKE, EV_OPEN, EV_RECONNECT,
                                   EV_HANDSHAKE, EV_HANDSHAKE, EV_OPEN};
    static const uint32_t statuses[] = {302, 101, 0, 0, 302, 101, 0};
    size_t i;
    CHECK_EQ(WebSocketEx_SetHandshakeResponseCallback(c, rec_on_handshake_response),
             WEBSOCKET_OK);
    CHECK_EQ(OH_WebSocketClient_Connect(c, echo_url("/redirect/302?/close/1001"), no_headers()),
             WEBSOCKET_OK);
    WAIT_FOR(c, EV_OPEN, 2, 10000);
    for (i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        const rec_event *ev = rec_nth(c, EV_ANY, i);
        if (ev->type != expected[i] || (statuses[i] != 0 && ev->code != statuses[i])) {
            rec_dump(c);
            test_fail(__FILE__, __LINE__, "event %zu is not the expected one", i);
        }
    }
    CHECK_EQ(rec_nth(c, EV_RECONNECT, 0)->code, 1001);
    rec_check_sequence(c, 0);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
    CHECK_QUIET(c, 300);
}

static int close_in_on_error_result = -1;

/* onError that records, then calls Close. */
static void closing_on_error(struct WebSocket *client, WebSocket_ErrorResult result)
{
    rec_on_error(client, result);
    if (close_in_on_error_result == -1)
        close_in_on_error_result =
            OH_WebSocketClient_Close(client, close_option(1000, "stop from onError"));
}

/* Close called from onError stops the reconnection that the failure scheduled: after a
 * connection that failed (the library lingers for the server's end meanwhile) and after an
 * attempt that failed. */
static void test_close_from_on_error_stops_reconnection(void)
{
    static const char *const paths[] = {"/violate", NULL};
    size_t i;
    for (i = 0; i < 2; i++) {
        struct WebSocket *c = OH_WebSocketClient_Constructor(rec_on_open, rec_on_message,
                                                             closing_on_error, rec_on_close);
        const rec_event *ev;
        char url[256];
        CHECK(c != NULL);
        rec_forget(c);
        CHECK_EQ(WebSocketEx_SetReconnect(c, 5, 50, 100, 0), WEBSOCKET_OK);
        CHECK_EQ(WebSocketEx_SetReconnectCallback(c, rec_on_reconnect), WEBSOCKET_OK);
        close_in_on_error_result = -1;
        if (paths[i] != NULL)
            snprintf(url, sizeof url, "%s", echo_url(paths[i]));
        else
            snprintf(url, sizeof url, "%s", REFUSED_URL);
        CHECK_EQ(OH_WebSocketClient_Connect(c, url, no_headers()), WEBSOCKET_OK);
        WAIT_FOR(c, EV_CLOSE, 1, 5000);
        CHECK_EQ(close_in_on_error_result, WEBSOCKET_OK);
        /* Backoffs are at most 100 ms: an attempt would have come by now. */
        CHECK_QUIET(c, 600);
        CHECK_MSG(rec_count(c, EV_OPEN) == (paths[i] != NULL ? 1u : 0u),
                  "%s: the client reconnected after Close", url);
        CHECK_EQ(rec_count(c, EV_ERROR), 1);
        ev = rec_nth(c, EV_CLOSE, 0);
        CHECK_EQ(ev->code, 1006);
        CHECK_CONTAINS(ev->text, "cancelled by Close");
        rec_check_sequence(c, 1);
        CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
    }
}

/* Close after an open never reconnects, even with afterServerClose. */
static void test_close_does_not_reconnect(void)
{
    struct WebSocket *c = reconnecting_client(5, 50, 100, 1);
    CONNECT_OPEN(c, echo_url("/"));
    CLOSE_WAIT(c, 1000, "done");
    CHECK_QUIET(c, 500);
    CHECK_EQ(rec_count(c, EV_ANY), 2);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void test_bad_values(void)
{
    struct WebSocket *c = reconnecting_client(2, 50, 100, 0);
    const rec_event *ev;
    CHECK_EQ(WebSocketEx_SetReconnect(c, 3, 200, 100, 0), WEBSOCKET_CONNECTION_ERROR);
    CHECK(strlen(WebSocketEx_GetLastErrorMessage()) > 0);
    /* Nothing changed: still 2 attempts of at most 100 ms. */
    CHECK_EQ(OH_WebSocketClient_Connect(c, REFUSED_URL, no_headers()), WEBSOCKET_OK);
    WAIT_FOR(c, EV_CLOSE, 1, 5000);
    CHECK_EQ(rec_count(c, EV_ANY), 6);
    CHECK_EQ(check_retries(c, 0, 4, 50, 100), 2);
    ev = rec_nth(c, EV_CLOSE, 0);
    CHECK_CONTAINS(ev->text, "gave up after 2 reconnection attempts");
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

int main(void)
{
    test_init();
    atexit(stop_server); /* a failed check must not leave our server running */
    test_reconnects_after_the_server_comes_back();
    test_without_reconnection_a_loss_ends_the_connection();
    test_destroy_during_backoff();
    test_close_during_backoff();
    test_gives_up_after_max_attempts();
    test_after_server_close();
    test_violation_and_keepalive_are_retried();
    test_redirects_are_followed_again();
    test_close_does_not_reconnect();
    test_close_from_on_error_stops_reconnection();
    test_bad_values();
    printf("test_reconnect: all passed\n");
    return 0;
}
