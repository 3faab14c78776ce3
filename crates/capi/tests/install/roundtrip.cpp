// roundtrip.cpp — the C++17 counterpart of roundtrip.c, built against an installed
// libnet_websocket through pkg-config (see scripts/install-test.sh).
//
// usage: roundtrip-cpp ws://HOST:PORT/PATH
//
// Connects, sends one text message, waits for the echo, closes with 1000 and waits for
// onClose, each wait bounded (10 s). The state reaches the callbacks through
// WebSocketEx_SetUserData. Prints "roundtrip: ok" and exits 0 when all of it happened.
#include <network/netstack/net_websocket.h>
#include <network/netstack/net_websocket_ext.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>

namespace {

constexpr auto kTimeout = std::chrono::seconds(10);
char message[] = "Hello from an installed libnet_websocket, in C++";

struct Roundtrip {
    std::mutex lock;
    std::condition_variable changed;
    bool opened = false, echoed = false, failed = false, closed = false;
    uint32_t closeCode = 0;
    std::string error;
};

Roundtrip &state(WebSocket *client)
{
    return *static_cast<Roundtrip *>(WebSocketEx_GetUserData(client));
}

template <typename F> void update(WebSocket *client, F change)
{
    Roundtrip &s = state(client);
    std::lock_guard<std::mutex> guard(s.lock);
    change(s);
    s.changed.notify_all();
}

void onOpen(WebSocket *client, WebSocket_OpenResult result)
{
    update(client, [&](Roundtrip &s) { s.opened = result.code == 101; });
}

void onMessage(WebSocket *client, char *data, uint32_t length)
{
    std::string received(data, length);
    update(client, [&](Roundtrip &s) { s.echoed = received == message; });
}

void onError(WebSocket *client, WebSocket_ErrorResult result)
{
    std::string text = std::to_string(result.errorCode) + " " +
        (result.errorMessage ? result.errorMessage : "(null)");
    update(client, [&](Roundtrip &s) {
        s.failed = true;
        s.error = text;
    });
}

void onClose(WebSocket *client, WebSocket_CloseResult result)
{
    update(client, [&](Roundtrip &s) {
        s.closed = true;
        s.closeCode = result.code;
    });
}

bool waitFor(Roundtrip &s, bool Roundtrip::*flag, const char *what)
{
    std::unique_lock<std::mutex> guard(s.lock);
    s.changed.wait_for(guard, kTimeout, [&] { return s.*flag || s.failed; });
    if (!(s.*flag)) {
        std::fprintf(stderr, "roundtrip: %s while waiting for %s\n",
            s.failed ? ("onError " + s.error).c_str() : "timed out", what);
    }
    return s.*flag;
}

} // namespace

#define CHECK(expr)                                                                    \
    do {                                                                               \
        if (!(expr)) {                                                                 \
            std::fprintf(stderr, "roundtrip: %s failed (line %d)\n", #expr, __LINE__); \
            return 1;                                                                  \
        }                                                                              \
    } while (0)

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s ws://HOST:PORT/PATH\n", argv[0]);
        return 2;
    }
    static Roundtrip s; // outlives a callback still running when a CHECK returns early
    WebSocket *client = OH_WebSocketClient_Constructor(onOpen, onMessage, onError, onClose);
    CHECK(client != nullptr);
    CHECK(WebSocketEx_SetUserData(client, &s) == WEBSOCKET_OK);
    CHECK(WebSocketEx_SetProxy(client, WEBSOCKET_EX_NO_PROXY) == WEBSOCKET_OK);
    WebSocket_Header header{"X-Install-Test", "c++17", nullptr};
    CHECK(OH_WebSocketClient_AddHeader(client, header) == WEBSOCKET_OK);
    CHECK(OH_WebSocketClient_Connect(client, argv[1], client->requestOptions) == WEBSOCKET_OK);
    CHECK(waitFor(s, &Roundtrip::opened, "onOpen"));
    CHECK(OH_WebSocketClient_Send(client, message, std::strlen(message)) == WEBSOCKET_OK);
    CHECK(waitFor(s, &Roundtrip::echoed, "the echo"));
    CHECK(OH_WebSocketClient_Close(client, WebSocket_CloseOption{1000, "done"}) == WEBSOCKET_OK);
    CHECK(waitFor(s, &Roundtrip::closed, "onClose"));
    CHECK(s.closeCode == 1000);
    CHECK(OH_WebSocketClient_Destroy(client) == WEBSOCKET_OK);
    std::printf("roundtrip: ok\n");
    return 0;
}
