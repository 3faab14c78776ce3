/*
 * test_hostile.c — the client against a server that breaks the rules on purpose
 * ($WS_HOSTILE_URL, ws-hostile-server: one scenario per path, `--list` prints them with the
 * rule each breaks). One table row per scenario says what SPEC §4 requires:
 *   - a failure before open (a bad handshake response, or none): exactly one onError, 1009
 *     for a bad response and 1003 for a transport failure, with a message naming the cause;
 *     no onOpen, no onClose; the client sends no frame and just leaves (the server logs
 *     `eof`, or `reset` when the client stopped reading an endless head);
 *   - a protocol violation after open: onOpen, onError(1009, the violation), our close frame
 *     1002 (1007 for invalid UTF-8, 1009 for an over-size message: the server's log says
 *     which code it got) and onClose with that code and the violation as its reason;
 *   - an abrupt end: onError(1003 for a reset or keepalive, 1007 for EOF) and onClose(1006);
 *   - every message the server sent before the end arrives, in order, NUL-terminated, before
 *     onError/onClose;
 *   - memory: the peak RSS (VmHWM, reset before each scenario) grows by less than the row's
 *     bound over the RSS at its start (8 MiB by default: a connection's buffers are 64 KiB;
 *     the deflate bombs inflate 32 MiB against a 1 MiB limit), by less than 1 MiB while a
 *     frame of 1 GiB is announced and pending, and the RSS after the whole table is within
 *     32 MiB of the RSS after the warm-up (under valgrind, whose own memory grows as it
 *     translates and shadows, the bounds are doubled; none may approach what a client that
 *     allocated by the announced length or inflated without a limit would take);
 *   - CPU: while a server stalls mid-frame, the client uses under 5 % of a core, and its
 *     keepalive still ends the connection on time;
 *   - no SIGPIPE: the scenarios where the server ends TCP and then resets it while the client
 *     still writes (after a slow callback) run plainly and over TLS ($WS_HOSTILE_TLS_URL, the
 *     same server behind TLS, as a TLS-terminating proxy that closes first would be), with
 *     SIGPIPE at its default action (this program never ignores it): the process lives and
 *     the callbacks are as the row says;
 *   - Close on a connection whose sends cannot drain (the server never reads) ends within
 *     the close timeout, counted from the call, with what was not sent in onClose's reason.
 * WS_HOSTILE_ONLY=name,name... runs only those rows (for debugging, and for trying a row
 * against another build of the library).
 * Each scenario runs on a client of its own, kept until the end: after the table a quiet
 * period shows that no client got anything more, then each is destroyed. The table and the
 * server's catalogue ($WS_HOSTILE_SERVER --list) name the same scenarios.
 */
#include "common.h"

#include <network/netstack/net_websocket_ext.h>

/* Settings a row needs before Connect. */
enum {
    DEFLATE = 1,         /* WebSocketEx_SetCompression(1) */
    SMALL_LIMIT = 2,     /* WebSocketEx_SetMaxReceiveSize(1 MiB) */
    KEEPALIVE = 4,       /* WebSocketEx_SetKeepalive(300, 900) */
    CONNECT_TIMEOUT = 8, /* WebSocketEx_SetConnectTimeout(500) */
    PENDING = 16,        /* stays open with a frame pending: measured, then closed by us */
    SLOW_KEEPALIVE = 32, /* WebSocketEx_SetKeepalive(2000, 3000) */
    MEASURE_CPU = 64,    /* library threads under 5 % of a core, 200 ms after onOpen to the end */
    SLOW_MESSAGE = 128,  /* onMessage sleeps 100 ms first (the server resets meanwhile) */
    SEND_LARGE = 256,    /* 2 messages of 4 MiB sent as soon as onOpen came */
    BACKLOG_CLOSE = 512, /* 12 messages of 4 MiB, then Close with a 500 ms close timeout */
    TLS_TOO = 1024       /* run again over TLS ($WS_HOSTILE_TLS_URL) */
};

typedef struct scenario {
    const char *name;    /* the path without "/" */
    int opens;           /* onOpen(101) first */
    int messages;        /* "message 0" ... before the end */
    uint32_t error;      /* the onError code (0: no onError) */
    const char *message; /* ... a substring of its message */
    uint32_t close;      /* the onClose code (0: no onClose) */
    const char *reason;  /* ... a substring of its reason (NULL: the onError's violation) */
    const char *log;     /* what the server saw the client do at the end */
    int flags;
    long peak_kib;       /* bound on the peak RSS growth (0: the default) */
} scenario;

#define KIB(mib) ((mib) * 1024L)
#define DEFAULT_PEAK_KIB KIB(8)
#define PENDING_PEAK_KIB KIB(1)
#define BOMB_PEAK_KIB KIB(4)
#define RUN_GROWTH_KIB KIB(32)

/* A bad handshake response: onError(1009) alone; the client leaves without a frame. */
#define BAD_RESPONSE(name, message) {name, 0, 0, 1009, message, 0, NULL, "eof", 0, 0}
/* A violation after open: onOpen, onError(1009), close `code` both ways. */
#define VIOLATION(name, message, code) \
    {name, 1, 0, 1009, message, code, NULL, "close " #code, 0, 0}
#define DEFLATE_VIOLATION(name, message, code) \
    {name, 1, 0, 1009, message, code, NULL, "close " #code, DEFLATE, 0}
#define BAD_CLOSE_CODE(code) \
    VIOLATION("close-code-" #code, "protocol: invalid close code " #code, 1002)
#define RESERVED_OPCODE(digit) \
    VIOLATION("opcode-" #digit, "protocol: reserved opcode 0x" #digit, 1002)

static const char *const CLOSED_WITHOUT_FRAME = "connection closed by the server without a close frame";
static const char *const ABNORMAL = "abnormal closure";
static const char *const SLOW_KEEPALIVE_GAVE_UP =
    "keepalive: no answer to ping within 1 s (nothing received for 3 s)";

static const scenario table[] = {
    /* ---- the opening handshake ---- */
    BAD_RESPONSE("bad-status-line", "handshake: malformed response: invalid response status"),
    BAD_RESPONSE("not-http", "handshake: malformed response: invalid HTTP version"),
    BAD_RESPONSE("status-200", "handshake: unexpected HTTP status 200 OK"),
    BAD_RESPONSE("status-500", "handshake: unexpected HTTP status 500 Internal Server Error"),
    BAD_RESPONSE("http-1.0", "handshake: malformed response: not HTTP/1.1"),
    BAD_RESPONSE("no-accept", "handshake: wrong Sec-WebSocket-Accept"),
    BAD_RESPONSE("wrong-accept", "handshake: wrong Sec-WebSocket-Accept"),
    BAD_RESPONSE("two-accepts", "handshake: wrong Sec-WebSocket-Accept"),
    BAD_RESPONSE("no-upgrade", "handshake: missing Upgrade: websocket / Connection: Upgrade"),
    BAD_RESPONSE("wrong-upgrade", "handshake: missing Upgrade: websocket / Connection: Upgrade"),
    BAD_RESPONSE("no-connection", "handshake: missing Upgrade: websocket / Connection: Upgrade"),
    BAD_RESPONSE("wrong-connection",
                 "handshake: missing Upgrade: websocket / Connection: Upgrade"),
    BAD_RESPONSE("extension-not-offered",
                 "handshake: extension not offered: permessage-deflate"),
    {"deflate-unknown-parameter", 0, 0, 1009, "handshake: extension not offered: unknown "
     "parameter x_bits", 0, NULL, "eof", DEFLATE, 0},
    BAD_RESPONSE("subprotocol-not-offered", "handshake: subprotocol not offered: chat"),
    BAD_RESPONSE("header-without-colon", "handshake: malformed response: invalid header name"),
    BAD_RESPONSE("too-many-headers", "handshake: malformed response: too many headers"),
    {"endless-headers", 0, 0, 1009, "handshake: malformed response: response head over 64 KiB",
     0, NULL, "reset", 0, 0},
    {"huge-header-line", 0, 0, 1009, "handshake: malformed response: response head over 64 "
     "KiB", 0, NULL, "reset", 0, 0},
    {"no-response", 0, 0, 1003, "timed out after 0.5 s in the WebSocket handshake", 0, NULL,
     "eof", CONNECT_TIMEOUT, 0},
    {"eof-before-response", 0, 0, 1003, "reading the handshake response failed: connection "
     "closed by the server before a response", 0, NULL, "eof", 0, 0},
    {"reset-before-response", 0, 0, 1003, "reading the handshake response failed: connection "
     "reset by peer", 0, NULL, "sent-reset", 0, 0},

    /* ---- frames after the 101 ---- */
    VIOLATION("body-after-101", "protocol: reserved bits RSV2/RSV3 set", 1002),
    VIOLATION("masked-frame", "protocol: masked frame from the server", 1002),
    VIOLATION("rsv1-without-extension",
              "protocol: RSV1 set on a control or continuation frame or without deflate", 1002),
    VIOLATION("rsv2", "protocol: reserved bits RSV2/RSV3 set", 1002),
    VIOLATION("rsv3", "protocol: reserved bits RSV2/RSV3 set", 1002),
    RESERVED_OPCODE(3), RESERVED_OPCODE(4), RESERVED_OPCODE(5), RESERVED_OPCODE(6),
    RESERVED_OPCODE(7), RESERVED_OPCODE(b), RESERVED_OPCODE(c), RESERVED_OPCODE(d),
    RESERVED_OPCODE(e), RESERVED_OPCODE(f),
    VIOLATION("fragmented-ping", "protocol: fragmented control frame", 1002),
    VIOLATION("fragmented-close", "protocol: fragmented control frame", 1002),
    VIOLATION("ping-126", "protocol: control frame payload of 126 bytes (limit 125)", 1002),
    VIOLATION("close-126", "protocol: control frame payload of 126 bytes (limit 125)", 1002),
    VIOLATION("orphan-continuation",
              "protocol: continuation frame without a message to continue", 1002),
    VIOLATION("text-inside-fragmented",
              "protocol: new data frame inside a fragmented message", 1002),
    VIOLATION("binary-inside-fragmented",
              "protocol: new data frame inside a fragmented message", 1002),
    VIOLATION("invalid-utf8", "protocol: invalid UTF-8 in text message", 1007),
    VIOLATION("invalid-utf8-surrogate", "protocol: invalid UTF-8 in text message", 1007),
    VIOLATION("invalid-utf8-fragments", "protocol: invalid UTF-8 in text message", 1007),
    VIOLATION("invalid-utf8-fail-fast", "protocol: invalid UTF-8 in text message", 1007),
    VIOLATION("close-reason-invalid-utf8", "protocol: invalid UTF-8 in close reason", 1007),
    VIOLATION("close-1-byte", "protocol: close frame payload of 1 byte", 1002),
    BAD_CLOSE_CODE(0), BAD_CLOSE_CODE(999), BAD_CLOSE_CODE(1004), BAD_CLOSE_CODE(1005),
    BAD_CLOSE_CODE(1006), BAD_CLOSE_CODE(1015), BAD_CLOSE_CODE(1016), BAD_CLOSE_CODE(2999),
    BAD_CLOSE_CODE(5000),
    VIOLATION("length-top-bit", "protocol: 64-bit payload length with top bit set", 1002),
    {"announce-max", 1, 0, 1009, "protocol: message of at least 9223372036854775807 bytes over "
     "the limit of 1073741824", 1009, NULL, "close 1009", 0, PENDING_PEAK_KIB},
    /* Pending: measured, then our Close(1000); the server ends TCP without answering. */
    {"announce-1gib", 1, 0, 1007, CLOSED_WITHOUT_FRAME, 1006, ABNORMAL, "close 1000", PENDING,
     0},
    {"non-minimal-length", 1, 2, 0, NULL, 1000, "lengths", "close 1000", 0, 0},

    /* ---- permessage-deflate ---- */
    {"deflate-bomb", 1, 0, 1009, "protocol: message of at least 1048577 bytes over the limit "
     "of 1048576", 1009, NULL, "close 1009", DEFLATE | SMALL_LIMIT, BOMB_PEAK_KIB},
    {"deflate-bomb-fragmented", 1, 0, 1009, "protocol: message of at least 1048577 bytes over "
     "the limit of 1048576", 1009, NULL, "close 1009", DEFLATE | SMALL_LIMIT, BOMB_PEAK_KIB},
    DEFLATE_VIOLATION("deflate-invalid-block-type", "protocol: invalid permessage-deflate data",
                      1002),
    DEFLATE_VIOLATION("deflate-bad-stored-length", "protocol: invalid permessage-deflate data",
                      1002),
    DEFLATE_VIOLATION("deflate-rsv1-continuation",
                      "protocol: RSV1 set on a control or continuation frame or without "
                      "deflate", 1002),
    DEFLATE_VIOLATION("deflate-rsv1-ping",
                      "protocol: RSV1 set on a control or continuation frame or without "
                      "deflate", 1002),

    /* ---- closing, floods, abrupt ends ---- */
    {"close-normal", 1, 0, 0, NULL, 1000, "normal", "close 1000", 0, 0},
    {"close-reason-newline", 1, 0, 0, NULL, 1000, "bye\nnet_websocket ERROR forged",
     "close 1000", 0, 0},
    {"close-empty", 1, 0, 0, NULL, 1005, "", "close none", 0, 0},
    {"messages-then-close", 1, 100, 0, NULL, 4000, "bye after 100 messages", "close 4000", 0,
     0},
    {"close-then-frames", 1, 0, 0, NULL, 1000, "first", "close 1000", 0, 0},
    {"ping-flood", 1, 0, 0, NULL, 1000, "10000 pongs", "close 1000", 0, 0},
    {"silent", 1, 0, 1003, "keepalive: no answer to ping within 0.6 s", 1006, ABNORMAL,
     "close 1011", KEEPALIVE, 0},
    {"reset-mid-frame", 1, 0, 1003, "connection lost while reading: connection reset by peer",
     1006, ABNORMAL, "sent-reset", 0, 0},
    {"eof-mid-frame", 1, 0, 1007, CLOSED_WITHOUT_FRAME, 1006, ABNORMAL, "eof", 0, 0},
    {"eof-after-messages", 1, 5, 1007, CLOSED_WITHOUT_FRAME, 1006, ABNORMAL, "eof", 0, 0},

    /* ---- stalls ---- */
    {"partial-frame-stall", 1, 0, 1003, SLOW_KEEPALIVE_GAVE_UP, 1006, ABNORMAL, "close 1011",
     SLOW_KEEPALIVE | MEASURE_CPU, 0},
    {"partial-header-stall", 1, 0, 1003, SLOW_KEEPALIVE_GAVE_UP, 1006, ABNORMAL, "close 1011",
     SLOW_KEEPALIVE | MEASURE_CPU, 0},
    {"pings-never-reads", 1, 0, 0, NULL, 1006, "close handshake timed out after 0.5 s; not sent: ",
     "reset", BACKLOG_CLOSE, KIB(80)},

    /* ---- the server ends TCP, then resets it: writes after that must not raise SIGPIPE ---- */
    {"half-response-eof-reset", 0, 0, 1003, "reading the handshake response failed: connection "
     "closed by the server before a response", 0, NULL, "sent-reset", TLS_TOO, 0},
    {"message-eof-reset", 1, 1, 1003, "connection lost while writing: ", 1006, ABNORMAL,
     "sent-reset", SLOW_MESSAGE | SEND_LARGE | TLS_TOO, KIB(24)},
    {"close-eof-reset", 1, 1, 0, NULL, 1000, "bye", "sent-reset", SLOW_MESSAGE | TLS_TOO, 0},
};

#define SCENARIOS (sizeof table / sizeof table[0])

/* One pass over the table: plainly, or over TLS for the rows marked TLS_TOO. */
typedef struct pass {
    const char *name; /* "" or " (TLS)" */
    const char *url;  /* the server's ws:// or wss:// base */
    const char *log;  /* its SCENARIO log */
    int tls;
} pass;

static pass passes[2];

static struct WebSocket *clients[2][SCENARIOS];
static size_t events_at_end[2][SCENARIOS];

/* Whether the row is to run: all of them unless WS_HOSTILE_ONLY lists some. */
static int selected(const scenario *s)
{
    const char *only = getenv("WS_HOSTILE_ONLY");
    size_t length = strlen(s->name);
    const char *at;
    if (only == NULL || only[0] == '\0') return 1;
    for (at = strstr(only, s->name); at != NULL; at = strstr(at + 1, s->name))
        if ((at == only || at[-1] == ',') && (at[length] == ',' || at[length] == '\0'))
            return 1;
    return 0;
}

/* Valgrind runs (WS_TEST_TIMEOUT_SCALE > 1) double the memory bounds. */
static long memory_bound(long kib)
{
    return scaled_ms(1) > 1 ? 2 * kib : kib;
}

/* ---- the server's catalogue and log ------------------------------------------------------ */

static const scenario *find_row(const char *name)
{
    size_t i;
    for (i = 0; i < SCENARIOS; i++)
        if (strcmp(table[i].name, name) == 0) return &table[i];
    return NULL;
}

/* Every scenario of `ws-hostile-server --list` has a row, and every row a scenario. */
static void check_catalogue(void)
{
    char command[1024], line[1024];
    size_t listed = 0;
    FILE *list;
    snprintf(command, sizeof command, "'%s' --list", test_env("WS_HOSTILE_SERVER"));
    list = popen(command, "r");
    CHECK_MSG(list != NULL, "cannot run %s", command);
    while (fgets(line, sizeof line, list) != NULL) {
        line[strcspn(line, "\t\n")] = '\0';
        CHECK_MSG(find_row(line) != NULL, "the server's scenario %s has no row here", line);
        listed++;
    }
    CHECK_EQ(pclose(list), 0);
    CHECK_MSG(listed == SCENARIOS, "the server lists %zu scenarios, the table has %zu", listed,
              SCENARIOS);
}

/* The outcome of the n-th (0-based) log line of scenario name into buf; 0 if there is none. */
static int log_outcome(const pass *p, const char *name, size_t n, char *buf, size_t size)
{
    char line[512], prefix[128];
    size_t length;
    int found = 0;
    FILE *f = fopen(p->log, "r");
    if (f == NULL) return 0;
    length = (size_t)snprintf(prefix, sizeof prefix, "SCENARIO %s ", name);
    while (!found && fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, prefix, length) != 0) continue;
        if (n-- > 0) continue;
        line[strcspn(line, "\n")] = '\0';
        snprintf(buf, size, "%s", line + length);
        found = 1;
    }
    fclose(f);
    return found;
}

static size_t log_lines(const pass *p, const char *name)
{
    char prefix[128];
    snprintf(prefix, sizeof prefix, "SCENARIO %s ", name);
    return count_lines_with(p->log, prefix);
}

/* Waits (5 s, scaled) for the scenario's log line number `before` and checks its outcome. */
static void check_log(const pass *p, const scenario *s, size_t before)
{
    char outcome[256] = "";
    long long deadline = now_ms() + scaled_ms(5000);
    while (!log_outcome(p, s->name, before, outcome, sizeof outcome) && now_ms() < deadline)
        sleep_ms(5);
    CHECK_MSG(outcome[0] != '\0', "%s%s: the server logged nothing within 5 s", s->name,
              p->name);
    CHECK_MSG(strcmp(outcome, s->log) == 0, "%s%s: the server saw \"%s\", expected \"%s\"",
              s->name, p->name, outcome, s->log);
}

/* CPU time (user + system) of the library's threads so far, in ms: the process's less this
 * thread's, which polls for the end meanwhile (a wake-up every 2 ms that scans every event
 * recorded: under valgrind that alone came near the 5 % bound). */
static long long library_cpu_ms(void)
{
    return clock_ms(CLOCK_PROCESS_CPUTIME_ID) - clock_ms(CLOCK_THREAD_CPUTIME_ID);
}

/* onMessage that takes 100 ms first: the server ends and resets TCP meanwhile. */
static void slow_on_message(struct WebSocket *client, char *data, uint32_t length)
{
    sleep_ms(100);
    rec_on_message(client, data, length);
}

/* ---- one scenario ------------------------------------------------------------------------ */

static struct WebSocket *client_for(const pass *p, const scenario *s)
{
    struct WebSocket *c;
    if (s->flags & SLOW_MESSAGE) {
        c = OH_WebSocketClient_Constructor(rec_on_open, slow_on_message, rec_on_error,
                                           rec_on_close);
        CHECK(c != NULL);
        rec_forget(c);
    } else {
        c = rec_client();
    }
    if (p->tls) {
        char ca[512];
        pki_path(ca, sizeof ca, "ca.pem");
        CHECK_EQ(WebSocketEx_SetCAFile(c, ca), WEBSOCKET_OK);
    }
    if (s->flags & SLOW_KEEPALIVE) CHECK_EQ(WebSocketEx_SetKeepalive(c, 2000, 3000), WEBSOCKET_OK);
    if (s->flags & BACKLOG_CLOSE) {
        CHECK_EQ(WebSocketEx_SetCloseTimeout(c, 500), WEBSOCKET_OK);
        CHECK_EQ(WebSocketEx_SetSendQueueLimit(c, 64 << 20), WEBSOCKET_OK);
    }
    if (s->flags & DEFLATE) CHECK_EQ(WebSocketEx_SetCompression(c, 1), WEBSOCKET_OK);
    if (s->flags & SMALL_LIMIT) CHECK_EQ(WebSocketEx_SetMaxReceiveSize(c, 1 << 20), WEBSOCKET_OK);
    if (s->flags & KEEPALIVE) CHECK_EQ(WebSocketEx_SetKeepalive(c, 300, 900), WEBSOCKET_OK);
    if (s->flags & CONNECT_TIMEOUT) CHECK_EQ(WebSocketEx_SetConnectTimeout(c, 500), WEBSOCKET_OK);
    return c;
}

/* The number of events the row expects in all. */
static size_t expected_events(const scenario *s)
{
    return (size_t)(s->opens + s->messages) + (s->error != 0) + (s->close != 0);
}

/* A 1 GiB frame is announced: nothing may come and almost nothing may be allocated while it
 * is pending; then our Close. */
static void measure_pending(const scenario *s, struct WebSocket *c)
{
    long base, peak;
    int exact = reset_peak_rss();
    base = proc_status("VmRSS");
    CHECK_QUIET(c, 300);
    peak = exact ? proc_status("VmHWM") : proc_status("VmRSS");
    printf("  %s: pending for %ld ms, peak RSS +%ld KiB%s\n", s->name, scaled_ms(300),
           peak - base, exact ? "" : " (VmRSS: VmHWM cannot be reset here)");
    CHECK_MSG(peak - base < memory_bound(PENDING_PEAK_KIB),
              "%s: RSS grew by %ld KiB while the frame was pending (bound %ld KiB)", s->name,
              peak - base, memory_bound(PENDING_PEAK_KIB));
    CHECK_EQ(OH_WebSocketClient_Close(c, close_option(1000, "done")), WEBSOCKET_OK);
}

/* The server never reads: 48 MiB are queued, then Close with a 500 ms close timeout, which
 * must end the connection within it (counted from the call, not from when the close frame
 * would have gone out behind them). */
static void close_backed_up(const scenario *s, struct WebSocket *c)
{
    static char message[4 << 20];
    long long called;
    int i;
    for (i = 0; i < 12; i++)
        CHECK_EQ(WebSocketEx_SendBinary(c, message, sizeof message), WEBSOCKET_OK);
    called = now_ms();
    CHECK_EQ(OH_WebSocketClient_Close(c, close_option(1000, "done")), WEBSOCKET_OK);
    WAIT_FOR(c, EV_CLOSE, 1, 10000);
    printf("  %s: onClose %lld ms after Close\n", s->name, now_ms() - called);
    CHECK_MSG(now_ms() - called < scaled_ms(500) + 300, "%s: onClose came %lld ms after Close",
              s->name, now_ms() - called);
}

/* The events of c, in order, are what the row says (message texts and terminators too). */
static void check_events(const pass *p, const scenario *s, struct WebSocket *c)
{
    size_t i = 0, n = rec_count(c, EV_ANY);
    int m;
    const rec_event *ev;
    if (n != expected_events(s)) {
        rec_dump(c);
        test_fail(__FILE__, __LINE__, "%s: %zu events, expected %zu", s->name, n,
                  expected_events(s));
    }
    if (s->opens) {
        ev = rec_nth(c, EV_ANY, i++);
        CHECK_MSG(ev->type == EV_OPEN && ev->code == 101 &&
                      strcmp(ev->text, "Switching Protocols") == 0,
                  "%s: the first event is not onOpen(101, \"Switching Protocols\")", s->name);
    }
    for (m = 0; m < s->messages; m++) {
        char expected[32];
        ev = rec_nth(c, EV_ANY, i++);
        snprintf(expected, sizeof expected, "message %d", m);
        CHECK_MSG(ev->type == EV_MESSAGE && strcmp(ev->text, expected) == 0 &&
                      ev->length == strlen(expected) && ev->terminated,
                  "%s: event %zu is not onMessage(\"%s\") (NUL-terminated)", s->name, i - 1,
                  expected);
    }
    if (s->error != 0) {
        ev = rec_nth(c, EV_ANY, i++);
        CHECK_MSG(ev->type == EV_ERROR, "%s: event %zu is not onError", s->name, i - 1);
        CHECK_MSG(ev->code == s->error, "%s: onError(%u, \"%s\"), expected code %u", s->name,
                  (unsigned)ev->code, ev->text, (unsigned)s->error);
        CHECK_CONTAINS(ev->text, s->message);
        /* The message names the server: "ws://127.0.0.1:PORT: ..." */
        CHECK_MSG(strncmp(ev->text, p->url, strlen(p->url)) == 0,
                  "%s: the message does not start with the server: %s", s->name, ev->text);
    }
    if (s->close != 0) {
        ev = rec_nth(c, EV_ANY, i++);
        CHECK_MSG(ev->type == EV_CLOSE, "%s: event %zu is not onClose", s->name, i - 1);
        CHECK_MSG(ev->code == s->close, "%s: onClose(%u, \"%s\"), expected code %u", s->name,
                  (unsigned)ev->code, ev->text, (unsigned)s->close);
        CHECK_CONTAINS(ev->text, s->reason ? s->reason : s->message);
    }
    rec_check_sequence(c, 1);
}

static void run(const pass *p, size_t index)
{
    const scenario *s = &table[index];
    char url[256];
    size_t logged = log_lines(p, s->name);
    long start_rss, peak, bound = memory_bound(s->peak_kib ? s->peak_kib : DEFAULT_PEAK_KIB);
    int exact;
    struct WebSocket *c = client_for(p, s);
    long long started = now_ms(), stall_started = 0, stall_cpu = 0;

    snprintf(url, sizeof url, "%s/%s", p->url, s->name);
    exact = reset_peak_rss();
    start_rss = proc_status("VmRSS");
    CHECK_EQ(OH_WebSocketClient_Connect(c, url, no_headers()), WEBSOCKET_OK);
    if (s->flags & (PENDING | MEASURE_CPU | SEND_LARGE | BACKLOG_CLOSE)) {
        WAIT_FOR(c, EV_ANY, 1, 10000);
        CHECK_MSG(rec_nth(c, EV_ANY, 0)->type == EV_OPEN, "%s: did not open", s->name);
    }
    if (s->flags & PENDING) measure_pending(s, c);
    if (s->flags & SEND_LARGE) {
        static char message[4 << 20];
        CHECK_EQ(WebSocketEx_SendBinary(c, message, sizeof message), WEBSOCKET_OK);
        CHECK_EQ(WebSocketEx_SendBinary(c, message, sizeof message), WEBSOCKET_OK);
    }
    if (s->flags & BACKLOG_CLOSE) close_backed_up(s, c);
    if (s->flags & MEASURE_CPU) {
        sleep_ms(200);
        stall_started = now_ms();
        stall_cpu = library_cpu_ms();
    }
    /* The end: onClose, or the onError of a failure before open. */
    WAIT_FOR(c, s->close ? EV_CLOSE : EV_ERROR, 1, 30000);
    if (s->flags & MEASURE_CPU) {
        long long wall = now_ms() - stall_started, cpu = library_cpu_ms() - stall_cpu;
        printf("  %s%s: %lld ms of CPU in %lld ms of the stall\n", s->name, p->name, cpu, wall);
        CHECK_MSG(cpu * 20 < wall, "%s: %lld ms of CPU in %lld ms while the server stalled "
                  "(bound 5 %%)", s->name, cpu, wall);
    }
    peak = exact ? proc_status("VmHWM") : proc_status("VmRSS");
    check_events(p, s, c);
    CHECK_EQ(OH_WebSocketClient_Send(c, (char *)"after the end", 13), WEBSOCKET_NO_CONNECTION);
    check_log(p, s, logged);
    CHECK_MSG(peak - start_rss < bound, "%s: peak RSS grew by %ld KiB (bound %ld KiB)", s->name,
              peak - start_rss, bound);
    printf("ok %-28s%s %5lld ms, peak RSS +%ld KiB\n", s->name, p->name, now_ms() - started,
           peak - start_rss);
    clients[p->tls][index] = c;
    events_at_end[p->tls][index] = rec_count(c, EV_ANY);
}

int main(void)
{
    size_t i;
    int t;
    long warm_rss, end_rss;
    struct WebSocket *warm;

    test_init();
    passes[0] = (pass){"", test_env("WS_HOSTILE_URL"), test_env("WS_HOSTILE_LOG"), 0};
    passes[1] = (pass){" (TLS)", test_env("WS_HOSTILE_TLS_URL"), test_env("WS_HOSTILE_TLS_LOG"), 1};
    check_catalogue();
    /* Warm-up: the runtime, its threads and buffers exist before anything is measured. */
    warm = rec_client();
    CONNECT_OPEN(warm, echo_url("/"));
    CHECK_ECHO(warm, "warm-up");
    CLOSE_WAIT(warm, 1000, "warm");
    CHECK_EQ(OH_WebSocketClient_Destroy(warm), WEBSOCKET_OK);
    warm_rss = proc_status("VmRSS");

    for (i = 0; i < SCENARIOS; i++)
        if (selected(&table[i])) run(&passes[0], i);
    for (i = 0; i < SCENARIOS; i++)
        if (selected(&table[i]) && (table[i].flags & TLS_TOO)) run(&passes[1], i);

    /* Nothing more for anyone, then each client goes. */
    sleep_ms(scaled_ms(200));
    for (t = 0; t < 2; t++) {
        for (i = 0; i < SCENARIOS; i++) {
            if (clients[t][i] == NULL) continue;
            if (rec_count(clients[t][i], EV_ANY) != events_at_end[t][i]) {
                rec_dump(clients[t][i]);
                test_fail(__FILE__, __LINE__, "%s%s: a callback came after the end",
                          table[i].name, passes[t].name);
            }
            rec_check_sequence(clients[t][i], 1);
            CHECK_EQ(OH_WebSocketClient_Destroy(clients[t][i]), WEBSOCKET_OK);
        }
    }
    end_rss = proc_status("VmRSS");
    printf("RSS after the warm-up %ld KiB, after %zu scenarios %ld KiB (%+ld KiB)\n", warm_rss,
           SCENARIOS, end_rss, end_rss - warm_rss);
    CHECK_MSG(end_rss - warm_rss < memory_bound(RUN_GROWTH_KIB),
              "RSS grew by %ld KiB over the run (bound %ld KiB)", end_rss - warm_rss,
              memory_bound(RUN_GROWTH_KIB));
    rec_reset();
    printf("test_hostile: %zu scenarios passed\n", SCENARIOS);
    return 0;
}
