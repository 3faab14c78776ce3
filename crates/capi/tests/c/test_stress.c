/*
 * test_stress.c — many threads against few clients, for a bounded time (5 s; 8 s under
 * valgrind, with fewer sends per thread):
 *   - 64 sender threads call Send, SendText and SendBinary with small tagged messages on 16
 *     clients of the echo server ($WS_ECHO_URL), picked at random;
 *   - 4 churn threads, each owning 4 of the clients, Close them, Destroy them (right after
 *     the Close or without one) and put a new client (Constructor, Connect) in their place at
 *     random moments (one every 20-220 ms per churner; one client of each churner is left
 *     alone, so that 4 carry traffic for the whole run), while the senders go on using the
 *     pointers they hold (so Send races Destroy, and may reach a new client at a reused
 *     address);
 *   - 2 threads connect clients to a refused port (127.0.0.1:1), again and again.
 * Checks:
 *   - every call returns one of the codes its header documents (each return is checked and
 *     counted; the counts are printed);
 *   - nothing crashes and nothing deadlocks: the test ends (a watchdog fails it otherwise);
 *   - every message that Send/SendText/SendBinary accepted (returned 0) on a client that was
 *     never closed or destroyed is echoed back, once, in the order each thread sent it, with
 *     its type (Send and SendText: text; SendBinary: binary), NUL-terminated (waited for,
 *     bounded, once the senders stopped); such a client never reports an end, and its
 *     callbacks keep SPEC §4's order (onOpen, then messages);
 *   - each refused attempt ends with exactly one onError(1003) naming 127.0.0.1:1, no onOpen,
 *     no onClose, and Send returns 1017 after it.
 * WS_STRESS_SEED=N repeats a run's random choices for the senders and churners (the seed is
 * printed); the timing of the library's threads differs anyway.
 */
#include "common.h"

#include <network/netstack/net_websocket_ext.h>

#include <unistd.h>

#define SENDERS 64
#define SLOTS 16
#define CHURNERS 4
#define SLOTS_PER_CHURNER (SLOTS / CHURNERS)
#define REFUSERS 2
#define MAX_INCARNATIONS 2048
#define REFUSED_URL "ws://127.0.0.1:1/"

/* ---- documented return codes (net_websocket.h, net_websocket_ext.h) ------------------------ */

typedef struct api_function {
    const char *name;
    const int *codes; /* the documented codes, ending with -1 */
    long counts[20];  /* how often each code came back (same order) */
} api_function;

static const int connect_codes[] = {WEBSOCKET_OK, WEBSOCKET_CLIENT_NULL,
    WEBSOCKET_CLIENT_NOT_CREATED, WEBSOCKET_CONNECTION_PARSE_URL_ERROR,
    WEBSOCKET_CONNECTION_ERROR, WEBSOCKET_NO_HEADER_CONTEXT, WEBSOCKET_HEADER_EXCEEDED, -1};
static const int send_codes[] = {WEBSOCKET_OK, WEBSOCKET_CLIENT_NULL,
    WEBSOCKET_CLIENT_NOT_CREATED, WEBSOCKET_SEND_DATA_NULL, WEBSOCKET_DATA_LENGTH_EXCEEDED,
    WEBSOCKET_QUEUE_LENGTH_EXCEEDED, WEBSOCKET_NO_CONNECTION, -1};
/* SendText: the codes of Send, and 1009 for invalid UTF-8. */
static const int send_text_codes[] = {WEBSOCKET_OK, WEBSOCKET_CLIENT_NULL,
    WEBSOCKET_CLIENT_NOT_CREATED, WEBSOCKET_SEND_DATA_NULL, WEBSOCKET_DATA_LENGTH_EXCEEDED,
    WEBSOCKET_QUEUE_LENGTH_EXCEEDED, WEBSOCKET_NO_CONNECTION, WEBSOCKET_PROTOCOL_ERROR, -1};
static const int close_codes[] = {WEBSOCKET_OK, WEBSOCKET_CLIENT_NULL,
    WEBSOCKET_CLIENT_NOT_CREATED, WEBSOCKET_NO_CONNECTION, WEBSOCKET_CONNECTION_ERROR, -1};
static const int destroy_codes[] = {WEBSOCKET_OK, WEBSOCKET_CLIENT_NULL,
    WEBSOCKET_CLIENT_NOT_CREATED, -1};
/* The setters used here: WEBSOCKET_OK and the two handle errors. */
static const int setter_codes[] = {WEBSOCKET_OK, WEBSOCKET_CLIENT_NULL,
    WEBSOCKET_CLIENT_NOT_CREATED, -1};

enum { F_CONNECT, F_SEND, F_SEND_TEXT, F_SEND_BINARY, F_CLOSE, F_DESTROY, F_SETTER, F_COUNT };
static api_function functions[F_COUNT] = {
    {"OH_WebSocketClient_Connect", connect_codes, {0}},
    {"OH_WebSocketClient_Send", send_codes, {0}},
    {"WebSocketEx_SendText", send_text_codes, {0}},
    {"WebSocketEx_SendBinary", send_codes, {0}},
    {"OH_WebSocketClient_Close", close_codes, {0}},
    {"OH_WebSocketClient_Destroy", destroy_codes, {0}},
    {"WebSocketEx_Set...", setter_codes, {0}},
};

/* Counts rc for function f; exits if the header does not document it. Returns rc. */
static int checked(int f, int rc, const char *file, int line)
{
    const int *code;
    int i;
    for (code = functions[f].codes, i = 0; *code != -1; code++, i++) {
        if (*code == rc) {
            __atomic_add_fetch(&functions[f].counts[i], 1, __ATOMIC_RELAXED);
            return rc;
        }
    }
    test_fail(file, line, "%s returned %d, which its header does not document",
              functions[f].name, rc);
}
#define CHECKED(f, call) checked((f), (call), __FILE__, __LINE__)

/* ---- incarnations: one per client made, never freed before the end ------------------------ */

typedef struct incarnation {
    unsigned id;
    struct WebSocket *client;
    int stopped;                  /* Close or Destroy was called (set before the call) */
    unsigned accepted[SENDERS];   /* messages accepted for it, per sender (by that sender) */
    /* Under acct_lock (written by its callbacks): */
    int opened, errored, closed;
    unsigned received[SENDERS];   /* its own messages echoed, in order, per sender */
    unsigned strays;              /* echoes of messages sent to an older client at its address */
} incarnation;

static incarnation incarnations[MAX_INCARNATIONS];
static unsigned incarnation_count; /* atomic */
static pthread_mutex_t acct_lock = PTHREAD_MUTEX_INITIALIZER;
static char problem[512];          /* the first contract violation seen (under acct_lock) */

typedef struct slot {
    pthread_mutex_t lock;
    incarnation *current;
} slot;
static slot slots[SLOTS];

static void violation(const char *fmt, unsigned a, unsigned b, const char *text)
{
    pthread_mutex_lock(&acct_lock);
    if (problem[0] == '\0') snprintf(problem, sizeof problem, fmt, a, b, text);
    pthread_mutex_unlock(&acct_lock);
}

/* The incarnation whose client is `client`: the one in a slot (a client's callbacks end
 * before its Destroy returns, and only then does its slot get a new client). */
static incarnation *incarnation_of(struct WebSocket *client)
{
    int s;
    incarnation *found = NULL;
    for (s = 0; s < SLOTS && found == NULL; s++) {
        pthread_mutex_lock(&slots[s].lock);
        if (slots[s].current != NULL && slots[s].current->client == client)
            found = slots[s].current;
        pthread_mutex_unlock(&slots[s].lock);
    }
    if (found == NULL) violation("a callback for a client in no slot (%u %u%s)", 0, 0, "");
    return found;
}

static int stopped(const incarnation *inc)
{
    return __atomic_load_n(&inc->stopped, __ATOMIC_SEQ_CST);
}

static void on_open(struct WebSocket *client, WebSocket_OpenResult result)
{
    incarnation *inc = incarnation_of(client);
    if (inc == NULL) return;
    pthread_mutex_lock(&acct_lock);
    if ((inc->opened || inc->errored || inc->closed || result.code != 101) && problem[0] == '\0')
        snprintf(problem, sizeof problem, "client %u: onOpen(%u) again or after its end",
                 inc->id, (unsigned)result.code);
    inc->opened = 1;
    pthread_mutex_unlock(&acct_lock);
}

static void on_message(struct WebSocket *client, const char *data, size_t length,
                       WebSocketEx_MessageType type, void *user_data)
{
    incarnation *inc = (incarnation *)user_data;
    unsigned id, sender, n;
    char kind;
    int end = 0;
    (void)client;
    if (data[length] != '\0' ||
        sscanf(data, "i%u t%u n%u %c%n", &id, &sender, &n, &kind, &end) != 4 ||
        (size_t)end != length || sender >= SENDERS) {
        violation("a message that is no echo of ours (%u, %u): %.60s", (unsigned)length, 0,
                  data);
        return;
    }
    pthread_mutex_lock(&acct_lock);
    if (!inc->opened || inc->errored || inc->closed) {
        if (problem[0] == '\0')
            snprintf(problem, sizeof problem, "client %u: onMessage outside an open connection",
                     inc->id);
    } else if (id != inc->id) {
        inc->strays++;
    } else if ((kind == 'B') != (type == WEBSOCKET_EX_BINARY)) {
        if (problem[0] == '\0')
            snprintf(problem, sizeof problem, "client %u: %s came back as type %d", inc->id,
                     data, (int)type);
    } else if (n != inc->received[sender]) {
        if (problem[0] == '\0')
            snprintf(problem, sizeof problem,
                     "client %u: %s came back where n%u was due (lost, repeated or reordered)",
                     inc->id, data, inc->received[sender]);
    } else {
        inc->received[sender]++;
    }
    pthread_mutex_unlock(&acct_lock);
}

/* An end: fine after Close/Destroy (then nothing is required of the client any more), a
 * failure of the test otherwise. At most one onError, then at most one onClose. */
static void on_end(struct WebSocket *client, int is_close, uint32_t code, const char *text)
{
    incarnation *inc = incarnation_of(client);
    const char *what = is_close ? "onClose" : "onError";
    if (inc == NULL) return;
    pthread_mutex_lock(&acct_lock);
    if (!stopped(inc) && problem[0] == '\0')
        snprintf(problem, sizeof problem, "client %u (never closed): %s(%u, \"%s\")", inc->id,
                 what, (unsigned)code, text ? text : "");
    if ((inc->closed || (!is_close && inc->errored)) && problem[0] == '\0')
        snprintf(problem, sizeof problem, "client %u: %s after its end", inc->id, what);
    if (is_close)
        inc->closed = 1;
    else
        inc->errored = 1;
    pthread_mutex_unlock(&acct_lock);
}

static void on_error(struct WebSocket *client, WebSocket_ErrorResult result)
{
    on_end(client, 0, result.errorCode, result.errorMessage);
}

static void on_close(struct WebSocket *client, WebSocket_CloseResult result)
{
    on_end(client, 1, result.code, result.reason);
}

/* ---- randomness and time ------------------------------------------------------------------ */

static unsigned seed;
static long long deadline_ms;
static long duration_ms;
static int valgrind_run;

static unsigned next_random(unsigned *state)
{
    unsigned x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x ? x : 1;
}

static int time_left(void)
{
    return now_ms() < deadline_ms;
}

/* ---- clients ------------------------------------------------------------------------------ */

/* A new client in slot s, published before Connect (so Send may find it connecting). */
static incarnation *new_client(int s)
{
    unsigned index = __atomic_fetch_add(&incarnation_count, 1, __ATOMIC_SEQ_CST);
    incarnation *inc;
    struct WebSocket *c;
    char url[256];
    if (index >= MAX_INCARNATIONS) {
        __atomic_store_n(&incarnation_count, MAX_INCARNATIONS, __ATOMIC_SEQ_CST);
        return NULL;
    }
    inc = &incarnations[index];
    inc->id = index;
    c = OH_WebSocketClient_Constructor(on_open, NULL, on_error, on_close);
    CHECK_MSG(c != NULL, "OH_WebSocketClient_Constructor returned NULL");
    inc->client = c;
    CHECK_EQ(CHECKED(F_SETTER, WebSocketEx_SetUserData(c, inc)), WEBSOCKET_OK);
    CHECK_EQ(CHECKED(F_SETTER, WebSocketEx_SetMessageCallback(c, on_message)), WEBSOCKET_OK);
    pthread_mutex_lock(&slots[s].lock);
    slots[s].current = inc;
    pthread_mutex_unlock(&slots[s].lock);
    /* Not echo_url(): its static buffer is shared, and 4 churners connect at once. */
    echo_url_into(url, sizeof url, "/");
    CHECK_EQ(CHECKED(F_CONNECT, OH_WebSocketClient_Connect(c, url, no_headers())), WEBSOCKET_OK);
    return inc;
}

static incarnation *current(int s)
{
    incarnation *inc;
    pthread_mutex_lock(&slots[s].lock);
    inc = slots[s].current;
    pthread_mutex_unlock(&slots[s].lock);
    return inc;
}

/* ---- the threads -------------------------------------------------------------------------- */

static void *sender(void *arg)
{
    unsigned t = (unsigned)(uintptr_t)arg, state = seed ^ (t * 2654435761u);
    long sends = 0, max_sends = valgrind_run ? 150 : 400;
    unsigned pause_ms = (unsigned)(duration_ms * 8 / 3 / max_sends) + 1;
    char message[64];
    while (time_left() && sends < max_sends) {
        incarnation *inc = current((int)(next_random(&state) % SLOTS));
        unsigned r = next_random(&state) % 3;
        int f = r == 0 ? F_SEND : r == 1 ? F_SEND_TEXT : F_SEND_BINARY;
        size_t length;
        int rc;
        if (inc == NULL) {
            sleep_ms(1);
            continue;
        }
        /* The number is the count accepted so far: a refused message is never sent. */
        length = (size_t)snprintf(message, sizeof message, "i%u t%u n%u %c", inc->id, t,
                                  inc->accepted[t], "STB"[r]);
        if (f == F_SEND)
            rc = CHECKED(f, OH_WebSocketClient_Send(inc->client, message, length));
        else if (f == F_SEND_TEXT)
            rc = CHECKED(f, WebSocketEx_SendText(inc->client, message, length));
        else
            rc = CHECKED(f, WebSocketEx_SendBinary(inc->client, message, length));
        if (rc == WEBSOCKET_OK) inc->accepted[t]++;
        sends++;
        /* Spread over the run (about duration / max_sends apart on average), in bursts: a
         * quarter of the time the next send follows at once. */
        if (next_random(&state) % 4 != 0) sleep_ms((long)(next_random(&state) % pause_ms));
    }
    return NULL;
}

/* Closes and/or destroys one of its clients, then puts a new one in its place. */
static void churn_one(int s, unsigned *state)
{
    incarnation *old = current(s), *replacement;
    if (old == NULL) return;
    __atomic_store_n(&old->stopped, 1, __ATOMIC_SEQ_CST);
    if (next_random(state) % 2 == 0) {
        int rc = CHECKED(F_CLOSE, OH_WebSocketClient_Close(old->client, close_option(1000, "churn")));
        /* Ours and alive: it is connecting or open (1017 only if its end came already, which
         * the callbacks report as a failure). */
        CHECK_MSG(rc == WEBSOCKET_OK || rc == WEBSOCKET_NO_CONNECTION, "Close returned %d", rc);
        sleep_ms((long)(next_random(state) % 20));
    }
    CHECK_EQ(CHECKED(F_DESTROY, OH_WebSocketClient_Destroy(old->client)), WEBSOCKET_OK);
    /* The dead pointer stays in the slot a moment: senders meet it (1002). */
    sleep_ms((long)(next_random(state) % 6));
    replacement = new_client(s);
    if (replacement == NULL) {
        pthread_mutex_lock(&slots[s].lock);
        slots[s].current = NULL;
        pthread_mutex_unlock(&slots[s].lock);
    }
}

/* Churns the last 3 of its 4 slots, one every 20-220 ms; the first keeps its client for the
 * whole run, so that some clients carry traffic from start to end. */
static void *churner(void *arg)
{
    int first = (int)(uintptr_t)arg * SLOTS_PER_CHURNER;
    unsigned state = seed ^ (0x9e3779b9u * (unsigned)(first + 101));
    while (time_left()) {
        sleep_ms(20 + (long)(next_random(&state) % 200));
        if (time_left())
            churn_one(first + 1 + (int)(next_random(&state) % (SLOTS_PER_CHURNER - 1)), &state);
    }
    return NULL;
}

static long refused_attempts; /* atomic */

static void *refuser(void *arg)
{
    (void)arg;
    while (time_left()) {
        struct WebSocket *c = rec_client();
        const rec_event *ev;
        int rc;
        CHECK_EQ(CHECKED(F_CONNECT, OH_WebSocketClient_Connect(c, REFUSED_URL, no_headers())),
                 WEBSOCKET_OK);
        /* Before the failure is reported a message may be accepted (and dropped). */
        rc = CHECKED(F_SEND, OH_WebSocketClient_Send(c, (char *)"doomed", 6));
        CHECK_MSG(rc == WEBSOCKET_OK || rc == WEBSOCKET_NO_CONNECTION, "Send returned %d", rc);
        WAIT_FOR(c, EV_ERROR, 1, 5000);
        CHECK_QUIET(c, 10);
        CHECK_EQ(rec_count(c, EV_ANY), 1);
        ev = rec_nth(c, EV_ERROR, 0);
        CHECK_EQ(ev->code, WEBSOCKET_CONNECTION_ERROR);
        CHECK_CONTAINS(ev->text, "127.0.0.1:1");
        CHECK_EQ(CHECKED(F_SEND, OH_WebSocketClient_Send(c, (char *)"late", 4)),
                 WEBSOCKET_NO_CONNECTION);
        rec_check_sequence(c, 1);
        CHECK_EQ(CHECKED(F_DESTROY, OH_WebSocketClient_Destroy(c)), WEBSOCKET_OK);
        __atomic_add_fetch(&refused_attempts, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

/* Fails the test if it is still running long after its deadline: a deadlock. */
static int finished; /* atomic */
static long watchdog_ms;

static void *watchdog(void *arg)
{
    long long until = now_ms() + watchdog_ms;
    (void)arg;
    while (!__atomic_load_n(&finished, __ATOMIC_SEQ_CST)) {
        if (now_ms() > until) {
            fprintf(stderr, "test_stress: still running after %ld ms: deadlock?\n", watchdog_ms);
            fflush(stderr);
            _exit(1);
        }
        sleep_ms(50);
    }
    return NULL;
}

/* ---- the end ------------------------------------------------------------------------------ */

/* Accepted messages of clients never closed or destroyed that have not come back yet. */
static unsigned long missing(unsigned long *echoed)
{
    unsigned i, t, n = __atomic_load_n(&incarnation_count, __ATOMIC_SEQ_CST);
    unsigned long missing_now = 0;
    *echoed = 0;
    pthread_mutex_lock(&acct_lock);
    for (i = 0; i < n; i++) {
        const incarnation *inc = &incarnations[i];
        if (stopped(inc)) continue;
        for (t = 0; t < SENDERS; t++) {
            missing_now += inc->accepted[t] - inc->received[t];
            *echoed += inc->received[t];
        }
    }
    pthread_mutex_unlock(&acct_lock);
    return missing_now;
}

static void report_codes(void)
{
    int f;
    for (f = 0; f < F_COUNT; f++) {
        const int *code;
        int i;
        printf("  %-28s", functions[f].name);
        for (code = functions[f].codes, i = 0; *code != -1; code++, i++)
            if (functions[f].counts[i] > 0) printf(" %d: %ld", *code, functions[f].counts[i]);
        printf("\n");
    }
}

int main(void)
{
    pthread_t senders[SENDERS], churners[CHURNERS], refusers[REFUSERS], dog;
    unsigned long echoed = 0, left, strays = 0;
    unsigned i, n;
    int s;
    long long started, wait_until;
    const char *seed_text = getenv("WS_STRESS_SEED");

    test_init();
    valgrind_run = scaled_ms(1) > 1;
    duration_ms = valgrind_run ? 8000 : 5000;
    seed = seed_text ? (unsigned)strtoul(seed_text, NULL, 10) : (unsigned)now_ms() | 1u;
    printf("test_stress: seed %u, %ld ms, %d senders on %d clients, %d churners, %d refusers\n",
           seed, duration_ms, SENDERS, SLOTS, CHURNERS, REFUSERS);
    for (s = 0; s < SLOTS; s++) {
        pthread_mutex_init(&slots[s].lock, NULL);
        CHECK(new_client(s) != NULL);
    }
    started = now_ms();
    deadline_ms = started + duration_ms;
    watchdog_ms = duration_ms + scaled_ms(30000);
    CHECK_EQ(pthread_create(&dog, NULL, watchdog, NULL), 0);
    for (i = 0; i < SENDERS; i++)
        CHECK_EQ(pthread_create(&senders[i], NULL, sender, (void *)(uintptr_t)i), 0);
    for (i = 0; i < CHURNERS; i++)
        CHECK_EQ(pthread_create(&churners[i], NULL, churner, (void *)(uintptr_t)i), 0);
    for (i = 0; i < REFUSERS; i++)
        CHECK_EQ(pthread_create(&refusers[i], NULL, refuser, NULL), 0);
    for (i = 0; i < SENDERS; i++) pthread_join(senders[i], NULL);
    for (i = 0; i < CHURNERS; i++) pthread_join(churners[i], NULL);
    for (i = 0; i < REFUSERS; i++) pthread_join(refusers[i], NULL);
    printf("threads done after %lld ms\n", now_ms() - started);

    /* Every accepted message of a client never closed or destroyed comes back. */
    wait_until = now_ms() + scaled_ms(10000);
    while ((left = missing(&echoed)) > 0 && now_ms() < wait_until) sleep_ms(10);
    pthread_mutex_lock(&acct_lock);
    CHECK_MSG(problem[0] == '\0', "%s", problem);
    pthread_mutex_unlock(&acct_lock);
    CHECK_MSG(left == 0, "%lu accepted messages of clients never closed did not come back "
              "within 10 s (%lu did)", left, echoed);

    n = __atomic_load_n(&incarnation_count, __ATOMIC_SEQ_CST);
    for (i = 0; i < n; i++) strays += incarnations[i].strays;
    printf("%u clients made, %lu messages of clients never closed echoed, %lu echoes of "
           "messages sent to an earlier client at the same address, %ld refused attempts\n",
           n, echoed, strays, refused_attempts);
    report_codes();
    CHECK_MSG(refused_attempts > 0, "no refused attempt completed");
    CHECK_MSG(n > SLOTS, "no client was replaced");

    for (s = 0; s < SLOTS; s++) {
        incarnation *inc = current(s);
        if (inc != NULL) {
            __atomic_store_n(&inc->stopped, 1, __ATOMIC_SEQ_CST);
            CHECK_EQ(CHECKED(F_DESTROY, OH_WebSocketClient_Destroy(inc->client)), WEBSOCKET_OK);
        }
        pthread_mutex_destroy(&slots[s].lock);
    }
    pthread_mutex_lock(&acct_lock);
    CHECK_MSG(problem[0] == '\0', "%s", problem);
    pthread_mutex_unlock(&acct_lock);
    __atomic_store_n(&finished, 1, __ATOMIC_SEQ_CST);
    pthread_join(dog, NULL);
    rec_reset();
    printf("test_stress: passed in %lld ms\n", now_ms() - started);
    return 0;
}
