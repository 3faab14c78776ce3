/*
 * test_threads.c — Send from 8 threads at once on one open client (SPEC §3 Send: callable
 * from any thread, data copied, messages sent in call order). Every message comes back from
 * the echo server exactly once, and each thread's messages in the order it sent them.
 */
#include "common.h"

#include <string.h>

#define THREADS 8
#define PER_THREAD 200

static struct WebSocket *client;
static int go;                             /* atomic: start sending */
static int send_failures;                  /* atomic */
static int last_bad_rc;                    /* atomic */
static int senders_done;                   /* atomic */

static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;
static int next_seq[THREADS];              /* next expected sequence number per thread */
static int received;

static void *sender(void *arg)
{
    int id = (int)(intptr_t)arg, seq;
    char msg[32];

    while (!__atomic_load_n(&go, __ATOMIC_SEQ_CST)) sleep_ms(1);
    for (seq = 0; seq < PER_THREAD; seq++) {
        int rc;
        snprintf(msg, sizeof msg, "t%d-%d", id, seq);
        rc = OH_WebSocketClient_Send(client, msg, strlen(msg));
        /* The library copied the data: scribbling over it must not change what is sent. */
        memset(msg, '#', sizeof msg - 1);
        if (rc != WEBSOCKET_OK) {
            __atomic_add_fetch(&send_failures, 1, __ATOMIC_SEQ_CST);
            __atomic_store_n(&last_bad_rc, rc, __ATOMIC_SEQ_CST);
        }
    }
    __atomic_add_fetch(&senders_done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static void on_message(struct WebSocket *c, char *data, uint32_t length)
{
    int id = -1, seq = -1, end = 0;

    rec_enter(c);
    if (sscanf(data, "t%d-%d%n", &id, &seq, &end) != 2 || (uint32_t)end != length || id < 0 ||
        id >= THREADS) {
        rec_violation("unexpected message \"%.40s\" (length %u)", data, (unsigned)length);
    } else {
        pthread_mutex_lock(&seen_lock);
        if (seq != next_seq[id])
            rec_violation("thread %d: got message %d, expected %d (lost, repeated or reordered)",
                          id, seq, next_seq[id]);
        next_seq[id] = seq + 1;
        received++;
        pthread_mutex_unlock(&seen_lock);
    }
    rec_leave(c);
}

static int received_count(void)
{
    int n;
    pthread_mutex_lock(&seen_lock);
    n = received;
    pthread_mutex_unlock(&seen_lock);
    return n;
}

int main(void)
{
    pthread_t threads[THREADS];
    long long deadline;
    int i;

    test_init();
    client = OH_WebSocketClient_Constructor(rec_on_open, on_message, rec_on_error, rec_on_close);
    CHECK(client != NULL);
    CONNECT_OPEN(client, echo_url("/threads"));

    for (i = 0; i < THREADS; i++)
        CHECK_EQ(pthread_create(&threads[i], NULL, sender, (void *)(intptr_t)i), 0);
    __atomic_store_n(&go, 1, __ATOMIC_SEQ_CST);
    /* Bounded: Send must not block (the queue limit is far away). */
    deadline = now_ms() + scaled_ms(10000);
    while (__atomic_load_n(&senders_done, __ATOMIC_SEQ_CST) < THREADS && now_ms() < deadline)
        sleep_ms(5);
    CHECK_MSG(__atomic_load_n(&senders_done, __ATOMIC_SEQ_CST) == THREADS,
              "the sending threads did not finish within 10 s");
    for (i = 0; i < THREADS; i++) CHECK_EQ(pthread_join(threads[i], NULL), 0);
    CHECK_MSG(__atomic_load_n(&send_failures, __ATOMIC_SEQ_CST) == 0,
              "%d Send calls failed (last returned %d)", send_failures, last_bad_rc);

    deadline = now_ms() + scaled_ms(20000);
    while (received_count() < THREADS * PER_THREAD && now_ms() < deadline) sleep_ms(5);
    CHECK_MSG(received_count() == THREADS * PER_THREAD, "received %d of %d messages",
              received_count(), THREADS * PER_THREAD);
    rec_check_sequence(client, 0);

    CLOSE_WAIT(client, 1000, "bye");
    /* Nothing more than the 1600 echoes arrived. */
    CHECK_EQ(received_count(), THREADS * PER_THREAD);
    for (i = 0; i < THREADS; i++) CHECK_EQ(next_seq[i], PER_THREAD);
    CHECK_EQ(rec_count(client, EV_ERROR), 0);
    rec_check_sequence(client, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(client), WEBSOCKET_OK);
    rec_reset();
    return 0;
}
