/*
 * test_streaming_send.c — sending messages in pieces (net_websocket_ext.h, "Messages in
 * pieces": WebSocketEx_SendFragment) and the server's pings during a large send, against the
 * echo server's /checksum, which receives in pieces and answers each message with its length
 * and CRC-32 (`LEN CRC32HEX`):
 *   1. 512 MiB of binary in fragments of 1 MiB, each sent again after 1 ms while the send
 *      queue is full (1013, at most 10 s in a row); a quarter of the way, another thread
 *      Sends a short text (again after 1 ms while the queue is full), which must arrive
 *      after the final fragment (the server's second report; interleaved, it would break the
 *      message);
 *   2. the same as text, compressed (permessage-deflate: one deflate stream per message);
 *   3. a 256 MiB binary message sent whole (SetMaxSendSize and SetSendQueueLimit raised for
 *      it, the frame size left at its default of 1 MiB) to /checksum?ping=20: the server
 *      pings when the message starts to arrive and every 20 ms until it is in, and every
 *      ping is answered within 100 ms (the longest round trip the server measured).
 * The pieces are lines of words in random order (compressible, not trivially) with the
 * piece's number at the start, so a piece lost, repeated or out of order changes the CRC. Sizes are divided by
 * WS_STREAM_SCALE (64 under valgrind, where the 100 ms are scaled like every deadline). The
 * figures (sizes, seconds, MiB/s, retries, pongs, longest round trip) go to stdout.
 */
#include "common.h"

#include <network/netstack/net_websocket_ext.h>

#define MIB (1024UL * 1024UL)
#define PIECE_SIZE MIB
#define PING_INTERVAL_MS 20
#define MAX_RTT_MS 100.0

static double mib(unsigned long long bytes)
{
    return (double)bytes / (double)MIB;
}

static double seconds_since(long long began)
{
    double seconds = (double)(now_ms() - began) / 1000.0;
    return seconds > 0 ? seconds : 1e-3;
}

/* 256 lines of eight words, "line NNN: ...\n", made up once by make_lines. */
#define LINES 256
static char lines[LINES][96];

static void make_lines(void)
{
    static const char *const words[] = {"stream", "piece", "frame",  "deflate", "window", "final",
                                        "first",  "queue", "ping",   "pong",    "close",  "text",
                                        "binary", "mask",  "octet",  "socket"};
    uint32_t state = 1;
    size_t n, w, at;
    for (n = 0; n < LINES; n++) {
        at = (size_t)sprintf(lines[n], "line %03zu:", n);
        for (w = 0; w < 8; w++) {
            state = state * 1103515245u + 12345u;
            at += (size_t)sprintf(lines[n] + at, " %s", words[(state >> 16) & 15]);
        }
        strcpy(lines[n] + at, "\n");
    }
}

/* Fills piece with lines picked by a linear congruential generator seeded with n (deflate
 * finds whole lines again, never their order: compressible, not trivially, and quick to
 * compress), then piece number n in its first 9 bytes. */
static void make_piece(char *piece, size_t size, size_t n)
{
    uint32_t state = (uint32_t)n * 2654435761u + 1;
    size_t at = 0;
    char number[16];
    while (at < size) {
        const char *line;
        size_t length;
        state = state * 1103515245u + 12345u;
        line = lines[(state >> 16) & (LINES - 1)];
        length = strlen(line);
        if (length > size - at) length = size - at;
        memcpy(piece + at, line, length);
        at += length;
    }
    snprintf(number, sizeof number, "%08zx ", n);
    memcpy(piece, number, size < 9 ? size : 9);
}

/* The report "LEN CRC32HEX" of length bytes with this crc. */
static void report_of(char *out, size_t size, unsigned long long length, uint32_t crc)
{
    snprintf(out, size, "%llu %08lx", length, (unsigned long)crc);
}

/* Queues a fragment, again after 1 ms while the send queue is full (bounded: 10 s in a row);
 * returns how often it had to wait. */
static unsigned long send_fragment(struct WebSocket *c, const char *data, size_t length,
                                   WebSocketEx_MessageType type, int final)
{
    long long deadline = now_ms() + scaled_ms(10000);
    unsigned long waits = 0;
    for (;;) {
        int rc = WebSocketEx_SendFragment(c, data, length, type, final);
        if (rc == WEBSOCKET_OK) return waits;
        CHECK_MSG(rc == WEBSOCKET_QUEUE_LENGTH_EXCEEDED, "SendFragment returned %d: %s", rc,
                  WebSocketEx_GetLastErrorMessage());
        CHECK_MSG(now_ms() < deadline, "the send queue stayed full for 10 s (%lu waits)", waits);
        waits++;
        sleep_ms(1);
    }
}

/* ---- a Send from another thread while a message goes out in fragments ------------------ */

static char meanwhile_text[] = "sent meanwhile";

typedef struct meanwhile {
    struct WebSocket *client;
    int rc;
} meanwhile;

/* Sends meanwhile_text, again after 1 ms while the send queue is full (bounded: 10 s). */
static void *send_meanwhile(void *arg)
{
    meanwhile *m = (meanwhile *)arg;
    long long deadline = now_ms() + scaled_ms(10000);
    do {
        m->rc = OH_WebSocketClient_Send(m->client, meanwhile_text, strlen(meanwhile_text));
        if (m->rc != WEBSOCKET_QUEUE_LENGTH_EXCEEDED) break;
        sleep_ms(1);
    } while (now_ms() < deadline);
    return NULL;
}

/* Sends meanwhile_text from a thread of its own; returns once that Send returned. */
static void send_from_another_thread(struct WebSocket *c)
{
    pthread_t thread;
    meanwhile m;
    m.client = c;
    m.rc = -1;
    CHECK_EQ(pthread_create(&thread, NULL, send_meanwhile, &m), 0);
    CHECK_EQ(pthread_join(thread, NULL), 0);
    CHECK_MSG(m.rc == WEBSOCKET_OK, "Send from another thread during the fragments returned %d",
              m.rc);
}

/* The text of client's n-th message, waiting for it (bounded). */
static const char *nth_message(struct WebSocket *c, size_t n, long timeout_ms)
{
    WAIT_FOR(c, EV_MESSAGE, n + 1, timeout_ms);
    return rec_nth(c, EV_MESSAGE, n)->text;
}

static void send_in_fragments(const char *what, int compress, WebSocketEx_MessageType type)
{
    size_t total = stream_scaled(512 * MIB), pieces = total / PIECE_SIZE, i;
    struct WebSocket *c = rec_client();
    char *piece = (char *)malloc(PIECE_SIZE);
    char expected[64];
    const char *report;
    uint32_t crc = 0;
    unsigned long waits = 0;
    long long began;
    double seconds;
    CHECK(piece != NULL);
    CHECK_MSG(pieces >= 2, "%zu pieces: a Send cannot come between the first and the final",
              pieces);
    if (compress) CHECK_EQ(WebSocketEx_SetCompression(c, 1), WEBSOCKET_OK);
    CONNECT_OPEN(c, echo_url("/checksum"));
    began = now_ms();
    for (i = 0; i < pieces; i++) {
        make_piece(piece, PIECE_SIZE, i);
        crc = crc32_update(crc, piece, PIECE_SIZE);
        waits += send_fragment(c, piece, PIECE_SIZE, type, i == pieces - 1);
        if (i == pieces / 4) send_from_another_thread(c);
    }
    free(piece);
    report_of(expected, sizeof expected, total, crc);
    report = nth_message(c, 0, 50000);
    CHECK_MSG(strcmp(report, expected) == 0,
              "%s: the server received \"%s\" (length and CRC), we sent \"%s\"", what, report,
              expected);
    seconds = seconds_since(began);
    printf("%-40s %7.1f MiB in %6.2f s, %7.1f MiB/s, %zu fragments, %lu waits for the queue, "
           "CRC %08lx\n",
           what, mib(total), seconds, mib(total) / seconds, pieces, waits, (unsigned long)crc);
    /* The Send made during the fragments: whole, and after them. */
    report_of(expected, sizeof expected, strlen(meanwhile_text),
              crc32_update(0, meanwhile_text, strlen(meanwhile_text)));
    report = nth_message(c, 1, 5000);
    CHECK_MSG(strcmp(report, expected) == 0,
              "the Send from another thread: the server received \"%s\", expected \"%s\"",
              report, expected);
    CLOSE_WAIT(c, 1000, "done");
    rec_check_sequence(c, 1);
    CHECK_EQ(rec_count(c, EV_MESSAGE), 2);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void pings_during_a_large_send(void)
{
    size_t total = stream_scaled(256 * MIB), at;
    struct WebSocket *c = rec_client();
    char *data = (char *)malloc(total);
    char expected[64], path[64];
    const char *report;
    unsigned long long pongs = 0;
    double max_rtt_ms = -1, limit_ms = MAX_RTT_MS * (double)scaled_ms(1);
    uint32_t crc;
    long long began;
    double seconds;
    int consumed = 0;
    CHECK(data != NULL);
    for (at = 0; at < total; at += PIECE_SIZE)
        make_piece(data + at, total - at < PIECE_SIZE ? total - at : PIECE_SIZE, at / PIECE_SIZE);
    crc = crc32_update(0, data, total);
    CHECK_EQ(WebSocketEx_SetMaxSendSize(c, total), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetSendQueueLimit(c, total + MIB), WEBSOCKET_OK);
    snprintf(path, sizeof path, "/checksum?ping=%d", PING_INTERVAL_MS);
    CONNECT_OPEN(c, echo_url(path));
    began = now_ms();
    CHECK_EQ(WebSocketEx_SendBinary(c, data, total), WEBSOCKET_OK);
    free(data); /* copied */
    report = nth_message(c, 0, 50000);
    report_of(expected, sizeof expected, total, crc);
    strcat(expected, " pongs=");
    CHECK_MSG(strncmp(report, expected, strlen(expected)) == 0,
              "the server reported \"%s\", expected \"%s...\"", report, expected);
    CHECK_MSG(sscanf(report + strlen(expected), "%llu max_rtt_ms=%lf%n", &pongs, &max_rtt_ms,
                     &consumed) == 2 &&
                  report[strlen(expected) + (size_t)consumed] == '\0',
              "the report \"%s\" does not parse", report);
    seconds = seconds_since(began);
    printf("%-40s %7.1f MiB in %6.2f s, %7.1f MiB/s; the server's pings every %d ms: %llu "
           "answered, longest round trip %.3f ms (limit %.0f ms)\n",
           "one message sent whole, pinged", mib(total), seconds, mib(total) / seconds,
           PING_INTERVAL_MS, pongs, max_rtt_ms, limit_ms);
    CHECK_MSG(pongs >= 1, "no ping was answered during the message");
    CHECK_MSG(max_rtt_ms < limit_ms, "a ping during the send waited %.3f ms for its pong",
              max_rtt_ms);
    CLOSE_WAIT(c, 1000, "done");
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

int main(void)
{
    test_init();
    make_lines();
    send_in_fragments("binary in fragments of 1 MiB", 0, WEBSOCKET_EX_BINARY);
    send_in_fragments("text in fragments of 1 MiB, compressed", 1, WEBSOCKET_EX_TEXT);
    pings_during_a_large_send();
    printf("peak RSS (VmHWM): %ld KiB\n", proc_status("VmHWM"));
    printf("test_streaming_send: all passed\n");
    return 0;
}
