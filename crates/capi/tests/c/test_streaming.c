/*
 * test_streaming.c — receiving messages in pieces (net_websocket_ext.h, "Messages in pieces":
 * WebSocketEx_SetFragmentCallback) from the echo server's /generate paths, which make each
 * message up as they send it and then report its length and CRC-32 (`TOTAL CRC32HEX`):
 *   1. a 512 MiB binary message in one frame, then one in 4,096 frames of 128 KiB;
 *   2. a 64 MiB binary message compressed with permessage-deflate (fragments of 1 MiB in one
 *      deflate stream);
 *   3. a 64 MiB text message of 1- to 4-byte characters in frames of varying sizes whose
 *      boundaries fall at every offset inside characters (a character across three frames
 *      too);
 *   4. a 4 MiB text message in 16 frames with an invalid byte (0xFF) in its middle: the
 *      pieces before it (every frame before the one that holds it), then onError(1009) and
 *      onClose(1007), and no FINAL piece.
 * Each client sets a receive limit of 1 MiB, which must not apply in pieces. Every piece:
 * data[length] == 0, the message's type, FIRST on the first piece only and FINAL on the last
 * only, text valid UTF-8 on its own; the CRC-32 of the pieces joined equals the server's
 * report. Nothing holds a message, so at the end the peak RSS (VmHWM of /proc/self/status)
 * must be under 32 MiB. Sizes are divided by WS_STREAM_SCALE (64 under valgrind, where VmHWM
 * is valgrind's own and is only printed). The figures (sizes, seconds, MiB/s, pieces, VmHWM)
 * go to stdout.
 */
#include "common.h"

#include <network/netstack/net_websocket_ext.h>

#define MIB (1024UL * 1024UL)
#define PEAK_RSS_LIMIT_KIB (32L * 1024L)
/* Messages a connection may start (a generated one and its report, or one bad one). */
#define MAX_MESSAGES 4
#define HEAD_SIZE 64

/* What the pieces of one message made. */
typedef struct message {
    int type;
    unsigned long long length;
    uint32_t crc;
    size_t pieces, largest_piece;
    int ended;            /* its FINAL piece came */
    char head[HEAD_SIZE]; /* its first bytes, NUL-terminated: a report is a short text */
} message;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static message messages[MAX_MESSAGES];
static size_t started; /* messages begun (a FIRST piece) */
/* Compare every byte with the cycle of /generate/bad-text ("aé€😀", 10 bytes). */
static int check_cycle;
static const char cycle[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
#define CYCLE_LENGTH 10

static void reset_messages(int with_cycle)
{
    pthread_mutex_lock(&lock);
    memset(messages, 0, sizeof messages);
    started = 0;
    check_cycle = with_cycle;
    pthread_mutex_unlock(&lock);
}

/* Whether text is valid UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF, no character cut at the end). */
static int utf8_valid(const char *text, size_t length)
{
    const unsigned char *p = (const unsigned char *)text, *end = p + length;
    while (p < end) {
        unsigned char c = *p;
        size_t n, i;
        uint32_t point, least;
        if (c < 0x80) {
            p++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            point = c & 0x1Fu;
            least = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            point = c & 0x0Fu;
            least = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            point = c & 0x07u;
            least = 0x10000;
        } else {
            return 0;
        }
        if ((size_t)(end - p) <= n) return 0;
        for (i = 1; i <= n; i++) {
            if ((p[i] & 0xC0) != 0x80) return 0;
            point = (point << 6) | (p[i] & 0x3Fu);
        }
        if (point < least || point > 0x10FFFF || (point >= 0xD800 && point <= 0xDFFF)) return 0;
        p += n + 1;
    }
    return 1;
}

/* Whether data, found at offset in its message, is the cycle of /generate/bad-text. */
static int matches_cycle(const char *data, size_t length, unsigned long long offset)
{
    size_t i;
    for (i = 0; i < length; i++)
        if (data[i] != cycle[(offset + i) % CYCLE_LENGTH]) return 0;
    return 1;
}

/* The message a piece with these flags belongs to (a new one on FIRST), or NULL after a
 * violation that leaves none. Called with the lock held. */
static message *message_of(int flags, WebSocketEx_MessageType type)
{
    int inside = started > 0 && !messages[started - 1].ended;
    message *m;
    if (flags & WEBSOCKET_EX_FIRST) {
        if (inside) rec_violation("a FIRST piece inside message %zu", started - 1);
        if (started == MAX_MESSAGES) {
            rec_violation("more than %d messages on one connection", MAX_MESSAGES);
            return NULL;
        }
        m = &messages[started++];
        m->type = (int)type;
        return m;
    }
    if (!inside) {
        rec_violation("a piece without FIRST outside a message (after %zu)", started);
        return NULL;
    }
    m = &messages[started - 1];
    if ((int)type != m->type)
        rec_violation("piece %zu of message %zu has type %d, its first had %d", m->pieces,
                      started - 1, (int)type, m->type);
    return m;
}

static void on_fragment(struct WebSocket *client, const char *data, size_t length,
                        WebSocketEx_MessageType type, int flags, void *userData)
{
    message *m;
    size_t head_room;
    (void)userData;
    rec_enter(client);
    pthread_mutex_lock(&lock);
    if (data == NULL) {
        rec_violation("a piece with data == NULL (length %zu)", length);
        goto out;
    }
    if (flags & ~(WEBSOCKET_EX_FIRST | WEBSOCKET_EX_FINAL))
        rec_violation("a piece with unknown flags %d", flags);
    if (type != WEBSOCKET_EX_TEXT && type != WEBSOCKET_EX_BINARY)
        rec_violation("a piece of type %d", (int)type);
    m = message_of(flags, type);
    if (m == NULL) goto out;
    if (data[length] != '\0')
        rec_violation("piece %zu of message %zu: data[length] is not 0", m->pieces, started - 1);
    if (type == WEBSOCKET_EX_TEXT && !utf8_valid(data, length))
        rec_violation("text piece %zu (%zu bytes at %llu) is not valid UTF-8 on its own",
                      m->pieces, length, m->length);
    if (check_cycle && !matches_cycle(data, length, m->length))
        rec_violation("piece %zu (%zu bytes at %llu) differs from what the server sent",
                      m->pieces, length, m->length);
    if (m->length < HEAD_SIZE - 1) {
        head_room = HEAD_SIZE - 1 - (size_t)m->length;
        memcpy(m->head + m->length, data, length < head_room ? length : head_room);
    }
    m->crc = crc32_update(m->crc, data, length);
    m->length += length;
    m->pieces++;
    if (length > m->largest_piece) m->largest_piece = length;
    if (flags & WEBSOCKET_EX_FINAL) m->ended = 1;
out:
    pthread_mutex_unlock(&lock);
    rec_leave(client);
}

static size_t ended_messages(void)
{
    size_t i, n = 0;
    pthread_mutex_lock(&lock);
    for (i = 0; i < started; i++) n += (size_t)messages[i].ended;
    pthread_mutex_unlock(&lock);
    return n;
}

/* Waits until n messages ended; fails at the deadline or if the connection ends first. */
static void wait_messages(struct WebSocket *c, size_t n, long timeout_ms)
{
    long long deadline = now_ms() + scaled_ms(timeout_ms);
    while (ended_messages() < n) {
        if (rec_count(c, EV_ERROR | EV_CLOSE) > 0 || now_ms() >= deadline) {
            rec_dump(c);
            test_fail(__FILE__, __LINE__, "%zu of %zu messages ended after %lld ms",
                      ended_messages(), n, now_ms() - deadline + scaled_ms(timeout_ms));
        }
        sleep_ms(2);
    }
}

static double mib(unsigned long long bytes)
{
    return (double)bytes / (double)MIB;
}

/* A client that receives in pieces, with a receive limit of 1 MiB that must not apply. */
static struct WebSocket *piece_client(int compress)
{
    struct WebSocket *c = rec_client();
    CHECK_EQ(WebSocketEx_SetFragmentCallback(c, on_fragment), WEBSOCKET_OK);
    CHECK_EQ(WebSocketEx_SetMaxReceiveSize(c, MIB), WEBSOCKET_OK);
    if (compress) CHECK_EQ(WebSocketEx_SetCompression(c, 1), WEBSOCKET_OK);
    return c;
}

/* Receives the generated message of path (total bytes of type) and its report. */
static void receive_generated(const char *what, const char *path, int compress, int type,
                              size_t total)
{
    struct WebSocket *c = piece_client(compress);
    const message *m = &messages[0], *report = &messages[1];
    char expected[HEAD_SIZE];
    long long began;
    double seconds;
    reset_messages(0);
    began = now_ms();
    CONNECT_OPEN(c, echo_url(path));
    wait_messages(c, 2, 50000);
    seconds = (double)(now_ms() - began) / 1000.0;
    rec_check_sequence(c, 0);
    CHECK_EQ(m->type, type);
    CHECK_MSG(m->length == total, "%s: %llu bytes in pieces, expected %zu", what, m->length,
              total);
    CHECK_EQ(report->type, WEBSOCKET_EX_TEXT);
    snprintf(expected, sizeof expected, "%zu %08lx", total, (unsigned long)m->crc);
    CHECK_MSG(strcmp(report->head, expected) == 0,
              "%s: the server reported \"%s\", the pieces joined make \"%s\"", what,
              report->head, expected);
    printf("%-44s %7.1f MiB in %6.2f s, %7.1f MiB/s, %7zu pieces (largest %zu bytes), "
           "CRC %08lx\n",
           what, mib(total), seconds, mib(total) / (seconds > 0 ? seconds : 1e-3), m->pieces,
           m->largest_piece, (unsigned long)m->crc);
    CLOSE_WAIT(c, 1000, "done");
    rec_check_sequence(c, 1);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void receive_bad_text(void)
{
    size_t total = stream_scaled(4 * MIB), frame = total / 16;
    /* As the echo server places it: the cycle start at or before the middle. */
    size_t bad_at = total / 2 / CYCLE_LENGTH * CYCLE_LENGTH;
    /* Every frame before the one holding the bad byte is delivered (its last character
     * may wait, cut, for the next frame's piece). */
    size_t frames_before = bad_at / frame * frame;
    struct WebSocket *c = piece_client(0);
    const message *m = &messages[0];
    const rec_event *error, *closed;
    char path[128];
    reset_messages(1);
    snprintf(path, sizeof path, "/generate/bad-text/%zu/%zu", total, frame);
    CONNECT_OPEN(c, echo_url(path));
    WAIT_FOR(c, EV_CLOSE, 1, 20000);
    rec_check_sequence(c, 1);
    error = rec_nth(c, EV_ERROR | EV_CLOSE, 0);
    closed = rec_nth(c, EV_CLOSE, 0);
    CHECK_MSG(error->type == EV_ERROR, "onClose(%u) without onError first", (unsigned)error->code);
    CHECK_EQ(error->code, 1009);
    CHECK_EQ(closed->code, 1007);
    pthread_mutex_lock(&lock);
    CHECK_EQ(started, 1);
    CHECK_EQ(m->type, WEBSOCKET_EX_TEXT);
    CHECK_MSG(!m->ended, "a FINAL piece came for a message with an invalid byte");
    CHECK_MSG(m->length <= bad_at, "%llu bytes delivered, the invalid byte is at %zu", m->length,
              bad_at);
    CHECK_MSG(m->length + 3 >= frames_before,
              "%llu bytes delivered, the frames before the invalid byte's hold %zu", m->length,
              frames_before);
    printf("%-44s %llu of %zu bytes in %zu pieces before the invalid byte at %zu, then "
           "onError(%u, \"%s\"), onClose(%u)\n",
           "text with an invalid byte in its middle", m->length, total, m->pieces, bad_at,
           (unsigned)error->code, error->text, (unsigned)closed->code);
    pthread_mutex_unlock(&lock);
    CHECK_EQ(OH_WebSocketClient_Destroy(c), WEBSOCKET_OK);
}

static void check_utf8_checker(void)
{
    CHECK(utf8_valid("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 10));
    CHECK(utf8_valid("", 0));
    CHECK(!utf8_valid("\xc3", 1));             /* cut */
    CHECK(!utf8_valid("\xf0\x9f\x98", 3));     /* cut */
    CHECK(!utf8_valid("\xc0\xaf", 2));         /* overlong */
    CHECK(!utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    CHECK(!utf8_valid("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
    CHECK(!utf8_valid("a\xff", 2));
}

int main(void)
{
    size_t big = stream_scaled(512 * MIB), medium = stream_scaled(64 * MIB);
    char path[128];
    long peak_kib;
    test_init();
    CHECK_EQ(crc32_update(0, "123456789", 9), 0xCBF43926u);
    check_utf8_checker();
    printf("VmRSS at the start: %ld KiB\n", proc_status("VmRSS"));

    snprintf(path, sizeof path, "/generate/binary/%zu/0", big);
    receive_generated("binary in one frame", path, 0, WEBSOCKET_EX_BINARY, big);
    snprintf(path, sizeof path, "/generate/binary/%zu/%lu", big, 128 * 1024UL);
    receive_generated("binary in frames of 128 KiB", path, 0, WEBSOCKET_EX_BINARY, big);
    snprintf(path, sizeof path, "/generate/compressed/%zu", medium);
    receive_generated("binary compressed, fragments of 1 MiB", path, 1, WEBSOCKET_EX_BINARY,
                      medium);
    snprintf(path, sizeof path, "/generate/text/%zu", medium);
    receive_generated("text cut inside characters", path, 0, WEBSOCKET_EX_TEXT, medium);
    receive_bad_text();

    peak_kib = proc_status("VmHWM");
    printf("peak RSS (VmHWM): %ld KiB (%.1f MiB; limit %ld MiB)\n", peak_kib,
           (double)peak_kib / 1024.0, PEAK_RSS_LIMIT_KIB / 1024);
    if (scaled_ms(1) == 1)
        CHECK_MSG(peak_kib < PEAK_RSS_LIMIT_KIB, "peak RSS %ld KiB, over %ld KiB", peak_kib,
                  PEAK_RSS_LIMIT_KIB);
    else
        printf("(not checked: under valgrind VmHWM is valgrind's)\n");
    printf("test_streaming: all passed\n");
    return 0;
}
