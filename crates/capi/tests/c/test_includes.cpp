// test_includes.cpp — test_includes.c in C++17: OpenHarmony's C++ modules use memset, strlen,
// signal and uint32_t after including only <network/netstack/net_websocket.h>. (C++ has no
// implicit function declarations: an undeclared function fails the build by itself.)
#include <network/netstack/net_websocket.h>

namespace {

volatile sig_atomic_t g_caught;

void on_signal(int signo)
{
    g_caught = signo;
}

struct Measured {
    uint32_t length;
    bool terminated;
};

Measured measure(char (&text)[16])
{
    memset(text, 'x', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    return {static_cast<uint32_t>(strlen(text)), text[sizeof text - 1] == '\0'};
}

} // namespace

int main()
{
    char text[16];
    auto [length, terminated] = measure(text); // C++17
    if (length != sizeof text - 1 || !terminated) return 1;
    if (signal(SIGTERM, on_signal) == SIG_ERR) return 2;
    if (raise(SIGTERM) != 0 || g_caught != SIGTERM) return 3;
    if (signal(SIGTERM, SIG_DFL) == SIG_ERR) return 4;
    return 0;
}
