/*
 * dispatch_loop.h — helpers of the dispatcher tests (net_websocket_ext.h, "Callbacks on your
 * thread"): the main thread runs a dispatcher from a poll() loop, as an application's event
 * loop would. Include after common.h.
 */
#ifndef NET_WEBSOCKET_TEST_DISPATCH_LOOP_H
#define NET_WEBSOCKET_TEST_DISPATCH_LOOP_H

#include <errno.h>
#include <poll.h>

#include <network/netstack/net_websocket_ext.h>

/* Whether the dispatcher's fd is readable now (poll with a 0 timeout). */
static inline int fd_readable(WebSocketEx_Dispatcher *d)
{
    struct pollfd p;
    p.fd = WebSocketEx_DispatcherGetFd(d);
    p.events = POLLIN;
    p.revents = 0;
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/* Runs d from a poll() loop on this thread until done(arg) holds (checked after every Run) or
 * timeout_ms (scaled) passes; returns whether done(arg) held. Every Run must succeed. */
static inline int run_until(WebSocketEx_Dispatcher *d, int (*done)(void *), void *arg,
                            long timeout_ms)
{
    struct pollfd p;
    long long deadline = now_ms() + scaled_ms(timeout_ms);
    p.fd = WebSocketEx_DispatcherGetFd(d);
    p.events = POLLIN;
    while (!done(arg)) {
        long long left = deadline - now_ms();
        int ready;
        if (left <= 0) return done(arg);
        p.revents = 0;
        ready = poll(&p, 1, left > 100 ? 100 : (int)left);
        if (ready < 0 && errno != EINTR) test_fail(__FILE__, __LINE__, "poll failed");
        if (ready > 0) {
            int ran = WebSocketEx_DispatcherRun(d, 0);
            if (ran < 0) test_fail(__FILE__, __LINE__, "WebSocketEx_DispatcherRun gave %d", ran);
        }
    }
    return 1;
}

/* done() for run_until: at least n events of type mask for client. */
struct count_goal {
    struct WebSocket *client;
    int mask;
    size_t n;
};

static inline int count_reached(void *arg)
{
    struct count_goal *goal = (struct count_goal *)arg;
    return rec_count(goal->client, goal->mask) >= goal->n;
}

/* Runs d until client has n events of a type in mask; exits with a dump if they do not come. */
#define RUN_UNTIL_COUNT(d, client_, mask_, n_, timeout_ms)                                \
    do {                                                                                  \
        struct count_goal goal_;                                                          \
        goal_.client = (client_);                                                         \
        goal_.mask = (mask_);                                                             \
        goal_.n = (n_);                                                                   \
        if (!run_until((d), count_reached, &goal_, (timeout_ms))) {                       \
            rec_dump(client_);                                                            \
            test_fail(__FILE__, __LINE__, "timed out running the dispatcher for %zu "      \
                      "event(s) of type %s", (size_t)(n_), #mask_);                       \
        }                                                                                 \
    } while (0)

#endif /* NET_WEBSOCKET_TEST_DISPATCH_LOOP_H */
