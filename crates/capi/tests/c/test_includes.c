/*
 * test_includes.c — code written for OpenHarmony may use what OpenHarmony's net_websocket.h
 * includes (<signal.h>, <stdint.h>, <string.h>) without including it itself (SPEC §2). This
 * file includes nothing but that header; scripts/c-tests.sh compiles it as C99 with
 * -Werror=implicit-function-declaration, test_includes.cpp is the same check in C++17.
 */
#include <network/netstack/net_websocket.h>

static volatile sig_atomic_t g_caught;

static void on_signal(int signo)
{
    g_caught = signo;
}

int main(void)
{
    char text[16];
    uint32_t length;

    memset(text, 'x', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    length = (uint32_t)strlen(text);
    if (length != sizeof text - 1) return 1;
    /* SIGTERM: an ISO C signal, raised and caught here; SIGPIPE stays as it is. */
    if (signal(SIGTERM, on_signal) == SIG_ERR) return 2;
    if (raise(SIGTERM) != 0 || g_caught != SIGTERM) return 3;
    if (signal(SIGTERM, SIG_DFL) == SIG_ERR) return 4;
    return 0;
}
