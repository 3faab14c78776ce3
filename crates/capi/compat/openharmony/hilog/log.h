/*
 * hilog/log.h — OpenHarmony's HiLog C API (<hilog/log.h>) for Linux, writing to stderr: part
 * of the porting kit for OpenHarmony native modules (README, "Porting OpenHarmony code").
 * Header-only; C99 and C++.
 *
 * What OpenHarmony code uses is here with OpenHarmony's names and values: the LogType LOG_APP,
 * the LogLevel values LOG_DEBUG (3) to LOG_FATAL (7), LOG_DOMAIN and LOG_TAG (define them
 * before the macros are used; the defaults are 0 and NULL), OH_LOG_Print, OH_LOG_VPrint,
 * OH_LOG_PrintMsg, OH_LOG_PrintMsgByLen, OH_LOG_IsLoggable, OH_LOG_SetMinLogLevel and the
 * macros OH_LOG_DEBUG, OH_LOG_INFO, OH_LOG_WARN, OH_LOG_ERROR and OH_LOG_FATAL.
 *
 * Formats are printf's with HiLog's privacy flags: `%{public}d` prints the value, and
 * `%{private}d` or a conversion without a flag prints `<private>` instead, as OpenHarmony
 * does in release builds (its default is private). Each message is one line on stderr,
 * `LEVEL DOMAIN/TAG: message`, e.g. `W 0201/MY_TAG: visit <private> failed: 503`, cut at
 * 4095 bytes. The least level printed is INFO, as on a release device; the environment
 * variable HILOG_LEVEL (DEBUG, INFO, WARN, ERROR or FATAL, or their first letter) changes it,
 * and OH_LOG_SetMinLogLevel raises it for the calling file.
 *
 * Not provided: the log callbacks (OH_LOG_SetCallback) and the kernel and core log types.
 */
#ifndef NET_WEBSOCKET_COMPAT_HILOG_LOG_H
#define NET_WEBSOCKET_COMPAT_HILOG_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef LOG_DOMAIN
#define LOG_DOMAIN 0
#endif

#ifndef LOG_TAG
#define LOG_TAG NULL
#endif

typedef enum {
    LOG_APP = 0,
} LogType;

typedef enum {
    LOG_DEBUG = 3,
    LOG_INFO = 4,
    LOG_WARN = 5,
    LOG_ERROR = 6,
    LOG_FATAL = 7,
} LogLevel;

/* The least level OH_LOG_SetMinLogLevel asked for in this file (0: none). */
static LogLevel ohlog_shim_min_set;

static inline LogLevel ohlog_shim_level_named(const char *name)
{
    switch (name == NULL ? 'I' : name[0]) {
    case 'D': case 'd': return LOG_DEBUG;
    case 'W': case 'w': return LOG_WARN;
    case 'E': case 'e': return LOG_ERROR;
    case 'F': case 'f': return LOG_FATAL;
    default: return LOG_INFO;
    }
}

static inline void OH_LOG_SetMinLogLevel(LogLevel level)
{
    ohlog_shim_min_set = level;
}

static inline bool OH_LOG_IsLoggable(unsigned int domain, const char *tag, LogLevel level)
{
    LogLevel least = ohlog_shim_level_named(getenv("HILOG_LEVEL"));
    (void)domain;
    (void)tag;
    if (ohlog_shim_min_set > least) least = ohlog_shim_min_set;
    return level >= least;
}

/* Writes one finished line. */
static inline int ohlog_shim_write(LogLevel level, unsigned int domain, const char *tag,
                                   const char *message, size_t length)
{
    static const char letters[] = "???DIWEF";
    char letter = level >= LOG_DEBUG && level <= LOG_FATAL ? letters[level] : '?';
    return fprintf(stderr, "%c %04X/%s: %.*s\n", letter, domain & 0xFFFFu,
                   tag == NULL ? "" : tag, (int)length, message);
}

/* The bytes from `from` to `to`, appended to line (cut at its end). */
static inline void ohlog_shim_append(char *line, size_t size, size_t *used, const char *from,
                                     size_t length)
{
    size_t room = size - 1 - *used;
    if (length > room) length = room;
    memcpy(line + *used, from, length);
    *used += length;
    line[*used] = '\0';
}

/* Accounts for what snprintf wrote at line + *used (it returns what it would have written). */
static inline void ohlog_shim_advance(size_t size, size_t *used, int written)
{
    size_t room = size - 1 - *used;
    if (written > 0) *used += (size_t)written < room ? (size_t)written : room;
}

static inline int OH_LOG_VPrint(LogType type, LogLevel level, unsigned int domain,
                                const char *tag, const char *fmt, va_list ap)
{
    char line[4096];
    size_t used = 0;
    const char *p = fmt;
    va_list args;

    (void)type;
    if (!OH_LOG_IsLoggable(domain, tag, level)) return 0;
    line[0] = '\0';
    va_copy(args, ap);
    while (p != NULL && *p != '\0') {
        const char *start = p;
        char spec[48], length[3] = {0, 0, 0}, conversion;
        size_t s = 0;
        int shown = 0;

        if (*p != '%') {
            while (*p != '\0' && *p != '%') p++;
            ohlog_shim_append(line, sizeof line, &used, start, (size_t)(p - start));
            continue;
        }
        p++;
        if (*p == '%') {
            ohlog_shim_append(line, sizeof line, &used, "%", 1);
            p++;
            continue;
        }
        if (strncmp(p, "{public}", 8) == 0) {
            shown = 1;
            p += 8;
        } else if (strncmp(p, "{private}", 9) == 0) {
            p += 9;
        }
        /* The conversion without its privacy flag; '*' becomes the number it stands for. */
        spec[s++] = '%';
        while (*p != '\0' && strchr("-+ #0'", *p) != NULL && s < 8) spec[s++] = *p++;
        if (*p == '*') {
            s += (size_t)snprintf(spec + s, sizeof spec - s, "%d", va_arg(args, int));
            p++;
        }
        while (*p >= '0' && *p <= '9' && s < 24) spec[s++] = *p++;
        if (*p == '.') {
            p++;
            if (*p == '*') {
                int precision = va_arg(args, int);
                if (precision >= 0)
                    s += (size_t)snprintf(spec + s, sizeof spec - s, ".%d", precision);
                p++;
            } else {
                spec[s++] = '.';
                while (*p >= '0' && *p <= '9' && s < 40) spec[s++] = *p++;
            }
        }
        if ((p[0] == 'h' && p[1] == 'h') || (p[0] == 'l' && p[1] == 'l')) {
            length[0] = p[0];
            length[1] = p[1];
            p += 2;
        } else if (*p != '\0' && strchr("hljztL", *p) != NULL) {
            length[0] = *p++;
        }
        conversion = *p;
        if (conversion == '\0') break;
        p++;
        if (length[0] != 0) spec[s++] = length[0];
        if (length[1] != 0) spec[s++] = length[1];
        spec[s++] = conversion;
        spec[s] = '\0';

/* Takes the argument of the conversion; prints it, or <private>. */
#define OHLOG_SHIM_ARG(T)                                                                  \
    do {                                                                                   \
        T value_ = va_arg(args, T);                                                        \
        if (shown)                                                                         \
            ohlog_shim_advance(sizeof line, &used,                                         \
                               snprintf(line + used, sizeof line - used, spec, value_));   \
        else                                                                               \
            ohlog_shim_append(line, sizeof line, &used, "<private>", 9);                   \
    } while (0)

        switch (conversion) {
        case 'd': case 'i':
            if (length[0] == 'l' && length[1] == 'l') OHLOG_SHIM_ARG(long long);
            else if (length[0] == 'l') OHLOG_SHIM_ARG(long);
            else if (length[0] == 'j') OHLOG_SHIM_ARG(intmax_t);
            else if (length[0] == 'z') OHLOG_SHIM_ARG(size_t);
            else if (length[0] == 't') OHLOG_SHIM_ARG(ptrdiff_t);
            else OHLOG_SHIM_ARG(int);
            break;
        case 'o': case 'u': case 'x': case 'X':
            if (length[0] == 'l' && length[1] == 'l') OHLOG_SHIM_ARG(unsigned long long);
            else if (length[0] == 'l') OHLOG_SHIM_ARG(unsigned long);
            else if (length[0] == 'j') OHLOG_SHIM_ARG(uintmax_t);
            else if (length[0] == 'z') OHLOG_SHIM_ARG(size_t);
            else if (length[0] == 't') OHLOG_SHIM_ARG(ptrdiff_t);
            else OHLOG_SHIM_ARG(unsigned int);
            break;
        case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': case 'a': case 'A':
            if (length[0] == 'L') OHLOG_SHIM_ARG(long double);
            else OHLOG_SHIM_ARG(double);
            break;
        case 'c':
            OHLOG_SHIM_ARG(int);
            break;
        case 's':
            if (length[0] == 'l') OHLOG_SHIM_ARG(const wchar_t *);
            else OHLOG_SHIM_ARG(const char *);
            break;
        case 'p':
            OHLOG_SHIM_ARG(const void *);
            break;
        case 'n':
            (void)va_arg(args, void *); /* nothing is written through it */
            break;
        default: /* not a conversion: kept as written */
            ohlog_shim_append(line, sizeof line, &used, start, (size_t)(p - start));
            break;
        }
#undef OHLOG_SHIM_ARG
    }
    va_end(args);
    return ohlog_shim_write(level, domain, tag, line, used);
}

static inline int OH_LOG_Print(LogType type, LogLevel level, unsigned int domain,
                               const char *tag, const char *fmt, ...)
{
    va_list ap;
    int written;
    va_start(ap, fmt);
    written = OH_LOG_VPrint(type, level, domain, tag, fmt, ap);
    va_end(ap);
    return written;
}

static inline int OH_LOG_PrintMsg(LogType type, LogLevel level, unsigned int domain,
                                  const char *tag, const char *message)
{
    (void)type;
    if (!OH_LOG_IsLoggable(domain, tag, level)) return 0;
    return ohlog_shim_write(level, domain, tag, message == NULL ? "" : message,
                            message == NULL ? 0 : strlen(message));
}

static inline int OH_LOG_PrintMsgByLen(LogType type, LogLevel level, unsigned int domain,
                                       const char *tag, size_t tagLen, const char *message,
                                       size_t messageLen)
{
    char name[64];
    size_t n = tag == NULL ? 0 : (tagLen < sizeof name - 1 ? tagLen : sizeof name - 1);
    (void)type;
    if (n > 0) memcpy(name, tag, n);
    name[n] = '\0';
    if (!OH_LOG_IsLoggable(domain, name, level)) return 0;
    return ohlog_shim_write(level, domain, name, message == NULL ? "" : message,
                            message == NULL ? 0 : messageLen);
}

/* The level macros: LOG_DOMAIN and LOG_TAG as defined where they are used. */
#define OHLOG_SHIM_AT(level, type, ...)                                                    \
    ((void)OH_LOG_Print(type, level, LOG_DOMAIN, LOG_TAG, __VA_ARGS__))
#define OH_LOG_DEBUG(type, ...) OHLOG_SHIM_AT(LOG_DEBUG, type, __VA_ARGS__)
#define OH_LOG_INFO(type, ...) OHLOG_SHIM_AT(LOG_INFO, type, __VA_ARGS__)
#define OH_LOG_WARN(type, ...) OHLOG_SHIM_AT(LOG_WARN, type, __VA_ARGS__)
#define OH_LOG_ERROR(type, ...) OHLOG_SHIM_AT(LOG_ERROR, type, __VA_ARGS__)
#define OH_LOG_FATAL(type, ...) OHLOG_SHIM_AT(LOG_FATAL, type, __VA_ARGS__)

#ifdef __cplusplus
}
#endif

#endif /* NET_WEBSOCKET_COMPAT_HILOG_LOG_H */
