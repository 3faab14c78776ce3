/* common.c — see common.h. */
#include "common.h"

#include <dirent.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

/* ---- checks ---------------------------------------------------------------------------- */

void test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    exit(1);
}

/* ---- time ------------------------------------------------------------------------------ */

long long clock_ms(clockid_t clock)
{
    struct timespec ts;
    if (clock_gettime(clock, &ts) != 0) {
        fprintf(stderr, "clock_gettime(%d) failed\n", (int)clock);
        abort();
    }
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long now_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

void sleep_ms(long ms)
{
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0) {
        /* interrupted: sleep the rest */
    }
}

long scaled_ms(long ms)
{
    static long scale = 0;
    if (scale == 0) {
        const char *s = getenv("WS_TEST_TIMEOUT_SCALE");
        long v = s ? strtol(s, NULL, 10) : 1;
        scale = v > 0 ? v : 1;
    }
    return ms * scale;
}

/* ---- environment ----------------------------------------------------------------------- */

static pthread_t main_thread;

void test_init(void)
{
    main_thread = pthread_self();
    setvbuf(stdout, NULL, _IOLBF, 0);
}

void echo_url_into(char *buf, size_t size, const char *path)
{
    const char *base = getenv("WS_ECHO_URL");
    int n;
    if (base == NULL || base[0] == '\0') {
        fprintf(stderr, "WS_ECHO_URL is not set (run through scripts/c-tests.sh)\n");
        exit(1);
    }
    n = snprintf(buf, size, "%s%s", base, path);
    if (n < 0 || (size_t)n >= size) test_fail(__FILE__, __LINE__, "URL too long for buffer");
}

const char *test_env(const char *name)
{
    const char *value = getenv(name);
    if (value == NULL || value[0] == '\0') {
        fprintf(stderr, "%s is not set (run through scripts/c-tests.sh)\n", name);
        exit(1);
    }
    return value;
}

void pki_path(char *buf, size_t size, const char *file)
{
    int n = snprintf(buf, size, "%s/%s", test_env("WS_PKI_DIR"), file);
    if (n < 0 || (size_t)n >= size) test_fail(__FILE__, __LINE__, "path too long for buffer");
}

size_t count_lines_with(const char *path, const char *needle)
{
    char line[1024];
    size_t count = 0;
    FILE *f = fopen(path, "r");
    if (f == NULL) return 0;
    while (fgets(line, sizeof line, f) != NULL)
        if (strstr(line, needle) != NULL) count++;
    fclose(f);
    return count;
}

/* Whether the line (length bytes, no '\n') is a field called name (without case); if so,
 * its value without the spaces after the colon is *value, *value_length bytes. */
static int is_field(const char *line, size_t length, const char *name, const char **value,
                    size_t *value_length)
{
    size_t i, name_length = strlen(name);
    if (length <= name_length || line[name_length] != ':') return 0;
    for (i = 0; i < name_length; i++) {
        char a = line[i], b = name[i];
        if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z') b = (char)(b - 'A' + 'a');
        if (a != b) return 0;
    }
    *value = line + name_length + 1;
    *value_length = length - name_length - 1;
    while (*value_length > 0 && **value == ' ') {
        (*value)++;
        (*value_length)--;
    }
    return 1;
}

/* The next field called name (and with exactly value, unless NULL) from *cursor on; moves
 * *cursor past it. */
static int next_field(const char **cursor, const char *name, const char *value,
                      const char **found, size_t *found_length)
{
    while (**cursor != '\0') {
        const char *line = *cursor, *end = strchr(line, '\n');
        size_t length = end ? (size_t)(end - line) : strlen(line);
        *cursor = end ? end + 1 : line + length;
        if (is_field(line, length, name, found, found_length) &&
            (value == NULL ||
             (strlen(value) == *found_length && memcmp(*found, value, *found_length) == 0)))
            return 1;
    }
    return 0;
}

size_t count_fields(const char *lines, const char *name, const char *value)
{
    const char *found;
    size_t found_length, count = 0;
    while (next_field(&lines, name, value, &found, &found_length)) count++;
    return count;
}

const char *field_value(const char *lines, const char *name, char *buf, size_t size)
{
    const char *found;
    size_t found_length, n = 0;
    if (size == 0) test_fail(__FILE__, __LINE__, "field_value needs a buffer");
    if (next_field(&lines, name, NULL, &found, &found_length)) {
        n = found_length < size - 1 ? found_length : size - 1;
        memcpy(buf, found, n);
    }
    buf[n] = '\0';
    return buf;
}

const char *echo_url(const char *path)
{
    static char buf[512];
    echo_url_into(buf, sizeof buf, path);
    return buf;
}

/* ---- event recorder -------------------------------------------------------------------- */

#define MAX_ACTIVE 64

static pthread_mutex_t rec_lock = PTHREAD_MUTEX_INITIALIZER;
static rec_event **events;
static size_t events_len, events_cap;
static char violation[512];
static struct WebSocket *active[MAX_ACTIVE]; /* clients with a callback running */

void rec_violation(const char *fmt, ...)
{
    va_list ap;
    pthread_mutex_lock(&rec_lock);
    if (violation[0] == '\0') {
        va_start(ap, fmt);
        vsnprintf(violation, sizeof violation, fmt, ap);
        va_end(ap);
    }
    pthread_mutex_unlock(&rec_lock);
}

static int callbacks_on_main;

void rec_callbacks_on_main(int on_main)
{
    __atomic_store_n(&callbacks_on_main, on_main, __ATOMIC_SEQ_CST);
}

void rec_enter(struct WebSocket *client)
{
    int i, slot = -1, overlap = 0;
    int on_main = pthread_equal(pthread_self(), main_thread);
    if (__atomic_load_n(&callbacks_on_main, __ATOMIC_SEQ_CST)) {
        if (!on_main) rec_violation("a callback of client %p ran off the main thread, which runs "
                                    "its dispatcher", (void *)client);
    } else if (on_main) {
        rec_violation("a callback ran on the main thread (inside an API call?)");
    }
    pthread_mutex_lock(&rec_lock);
    for (i = 0; i < MAX_ACTIVE; i++) {
        if (active[i] == client) overlap = 1;
        if (active[i] == NULL && slot < 0) slot = i;
    }
    if (!overlap && slot >= 0) active[slot] = client;
    pthread_mutex_unlock(&rec_lock);
    if (overlap) rec_violation("two callbacks of client %p ran at the same time", (void *)client);
}

void rec_leave(struct WebSocket *client)
{
    int i;
    pthread_mutex_lock(&rec_lock);
    for (i = 0; i < MAX_ACTIVE; i++)
        if (active[i] == client) active[i] = NULL;
    pthread_mutex_unlock(&rec_lock);
}

static rec_event *new_event(struct WebSocket *client, int type, uint32_t code,
                            const char *text, size_t length, int terminated)
{
    rec_event *ev = (rec_event *)calloc(1, sizeof *ev);
    if (ev == NULL) abort();
    ev->text = (char *)malloc(length + 1);
    if (ev->text == NULL) abort();
    if (length > 0) memcpy(ev->text, text, length);
    ev->text[length] = '\0';
    ev->client = client;
    ev->type = type;
    ev->code = code;
    ev->length = length;
    ev->terminated = terminated;
    ev->at_ms = now_ms();
    ev->thread = pthread_self();
    return ev;
}

static void append(rec_event *ev)
{
    pthread_mutex_lock(&rec_lock);
    if (events_len == events_cap) {
        size_t cap = events_cap ? events_cap * 2 : 64;
        rec_event **grown = (rec_event **)realloc(events, cap * sizeof *grown);
        if (grown == NULL) abort();
        events = grown;
        events_cap = cap;
    }
    events[events_len++] = ev;
    pthread_mutex_unlock(&rec_lock);
}

static void push(struct WebSocket *client, int type, uint32_t code, const char *text,
                 size_t length, int terminated)
{
    append(new_event(client, type, code, text, length, terminated));
}

static void free_event(rec_event *ev)
{
    free(ev->text);
    free(ev->headers);
    free(ev);
}

void rec_open(struct WebSocket *client, WebSocket_OpenResult result)
{
    const char *r = result.reason ? result.reason : "";
    push(client, EV_OPEN, result.code, r, strlen(r), 1);
}

void rec_message(struct WebSocket *client, const char *data, uint32_t length)
{
    if (data == NULL) {
        rec_violation("onMessage got data == NULL (length %u)", (unsigned)length);
        push(client, EV_MESSAGE, 0, "", 0, 0);
        return;
    }
    push(client, EV_MESSAGE, 0, data, length, data[length] == '\0');
}

void rec_error(struct WebSocket *client, WebSocket_ErrorResult result)
{
    const char *m = result.errorMessage ? result.errorMessage : "";
    push(client, EV_ERROR, result.errorCode, m, strlen(m), 1);
}

void rec_close(struct WebSocket *client, WebSocket_CloseResult result)
{
    const char *r = result.reason ? result.reason : "";
    push(client, EV_CLOSE, result.code, r, strlen(r), 1);
}

void rec_on_open(struct WebSocket *client, WebSocket_OpenResult result)
{
    rec_enter(client);
    rec_open(client, result);
    rec_leave(client);
}

void rec_on_message(struct WebSocket *client, char *data, uint32_t length)
{
    rec_enter(client);
    rec_message(client, data, length);
    rec_leave(client);
}

void rec_on_error(struct WebSocket *client, WebSocket_ErrorResult result)
{
    rec_enter(client);
    rec_error(client, result);
    rec_leave(client);
}

void rec_on_close(struct WebSocket *client, WebSocket_CloseResult result)
{
    rec_enter(client);
    rec_close(client, result);
    rec_leave(client);
}

void rec_on_reconnect(struct WebSocket *client, uint32_t attempt, uint32_t delayMs,
                      WebSocket_CloseResult lastClose, void *userData)
{
    const char *r = lastClose.reason ? lastClose.reason : "";
    rec_event *ev;
    rec_enter(client);
    ev = new_event(client, EV_RECONNECT, lastClose.code, r, strlen(r), 1);
    ev->attempt = attempt;
    ev->delay_ms = delayMs;
    ev->user_data = userData;
    append(ev);
    rec_leave(client);
}

/* "Name: value\n" per field; NULL names or values are a contract violation. */
static char *header_lines(const struct WebSocket_Header *headers)
{
    const struct WebSocket_Header *h;
    size_t size = 1, used = 0;
    char *out;
    for (h = headers; h != NULL; h = h->next) {
        if (h->fieldName == NULL || h->fieldValue == NULL) {
            rec_violation("a handshake response header with a NULL name or value");
            continue;
        }
        size += strlen(h->fieldName) + strlen(h->fieldValue) + 3;
    }
    out = (char *)malloc(size);
    if (out == NULL) abort();
    for (h = headers; h != NULL; h = h->next) {
        if (h->fieldName == NULL || h->fieldValue == NULL) continue;
        used += (size_t)sprintf(out + used, "%s: %s\n", h->fieldName, h->fieldValue);
    }
    out[used] = '\0';
    return out;
}

void rec_on_handshake_response(struct WebSocket *client, uint32_t status, const char *reason,
                               const struct WebSocket_Header *headers, void *userData)
{
    rec_event *ev;
    rec_enter(client);
    if (reason == NULL) rec_violation("a handshake response with reason NULL");
    ev = new_event(client, EV_HANDSHAKE, status, reason ? reason : "",
                   reason ? strlen(reason) : 0, 1);
    ev->headers = header_lines(headers);
    ev->user_data = userData;
    append(ev);
    rec_leave(client);
}

void rec_on_pong(struct WebSocket *client, const char *data, size_t length, void *userData)
{
    rec_event *ev;
    rec_enter(client);
    if (data == NULL) {
        rec_violation("a pong with data == NULL (length %zu)", length);
        ev = new_event(client, EV_PONG, 0, "", 0, 0);
    } else {
        ev = new_event(client, EV_PONG, 0, data, length, data[length] == '\0');
    }
    ev->user_data = userData;
    append(ev);
    rec_leave(client);
}

struct WebSocket *rec_client(void)
{
    struct WebSocket *c =
        OH_WebSocketClient_Constructor(rec_on_open, rec_on_message, rec_on_error, rec_on_close);
    CHECK_MSG(c != NULL, "OH_WebSocketClient_Constructor returned NULL");
    rec_forget(c);
    return c;
}

size_t rec_count(struct WebSocket *client, int mask)
{
    size_t i, n = 0;
    pthread_mutex_lock(&rec_lock);
    for (i = 0; i < events_len; i++)
        if (events[i]->client == client && (events[i]->type & mask)) n++;
    pthread_mutex_unlock(&rec_lock);
    return n;
}

const rec_event *rec_nth(struct WebSocket *client, int mask, size_t n)
{
    size_t i;
    const rec_event *found = NULL;
    pthread_mutex_lock(&rec_lock);
    for (i = 0; i < events_len; i++) {
        if (events[i]->client == client && (events[i]->type & mask)) {
            if (n == 0) {
                found = events[i];
                break;
            }
            n--;
        }
    }
    pthread_mutex_unlock(&rec_lock);
    return found;
}

int rec_wait_count(struct WebSocket *client, int mask, size_t n, long timeout_ms)
{
    long long deadline = now_ms() + scaled_ms(timeout_ms);
    for (;;) {
        if (rec_count(client, mask) >= n) return 1;
        if (now_ms() >= deadline) return 0;
        sleep_ms(2);
    }
}

void rec_reset(void)
{
    size_t i;
    pthread_mutex_lock(&rec_lock);
    for (i = 0; i < events_len; i++) free_event(events[i]);
    free(events);
    events = NULL;
    events_len = events_cap = 0;
    pthread_mutex_unlock(&rec_lock);
}

void rec_forget(struct WebSocket *client)
{
    size_t i, kept = 0;
    pthread_mutex_lock(&rec_lock);
    for (i = 0; i < events_len; i++) {
        if (events[i]->client == client) {
            free_event(events[i]);
        } else {
            events[kept++] = events[i];
        }
    }
    events_len = kept;
    pthread_mutex_unlock(&rec_lock);
}

static const char *type_name(int type)
{
    switch (type) {
    case EV_OPEN: return "onOpen";
    case EV_MESSAGE: return "onMessage";
    case EV_ERROR: return "onError";
    case EV_CLOSE: return "onClose";
    case EV_RECONNECT: return "onReconnect";
    case EV_HANDSHAKE: return "onHandshakeResponse";
    case EV_PONG: return "onPong";
    default: return "?";
    }
}

void rec_dump(struct WebSocket *client)
{
    size_t i;
    long long first = -1;
    pthread_mutex_lock(&rec_lock);
    fprintf(stderr, "recorded events%s (ms after the first):\n", client ? " of this client" : "");
    for (i = 0; i < events_len; i++) {
        const rec_event *ev = events[i];
        if (client != NULL && ev->client != client) continue;
        if (first < 0) first = ev->at_ms;
        fprintf(stderr, "  %6lld", ev->at_ms - first);
        if (ev->type == EV_MESSAGE || ev->type == EV_PONG)
            fprintf(stderr, "  %p %s length %zu: %.60s%s\n", (void *)ev->client,
                    type_name(ev->type), ev->length, ev->text, ev->length > 60 ? "..." : "");
        else if (ev->type == EV_RECONNECT)
            fprintf(stderr, "  %p %s(attempt %u, delay %u ms, lastClose %u \"%s\")\n",
                    (void *)ev->client, type_name(ev->type), (unsigned)ev->attempt,
                    (unsigned)ev->delay_ms, (unsigned)ev->code, ev->text);
        else
            fprintf(stderr, "  %p %s(%u, \"%s\")\n", (void *)ev->client, type_name(ev->type),
                    (unsigned)ev->code, ev->text);
    }
    if (violation[0] != '\0') fprintf(stderr, "violation: %s\n", violation);
    pthread_mutex_unlock(&rec_lock);
}

/*
 * States of the connection order check (SPEC §4): a connection is onOpen, onMessage*, then
 * either onClose or onError + onClose; a failure before open is one onError alone; a Close
 * while connecting ends with onClose alone. The recorder does not see Connect calls, so an
 * onClose without onOpen is accepted only as the first event of a client (the tests cancel
 * only a client's first attempt); after an earlier onClose it counts as a second onClose.
 * With reconnection (net_websocket_ext.h) an onError is followed by a reconnect callback
 * instead of onClose, as is an open connection the server closed (afterServerClose); the
 * attempt that follows starts again as if from the beginning, except that once a reconnect
 * callback came a failure may end with onClose (the library gave up, or Close cancelled).
 */
enum { START, CLOSED, OPENED, ERRORED_AFTER_OPEN, FAILED_BEFORE_OPEN, RECONNECTING };

/* The problem with event type in state (NULL: none); updates state and retried. */
static const char *sequence_step(int type, int *state, int *retried)
{
    const char *problem = NULL;
    int open = *state == OPENED || *state == ERRORED_AFTER_OPEN;
    switch (type) {
    case EV_OPEN:
        if (open) problem = "onOpen twice";
        *state = OPENED;
        break;
    case EV_MESSAGE:
        if (*state != OPENED) problem = "onMessage outside an open connection";
        break;
    case EV_ERROR:
        if (*state == ERRORED_AFTER_OPEN) problem = "onError twice";
        *state = *state == OPENED ? ERRORED_AFTER_OPEN : FAILED_BEFORE_OPEN;
        break;
    case EV_CLOSE:
        if (*state == FAILED_BEFORE_OPEN && !*retried)
            problem = "onClose after a failure before open";
        if (*state == CLOSED) problem = "onClose twice";
        *state = CLOSED;
        *retried = 0;
        break;
    case EV_RECONNECT:
        if (*state == START || *state == CLOSED)
            problem = "a reconnect callback without a connection or attempt that ended";
        if (*state == RECONNECTING) problem = "two reconnect callbacks without an attempt between";
        *state = RECONNECTING;
        *retried = 1;
        break;
    case EV_HANDSHAKE:
        if (open) problem = "a handshake response while a connection is open";
        break;
    case EV_PONG:
        if (*state != OPENED) problem = "a pong outside an open connection";
        break;
    default:
        problem = "unknown event";
    }
    return problem;
}

void rec_check_sequence(struct WebSocket *client, int ended)
{
    size_t i;
    int state = START, retried = 0;
    const char *problem = NULL;
    char vio[sizeof violation];

    pthread_mutex_lock(&rec_lock);
    memcpy(vio, violation, sizeof vio);
    for (i = 0; i < events_len && problem == NULL; i++)
        if (events[i]->client == client) problem = sequence_step(events[i]->type, &state, &retried);
    pthread_mutex_unlock(&rec_lock);

    if (problem == NULL && ended &&
        (state == OPENED || state == ERRORED_AFTER_OPEN || state == RECONNECTING))
        problem = "the connection has not ended (no onClose)";
    if (problem == NULL && vio[0] != '\0') problem = vio;
    if (problem != NULL) {
        rec_dump(client);
        test_fail(__FILE__, __LINE__, "callback contract broken: %s", problem);
    }
}

void rec_check_quiet(struct WebSocket *client, long quiet_ms, const char *file, int line)
{
    size_t before = rec_count(client, EV_ANY);
    sleep_ms(scaled_ms(quiet_ms));
    if (rec_count(client, EV_ANY) != before) {
        rec_dump(client);
        test_fail(file, line, "an unexpected callback arrived within %ld ms", quiet_ms);
    }
}

/* ---- small constructors ---------------------------------------------------------------- */

WebSocket_CloseOption close_option(uint32_t code, const char *reason)
{
    WebSocket_CloseOption o;
    o.code = code;
    o.reason = reason;
    return o;
}

struct WebSocket_Header header(const char *name, const char *value)
{
    struct WebSocket_Header h;
    h.fieldName = name;
    h.fieldValue = value;
    h.next = NULL;
    return h;
}

struct WebSocket_RequestOptions no_headers(void)
{
    struct WebSocket_RequestOptions o;
    o.headers = NULL;
    return o;
}

/* ---- common sequences ------------------------------------------------------------------ */

void connect_open(struct WebSocket *client, const char *url, const char *file, int line)
{
    const int outcome = EV_OPEN | EV_ERROR | EV_CLOSE;
    size_t seen = rec_count(client, outcome);
    int rc = OH_WebSocketClient_Connect(client, url, no_headers());
    const rec_event *ev;
    if (rc != WEBSOCKET_OK) test_fail(file, line, "Connect(%s) returned %d, expected 0", url, rc);
    if (!rec_wait_count(client, outcome, seen + 1, 10000)) {
        rec_dump(client);
        test_fail(file, line, "no onOpen within 10 s after Connect(%s)", url);
    }
    ev = rec_nth(client, outcome, seen);
    if (ev->type != EV_OPEN) {
        rec_dump(client);
        test_fail(file, line, "Connect(%s) did not open", url);
    }
    if (ev->code != 101 || strcmp(ev->text, "Switching Protocols") != 0)
        test_fail(file, line, "onOpen(%u, \"%s\"), expected onOpen(101, \"Switching Protocols\")",
                  (unsigned)ev->code, ev->text);
}

void clear_proxy_environment(void)
{
    static const char *const names[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                                        "all_proxy",  "ALL_PROXY",  "no_proxy",    "NO_PROXY",
                                        "ws_proxy",   "WS_PROXY",   "wss_proxy",   "WSS_PROXY"};
    size_t i;
    for (i = 0; i < sizeof names / sizeof names[0]; i++) CHECK_EQ(unsetenv(names[i]), 0);
}

void set_env(const char *name, const char *value) { CHECK_EQ(setenv(name, value, 1), 0); }

void open_echo_close(struct WebSocket *client, const char *url, const char *text,
                     const char *file, int line)
{
    rec_forget(client);
    connect_open(client, url, file, line);
    check_echo(client, text, file, line);
    close_wait(client, 1000, "done", file, line);
    rec_check_sequence(client, 1);
    rec_forget(client);
}

const char *connect_fail(struct WebSocket *client, const char *url, uint32_t code,
                         const char *file, int line)
{
    size_t errors = rec_count(client, EV_ERROR), others = rec_count(client, EV_OPEN | EV_CLOSE);
    int rc = OH_WebSocketClient_Connect(client, url, no_headers());
    const rec_event *ev;
    if (rc != WEBSOCKET_OK) test_fail(file, line, "Connect(%s) returned %d, expected 0", url, rc);
    if (!rec_wait_count(client, EV_ERROR | EV_OPEN | EV_CLOSE, errors + others + 1, 15000)) {
        rec_dump(client);
        test_fail(file, line, "no onError within 15 s after Connect(%s)", url);
    }
    ev = rec_nth(client, EV_ERROR, errors);
    if (ev == NULL || rec_count(client, EV_OPEN | EV_CLOSE) != others) {
        rec_dump(client);
        test_fail(file, line, "Connect(%s) did not fail with one onError", url);
    }
    if (ev->code != code) {
        rec_dump(client);
        test_fail(file, line, "onError(%u, \"%s\") after Connect(%s), expected code %u",
                  (unsigned)ev->code, ev->text, url, (unsigned)code);
    }
    /* Nothing may follow the onError of a failed attempt. */
    rec_check_quiet(client, 100, file, line);
    return ev->text;
}

void check_echo(struct WebSocket *client, const char *text, const char *file, int line)
{
    size_t before = rec_count(client, EV_MESSAGE);
    size_t length = strlen(text);
    char *copy = (char *)malloc(length + 1);
    const rec_event *ev;
    int rc;
    if (copy == NULL) abort();
    memcpy(copy, text, length + 1);
    rc = OH_WebSocketClient_Send(client, copy, length);
    free(copy);
    if (rc != WEBSOCKET_OK) test_fail(file, line, "Send(\"%s\") returned %d, expected 0", text, rc);
    if (!rec_wait_count(client, EV_MESSAGE, before + 1, 5000)) {
        rec_dump(client);
        test_fail(file, line, "the echo of \"%s\" did not arrive within 5 s", text);
    }
    ev = rec_nth(client, EV_MESSAGE, before);
    if (ev->length != length || memcmp(ev->text, text, length) != 0)
        test_fail(file, line, "echo of \"%s\" came back as \"%s\" (length %zu)", text, ev->text,
                  ev->length);
}

void close_wait(struct WebSocket *client, uint32_t code, const char *reason, const char *file,
                int line)
{
    size_t closes = rec_count(client, EV_CLOSE);
    int rc = OH_WebSocketClient_Close(client, close_option(code, reason));
    const rec_event *ev;
    if (rc != WEBSOCKET_OK)
        test_fail(file, line, "Close(%u) returned %d, expected 0", (unsigned)code, rc);
    if (!rec_wait_count(client, EV_CLOSE, closes + 1, 10000)) {
        rec_dump(client);
        test_fail(file, line, "no onClose within 10 s after Close(%u)", (unsigned)code);
    }
    ev = rec_nth(client, EV_CLOSE, closes);
    if (ev->code != (code == 0 ? 1000u : code)) {
        rec_dump(client);
        test_fail(file, line, "onClose code %u after Close(%u)", (unsigned)ev->code,
                  (unsigned)code);
    }
}

/* ---- streamed messages ----------------------------------------------------------------- */

/* Slicing by 8 (eight bytes a step, one table per position): a few times faster than a byte
 * at a time, as the tests are built without optimisation and sum hundreds of MiB. */
static uint32_t crc_tables[8][256];
static pthread_once_t crc_tables_once = PTHREAD_ONCE_INIT;

static void make_crc_tables(void)
{
    uint32_t i, k, value;
    for (i = 0; i < 256; i++) {
        value = i;
        for (k = 0; k < 8; k++) value = (value & 1) ? (value >> 1) ^ 0xEDB88320u : value >> 1;
        crc_tables[0][i] = value;
    }
    for (i = 0; i < 256; i++)
        for (k = 1; k < 8; k++)
            crc_tables[k][i] =
                (crc_tables[k - 1][i] >> 8) ^ crc_tables[0][crc_tables[k - 1][i] & 0xFF];
}

uint32_t crc32_update(uint32_t crc, const void *data, size_t length)
{
    const unsigned char *p = (const unsigned char *)data;
    uint32_t state = ~crc, low;
    pthread_once(&crc_tables_once, make_crc_tables);
    for (; length >= 8; p += 8, length -= 8) {
        low = state ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                       (uint32_t)p[3] << 24);
        state = crc_tables[7][low & 0xFF] ^ crc_tables[6][(low >> 8) & 0xFF] ^
                crc_tables[5][(low >> 16) & 0xFF] ^ crc_tables[4][low >> 24] ^
                crc_tables[3][p[4]] ^ crc_tables[2][p[5]] ^ crc_tables[1][p[6]] ^
                crc_tables[0][p[7]];
    }
    for (; length > 0; p++, length--) state = crc_tables[0][(state ^ *p) & 0xFF] ^ (state >> 8);
    return ~state;
}

size_t stream_scaled(size_t bytes)
{
    const char *s = getenv("WS_STREAM_SCALE");
    long scale = s ? strtol(s, NULL, 10) : 1;
    return scale > 1 ? bytes / (size_t)scale : bytes;
}

/* ---- the process's resources (Linux /proc) --------------------------------------------- */

long proc_status(const char *field)
{
    char line[256];
    size_t length = strlen(field);
    long value = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL) test_fail(__FILE__, __LINE__, "cannot open /proc/self/status");
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, field, length) == 0 && line[length] == ':') {
            value = strtol(line + length + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    if (value < 0) test_fail(__FILE__, __LINE__, "no %s in /proc/self/status", field);
    return value;
}

int reset_peak_rss(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    int ok;
    if (f == NULL) return 0;
    ok = fputs("5", f) >= 0;
    return fclose(f) == 0 && ok;
}

long open_fds(void)
{
    long n = 0;
    struct dirent *entry;
    DIR *dir = opendir("/proc/self/fd");
    if (dir == NULL) test_fail(__FILE__, __LINE__, "cannot open /proc/self/fd");
    while ((entry = readdir(dir)) != NULL)
        if (entry->d_name[0] != '.') n++;
    closedir(dir);
    return n - 1;
}
