/*
 * autobahn_client.c — drives the Autobahn TestSuite client cases (served by kosoku's
 * fuzzingserver) through libnet_websocket's C API only.
 *
 *   autobahn_client BASE_URL [--standard | --fragments] [--parallel N] [--agent NAME]
 *                   [--verbose]
 *
 * BASE_URL is the fuzzingserver's address, e.g. ws://127.0.0.1:9001. The program reads the
 * case count from BASE_URL/getCaseCount, runs every case (BASE_URL/runCase?case=I&agent=A),
 * N at a time when --parallel N is given (each case on its own client), echoing every message
 * it receives, and finally calls BASE_URL/updateReports?agent=A, which ends kosoku's run.
 *
 * Default mode ("full"): net_websocket_ext.h's typed message callback, echo with
 * WebSocketEx_SendText / WebSocketEx_SendBinary (same type as received), permessage-deflate
 * offered (WebSocketEx_SetCompression, every message compressed:
 * WebSocketEx_SetCompressionThreshold 0) and the send limit raised (WebSocketEx_SetMaxSendSize)
 * so the 16 MiB messages of cases 9.x can be echoed.
 * --standard: only net_websocket.h — onMessage + OH_WebSocketClient_Send with the default
 * limits and no compression (the library picks text or binary from the bytes).
 * --fragments: the full mode, but every message is received in pieces
 * (WebSocketEx_SetFragmentCallback) and each piece is echoed as it arrives with
 * WebSocketEx_SendFragment, type and FINAL kept, so the echo is one message in fragments.
 *
 * Each case ends at onClose, or at onError when the connection never opened (an onError after
 * open waits up to 10 s more for its onClose); a case still running after 120 s is destroyed
 * and the driver moves on. Verdicts are kosoku's business: this program exits 0 when it drove
 * every case, 1 when a case could not be started or configured, 2 on bad arguments, 3 when the
 * case count could not be read, 4 when updateReports could not be reached.
 */
#define _POSIX_C_SOURCE 200809L

#include <network/netstack/net_websocket.h>
#include <network/netstack/net_websocket_ext.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_PARALLEL 64
/* Generous: the fuzzingserver (Python) is the slow side, and in --fragments mode it parses
 * several frames per echo (12.2.14 takes 17 s whole, 22 s in fragments, alone on 2 cores). */
#define CASE_TIMEOUT_MS 120000L
#define AFTER_ERROR_TIMEOUT_MS 10000L
#define CONTROL_TIMEOUT_MS 30000L
#define MAX_SEND_SIZE ((size_t)64 * 1024 * 1024)
#define URL_MAX 2048

enum conn_kind { KIND_CONTROL, KIND_CASE };

struct conn_state {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    enum conn_kind kind;
    int opened;
    int errored;
    int closed;
    uint32_t close_code;
    uint32_t error_code;
    char error_msg[200];
    unsigned long messages;
    unsigned long send_failures;
    int first_send_error;
    char text[64]; /* KIND_CONTROL: the first message received */
    int have_text;
};

/* Options. */
static const char *g_base;
static size_t g_base_len;
static int g_standard;
static int g_fragments;
static int g_parallel = 1;
static const char *g_agent;
static int g_verbose;

/* Case distribution and driver-level outcome. */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static long g_case_count;
static long g_next_case = 1;
static long g_done_cases;
static long g_not_started;  /* Constructor / Connect / configuration failures */
static long g_timeouts;     /* cases destroyed after CASE_TIMEOUT_MS */
static long g_send_failed_cases;

/* --standard: client → state, since the standard API has no user data. */
static pthread_mutex_t g_reg_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    struct WebSocket *client;
    struct conn_state *st;
} g_reg[MAX_PARALLEL + 2];

static void reg_put(struct WebSocket *client, struct conn_state *st)
{
    size_t i;
    pthread_mutex_lock(&g_reg_mu);
    for (i = 0; i < sizeof g_reg / sizeof g_reg[0]; i++) {
        if (g_reg[i].client == NULL) {
            g_reg[i].client = client;
            g_reg[i].st = st;
            break;
        }
    }
    pthread_mutex_unlock(&g_reg_mu);
}

static void reg_drop(struct WebSocket *client)
{
    size_t i;
    pthread_mutex_lock(&g_reg_mu);
    for (i = 0; i < sizeof g_reg / sizeof g_reg[0]; i++) {
        if (g_reg[i].client == client) {
            g_reg[i].client = NULL;
            g_reg[i].st = NULL;
        }
    }
    pthread_mutex_unlock(&g_reg_mu);
}

static struct conn_state *state_of(struct WebSocket *client)
{
    struct conn_state *st = NULL;
    size_t i;
    if (!g_standard) {
        return (struct conn_state *)WebSocketEx_GetUserData(client);
    }
    pthread_mutex_lock(&g_reg_mu);
    for (i = 0; i < sizeof g_reg / sizeof g_reg[0]; i++) {
        if (g_reg[i].client == client) {
            st = g_reg[i].st;
            break;
        }
    }
    pthread_mutex_unlock(&g_reg_mu);
    return st;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int state_init(struct conn_state *st, enum conn_kind kind)
{
    pthread_condattr_t attr;
    memset(st, 0, sizeof *st);
    st->kind = kind;
    if (pthread_mutex_init(&st->mu, NULL) != 0) {
        return -1;
    }
    if (pthread_condattr_init(&attr) != 0) {
        pthread_mutex_destroy(&st->mu);
        return -1;
    }
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (pthread_cond_init(&st->cv, &attr) != 0) {
        pthread_condattr_destroy(&attr);
        pthread_mutex_destroy(&st->mu);
        return -1;
    }
    pthread_condattr_destroy(&attr);
    return 0;
}

static void state_fini(struct conn_state *st)
{
    pthread_cond_destroy(&st->cv);
    pthread_mutex_destroy(&st->mu);
}

/* ---- callbacks (library threads) ---- */

static void on_open(struct WebSocket *client, WebSocket_OpenResult result)
{
    struct conn_state *st = state_of(client);
    (void)result;
    if (st == NULL) {
        return;
    }
    pthread_mutex_lock(&st->mu);
    st->opened = 1;
    pthread_mutex_unlock(&st->mu);
}

static void on_error(struct WebSocket *client, WebSocket_ErrorResult result)
{
    struct conn_state *st = state_of(client);
    if (st == NULL) {
        return;
    }
    pthread_mutex_lock(&st->mu);
    if (!st->errored) {
        st->errored = 1;
        st->error_code = result.errorCode;
        snprintf(st->error_msg, sizeof st->error_msg, "%s",
            result.errorMessage != NULL ? result.errorMessage : "(null)");
    }
    pthread_cond_broadcast(&st->cv);
    pthread_mutex_unlock(&st->mu);
}

static void on_close(struct WebSocket *client, WebSocket_CloseResult result)
{
    struct conn_state *st = state_of(client);
    if (st == NULL) {
        return;
    }
    pthread_mutex_lock(&st->mu);
    st->closed = 1;
    st->close_code = result.code;
    pthread_cond_broadcast(&st->cv);
    pthread_mutex_unlock(&st->mu);
}

/* Records a received message; for a control connection keeps its text. */
static void note_message(struct conn_state *st, const char *data, size_t length, int send_rc)
{
    pthread_mutex_lock(&st->mu);
    st->messages++;
    if (st->kind == KIND_CONTROL && !st->have_text) {
        size_t n = length < sizeof st->text - 1 ? length : sizeof st->text - 1;
        memcpy(st->text, data, n);
        st->text[n] = '\0';
        st->have_text = 1;
    }
    if (send_rc != WEBSOCKET_OK) {
        if (st->send_failures == 0) {
            st->first_send_error = send_rc;
        }
        st->send_failures++;
    }
    pthread_mutex_unlock(&st->mu);
}

static void on_message_std(struct WebSocket *client, char *data, uint32_t length)
{
    struct conn_state *st = state_of(client);
    int rc = WEBSOCKET_OK;
    if (st == NULL) {
        return;
    }
    if (st->kind == KIND_CASE) {
        rc = OH_WebSocketClient_Send(client, data, length);
    }
    note_message(st, data, length, rc);
}

static void on_message_ex(struct WebSocket *client, const char *data, size_t length,
    WebSocketEx_MessageType type, void *userData)
{
    struct conn_state *st = (struct conn_state *)userData;
    int rc = WEBSOCKET_OK;
    if (st == NULL) {
        return;
    }
    if (st->kind == KIND_CASE) {
        rc = type == WEBSOCKET_EX_BINARY ? WebSocketEx_SendBinary(client, data, length)
                                         : WebSocketEx_SendText(client, data, length);
    }
    note_message(st, data, length, rc);
}

/* --fragments: each piece echoed at once as a fragment of the echo; a message counts once, at
 * its FINAL piece. */
static void on_fragment_ex(struct WebSocket *client, const char *data, size_t length,
    WebSocketEx_MessageType type, int flags, void *userData)
{
    struct conn_state *st = (struct conn_state *)userData;
    int rc = WEBSOCKET_OK;
    if (st == NULL) {
        return;
    }
    if (st->kind == KIND_CASE) {
        rc = WebSocketEx_SendFragment(client, data, length, type, (flags & WEBSOCKET_EX_FINAL) != 0);
    }
    if ((flags & WEBSOCKET_EX_FINAL) != 0 || rc != WEBSOCKET_OK) {
        note_message(st, data, length, rc);
    }
}

/* ---- one connection ---- */

/* Creates and configures a client for st. Returns NULL (after printing why) on failure. */
static struct WebSocket *make_client(struct conn_state *st, const char *what)
{
    struct WebSocket *client;
    int rc;

    client = OH_WebSocketClient_Constructor(
        on_open, g_standard ? on_message_std : NULL, on_error, on_close);
    if (client == NULL) {
        fprintf(stderr, "autobahn_client: %s: OH_WebSocketClient_Constructor returned NULL\n", what);
        return NULL;
    }
    if (g_standard) {
        reg_put(client, st);
        return client;
    }
    if ((rc = WebSocketEx_SetUserData(client, st)) != WEBSOCKET_OK
        || (rc = WebSocketEx_SetMessageCallback(client, on_message_ex)) != WEBSOCKET_OK) {
        fprintf(stderr, "autobahn_client: %s: WebSocketEx_SetUserData/SetMessageCallback -> %d\n",
            what, rc);
        OH_WebSocketClient_Destroy(client);
        return NULL;
    }
    if (g_fragments && st->kind == KIND_CASE
        && (rc = WebSocketEx_SetFragmentCallback(client, on_fragment_ex)) != WEBSOCKET_OK) {
        fprintf(stderr, "autobahn_client: %s: WebSocketEx_SetFragmentCallback -> %d\n", what, rc);
        OH_WebSocketClient_Destroy(client);
        return NULL;
    }
    if (st->kind == KIND_CASE) {
        /* Threshold 0: cases 12.x/13.x compress every echo, small ones too, as before the
         * 1 KiB default (kosoku's case 12 also fails on an uncompressed text echo: it hashes
         * it as a str, a fuzzing-server bug, not a protocol verdict). */
        if ((rc = WebSocketEx_SetCompression(client, 1)) != WEBSOCKET_OK
            || (rc = WebSocketEx_SetCompressionThreshold(client, 0)) != WEBSOCKET_OK
            || (rc = WebSocketEx_SetMaxSendSize(client, MAX_SEND_SIZE)) != WEBSOCKET_OK) {
            fprintf(stderr, "autobahn_client: %s: WebSocketEx_SetCompression/Threshold/SetMaxSendSize -> %d\n",
                what, rc);
            OH_WebSocketClient_Destroy(client);
            return NULL;
        }
    }
    return client;
}

static void drop_client(struct WebSocket *client, const char *what)
{
    int rc = OH_WebSocketClient_Destroy(client);
    if (rc != WEBSOCKET_OK) {
        fprintf(stderr, "autobahn_client: %s: OH_WebSocketClient_Destroy -> %d\n", what, rc);
    }
    if (g_standard) {
        reg_drop(client);
    }
}

/*
 * Waits until the connection of st has ended: onClose, or onError without a preceding onOpen.
 * After an onError that followed onOpen, waits at most AFTER_ERROR_TIMEOUT_MS more for onClose.
 * Returns 1 when it ended, 0 on timeout.
 */
static int wait_end(struct conn_state *st, long timeout_ms)
{
    long deadline = now_ms() + timeout_ms;
    int shortened = 0;
    int ended;

    pthread_mutex_lock(&st->mu);
    for (;;) {
        struct timespec ts;
        if (st->closed || (st->errored && !st->opened)) {
            break;
        }
        if (st->errored && !shortened) {
            long d = now_ms() + AFTER_ERROR_TIMEOUT_MS;
            if (d < deadline) {
                deadline = d;
            }
            shortened = 1;
        }
        if (now_ms() >= deadline) {
            break;
        }
        ts.tv_sec = deadline / 1000L;
        ts.tv_nsec = (deadline % 1000L) * 1000000L;
        if (pthread_cond_timedwait(&st->cv, &st->mu, &ts) == ETIMEDOUT) {
            /* loop once more to re-check the predicate, then leave on the deadline */
            continue;
        }
    }
    ended = st->closed || (st->errored && !st->opened);
    pthread_mutex_unlock(&st->mu);
    return ended;
}

/* buf = BASE_URL + path. Returns 0, or -1 when it does not fit. */
static int make_url(char *buf, size_t size, const char *path)
{
    int len = snprintf(buf, size, "%.*s%s", (int)g_base_len, g_base, path);
    return (len < 0 || (size_t)len >= size) ? -1 : 0;
}

/*
 * Opens a control connection (getCaseCount, updateReports) and waits for its end. Copies the
 * first message into text (when text is not NULL). Returns 0 when the connection opened.
 */
static int control(const char *url, char *text, size_t text_size)
{
    struct conn_state st;
    struct WebSocket *client;
    struct WebSocket_RequestOptions options;
    int rc, opened;

    if (state_init(&st, KIND_CONTROL) != 0) {
        fprintf(stderr, "autobahn_client: out of resources\n");
        return -1;
    }
    client = make_client(&st, url);
    if (client == NULL) {
        state_fini(&st);
        return -1;
    }
    options.headers = NULL;
    rc = OH_WebSocketClient_Connect(client, url, options);
    if (rc != WEBSOCKET_OK) {
        fprintf(stderr, "autobahn_client: %s: OH_WebSocketClient_Connect -> %d\n", url, rc);
        drop_client(client, url);
        state_fini(&st);
        return -1;
    }
    if (!wait_end(&st, CONTROL_TIMEOUT_MS)) {
        fprintf(stderr, "autobahn_client: %s: no onClose/onError within %ld s\n", url,
            CONTROL_TIMEOUT_MS / 1000L);
    }
    drop_client(client, url);
    opened = st.opened;
    if (!opened) {
        fprintf(stderr, "autobahn_client: %s: did not open (error %" PRIu32 ": %s)\n", url,
            st.error_code, st.errored ? st.error_msg : "none");
    }
    if (text != NULL && text_size > 0) {
        snprintf(text, text_size, "%s", st.have_text ? st.text : "");
    }
    state_fini(&st);
    return opened ? 0 : -1;
}

static void run_case(long n)
{
    struct conn_state *st;
    struct WebSocket *client;
    struct WebSocket_RequestOptions options;
    char url[URL_MAX];
    char path[URL_MAX];
    char what[48];
    long start = now_ms();
    int rc, ended;

    snprintf(what, sizeof what, "case %ld", n);
    snprintf(path, sizeof path, "/runCase?case=%ld&agent=%s", n, g_agent);
    st = NULL;
    if (make_url(url, sizeof url, path) != 0 || (st = (struct conn_state *)malloc(sizeof *st)) == NULL
        || state_init(st, KIND_CASE) != 0) {
        fprintf(stderr, "autobahn_client: %s: out of resources or URL too long\n", what);
        free(st);
        pthread_mutex_lock(&g_mu);
        g_not_started++;
        pthread_mutex_unlock(&g_mu);
        return;
    }
    client = make_client(st, what);
    if (client == NULL) {
        state_fini(st);
        free(st);
        pthread_mutex_lock(&g_mu);
        g_not_started++;
        pthread_mutex_unlock(&g_mu);
        return;
    }
    options.headers = NULL;
    rc = OH_WebSocketClient_Connect(client, url, options);
    if (rc != WEBSOCKET_OK) {
        fprintf(stderr, "autobahn_client: %s: OH_WebSocketClient_Connect -> %d\n", what, rc);
        drop_client(client, what);
        state_fini(st);
        free(st);
        pthread_mutex_lock(&g_mu);
        g_not_started++;
        pthread_mutex_unlock(&g_mu);
        return;
    }
    ended = wait_end(st, CASE_TIMEOUT_MS);
    drop_client(client, what);

    /* No callback runs after Destroy returned: st is ours again. */
    if (!ended) {
        fprintf(stderr,
            "autobahn_client: %s: no onClose/onError within %ld s (opened=%d errored=%d "
            "messages=%lu), destroyed\n",
            what, CASE_TIMEOUT_MS / 1000L, st->opened, st->errored, st->messages);
    }
    if (st->send_failures > 0) {
        fprintf(stderr, "autobahn_client: %s: %lu echo(es) refused, first with %d\n", what,
            st->send_failures, st->first_send_error);
    }
    if (g_verbose) {
        fprintf(stderr,
            "autobahn_client: %s: %s, opened=%d messages=%lu close=%" PRIu32
            " error=%" PRIu32 "%s%s, %ld ms\n",
            what, ended ? "ended" : "TIMEOUT", st->opened, st->messages,
            st->closed ? st->close_code : 0, st->errored ? st->error_code : 0,
            st->errored ? " " : "", st->errored ? st->error_msg : "", now_ms() - start);
    }
    pthread_mutex_lock(&g_mu);
    if (!ended) {
        g_timeouts++;
    }
    if (st->send_failures > 0) {
        g_send_failed_cases++;
    }
    g_done_cases++;
    if (g_done_cases % 100 == 0) {
        fprintf(stderr, "autobahn_client: %ld/%ld cases\n", g_done_cases, g_case_count);
    }
    pthread_mutex_unlock(&g_mu);
    state_fini(st);
    free(st);
}

static void *worker(void *arg)
{
    (void)arg;
    for (;;) {
        long n;
        pthread_mutex_lock(&g_mu);
        n = g_next_case <= g_case_count ? g_next_case++ : 0;
        pthread_mutex_unlock(&g_mu);
        if (n == 0) {
            return NULL;
        }
        run_case(n);
    }
}

static int usage(void)
{
    fprintf(stderr,
        "usage: autobahn_client BASE_URL [--standard | --fragments] [--parallel N] [--agent NAME]"
        " [--verbose]\n");
    return 2;
}

int main(int argc, char **argv)
{
    pthread_t threads[MAX_PARALLEL];
    char url[URL_MAX];
    char path[URL_MAX];
    char text[64];
    char *end;
    long start;
    int i, started;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--standard") == 0) {
            g_standard = 1;
        } else if (strcmp(argv[i], "--fragments") == 0) {
            g_fragments = 1;
        } else if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0) {
            g_verbose = 1;
        } else if (strcmp(argv[i], "--parallel") == 0 && i + 1 < argc) {
            long p = strtol(argv[++i], &end, 10);
            if (*end != '\0' || p < 1 || p > MAX_PARALLEL) {
                fprintf(stderr, "autobahn_client: --parallel takes 1..%d\n", MAX_PARALLEL);
                return 2;
            }
            g_parallel = (int)p;
        } else if (strcmp(argv[i], "--agent") == 0 && i + 1 < argc) {
            g_agent = argv[++i];
        } else if (argv[i][0] != '-' && g_base == NULL) {
            g_base = argv[i];
        } else {
            return usage();
        }
    }
    if (g_base == NULL || (g_standard && g_fragments)) {
        return usage();
    }
    if (g_agent == NULL) {
        g_agent = g_standard ? "net_websocket-standard"
            : g_fragments    ? "net_websocket-fragments"
                             : "net_websocket";
    }
    g_base_len = strlen(g_base);
    while (g_base_len > 0 && g_base[g_base_len - 1] == '/') {
        g_base_len--;
    }
    start = now_ms();

    if (make_url(url, sizeof url, "/getCaseCount") != 0 || control(url, text, sizeof text) != 0) {
        fprintf(stderr, "autobahn_client: could not get the case count\n");
        return 3;
    }
    g_case_count = strtol(text, &end, 10);
    if (end == text || *end != '\0' || g_case_count < 1 || g_case_count > 1000000) {
        fprintf(stderr, "autobahn_client: bad case count \"%s\"\n", text);
        return 3;
    }
    fprintf(stderr, "autobahn_client: %ld cases, %s mode, %d at a time\n", g_case_count,
        g_standard ? "standard" : g_fragments ? "fragments" : "full", g_parallel);

    started = 0;
    for (i = 0; i < g_parallel; i++) {
        if (pthread_create(&threads[i], NULL, worker, NULL) != 0) {
            fprintf(stderr, "autobahn_client: pthread_create failed; %d worker(s)\n", started);
            break;
        }
        started++;
    }
    if (started == 0) {
        worker(NULL);
    }
    for (i = 0; i < started; i++) {
        pthread_join(threads[i], NULL);
    }

    snprintf(path, sizeof path, "/updateReports?agent=%s", g_agent);
    if (make_url(url, sizeof url, path) != 0
        || control(url, NULL, 0) != 0) {
        fprintf(stderr, "autobahn_client: updateReports failed\n");
        return 4;
    }
    fprintf(stderr,
        "autobahn_client: drove %ld/%ld cases in %.1f s (%ld not started, %ld timed out, %ld "
        "with refused echoes)\n",
        g_done_cases, g_case_count, (double)(now_ms() - start) / 1000.0, g_not_started,
        g_timeouts, g_send_failed_cases);
    return g_not_started > 0 ? 1 : 0;
}
