/*
 * test_connect_destroy_race.c — Connect racing Destroy on another thread (SPEC §3: after
 * Destroy returns no callback runs and the connection is gone). 500 rounds: a thread calls
 * Connect while the main thread calls Destroy of the same client, released together. Connect
 * returns 0 (it won: Destroy then ends the connection) or 1002 (Destroy began first: nothing
 * is started). The server is a plain TCP listener of the test's own that accepts and never
 * answers, so a connection left behind would wait for its handshake response (30 s); after
 * the rounds every connection it accepted must be closed by the client within 2 s. Destroy
 * agrees with Connect: 0 when Connect started a connection, 1018 (never connected) when not.
 */
#include "common.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#define ROUNDS 500
#define MAX_ACCEPTED (ROUNDS + 16)

/* ---- a listener that counts the connections still open ----------------------------------- */

static int listener = -1;
static int accepted[MAX_ACCEPTED];
static size_t accepted_count;
static int stop_listening;
static pthread_mutex_t listener_lock = PTHREAD_MUTEX_INITIALIZER;

/* Accepts, and closes its end of each connection the client has closed (read 0 or an error);
 * reads and drops whatever a client sends (its handshake request). */
static void *listen_loop(void *unused)
{
    (void)unused;
    while (!__atomic_load_n(&stop_listening, __ATOMIC_SEQ_CST)) {
        struct pollfd fds[MAX_ACCEPTED + 1];
        size_t n = 0, i;
        fds[n].fd = listener;
        fds[n++].events = POLLIN;
        pthread_mutex_lock(&listener_lock);
        for (i = 0; i < accepted_count; i++) {
            fds[n].fd = accepted[i];
            fds[n++].events = POLLIN;
        }
        pthread_mutex_unlock(&listener_lock);
        if (poll(fds, n, 20) <= 0) continue;
        if (fds[0].revents & POLLIN) {
            int fd = accept(listener, NULL, NULL);
            pthread_mutex_lock(&listener_lock);
            if (fd >= 0 && accepted_count < MAX_ACCEPTED) accepted[accepted_count++] = fd;
            else if (fd >= 0) close(fd);
            pthread_mutex_unlock(&listener_lock);
        }
        for (i = 1; i < n; i++) {
            char buf[4096];
            ssize_t got;
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            got = recv(fds[i].fd, buf, sizeof buf, 0); /* poll said it will not block */
            if (got > 0 || (got < 0 && (errno == EAGAIN || errno == EINTR))) continue;
            pthread_mutex_lock(&listener_lock);
            {
                size_t j;
                for (j = 0; j < accepted_count; j++)
                    if (accepted[j] == fds[i].fd) {
                        close(accepted[j]);
                        accepted[j] = accepted[--accepted_count];
                        break;
                    }
            }
            pthread_mutex_unlock(&listener_lock);
        }
    }
    return NULL;
}

static size_t open_connections(void)
{
    size_t n;
    pthread_mutex_lock(&listener_lock);
    n = accepted_count;
    pthread_mutex_unlock(&listener_lock);
    return n;
}

static int listen_on_loopback(void)
{
    struct sockaddr_in addr;
    socklen_t length = sizeof addr;
    listener = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(listener >= 0);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(listener, (struct sockaddr *)&addr, sizeof addr) == 0);
    CHECK(listen(listener, 1024) == 0);
    CHECK(getsockname(listener, (struct sockaddr *)&addr, &length) == 0);
    return ntohs(addr.sin_port);
}

/* ---- the race ---------------------------------------------------------------------------- */

static pthread_barrier_t start, done;
static struct WebSocket *volatile racing;
static char url[64];
static int connect_result;
static int stop_racing;

static void spin(unsigned n)
{
    volatile unsigned i;
    for (i = 0; i < n; i++) {
    }
}

static void *connector(void *unused)
{
    unsigned round = 0;
    (void)unused;
    for (;;) {
        pthread_barrier_wait(&start);
        if (__atomic_load_n(&stop_racing, __ATOMIC_SEQ_CST)) break;
        spin((round++ * 37) % 2000); /* vary who goes first */
        connect_result = OH_WebSocketClient_Connect(racing, url, no_headers());
        pthread_barrier_wait(&done);
    }
    return NULL;
}

int main(void)
{
    pthread_t listen_thread, connect_thread;
    int round, won = 0, refused = 0, destroy_result;
    long long deadline;

    test_init();
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/", listen_on_loopback());
    CHECK(pthread_create(&listen_thread, NULL, listen_loop, NULL) == 0);
    CHECK(pthread_barrier_init(&start, NULL, 2) == 0);
    CHECK(pthread_barrier_init(&done, NULL, 2) == 0);
    CHECK(pthread_create(&connect_thread, NULL, connector, NULL) == 0);

    for (round = 0; round < ROUNDS; round++) {
        racing = OH_WebSocketClient_Constructor(NULL, NULL, NULL, NULL);
        CHECK(racing != NULL);
        pthread_barrier_wait(&start);
        spin(((unsigned)round * 53) % 2000);
        destroy_result = OH_WebSocketClient_Destroy(racing);
        pthread_barrier_wait(&done);
        CHECK_MSG((connect_result == WEBSOCKET_OK && destroy_result == WEBSOCKET_OK) ||
                      (connect_result == WEBSOCKET_CLIENT_NOT_CREATED &&
                       destroy_result == WEBSOCKET_NO_CONNECTION_CONTEXT),
                  "round %d: Connect returned %d, Destroy %d", round, connect_result,
                  destroy_result);
        if (connect_result == WEBSOCKET_OK) won++;
        else refused++;
    }
    __atomic_store_n(&stop_racing, 1, __ATOMIC_SEQ_CST);
    pthread_barrier_wait(&start);
    CHECK(pthread_join(connect_thread, NULL) == 0);

    /* Every connection a destroyed client had made is closed by the library. */
    deadline = now_ms() + scaled_ms(2000);
    while (open_connections() > 0 && now_ms() < deadline) sleep_ms(10);
    printf("%d rounds: Connect first %d times, Destroy first %d times; %zu connections left "
           "open\n", ROUNDS, won, refused, open_connections());
    CHECK_MSG(open_connections() == 0,
              "%zu connections of destroyed clients are still open 2 s after the rounds",
              open_connections());
    __atomic_store_n(&stop_listening, 1, __ATOMIC_SEQ_CST);
    CHECK(pthread_join(listen_thread, NULL) == 0);
    close(listener);
    return 0;
}
