// websocket_napi.cpp — a native module in the style of OpenHarmony's WebSocket NDK guide:
// ArkTS (here: JavaScript under Node) calls Connect, Send and Close; the client's callbacks,
// which run on library threads, hand each event to the JavaScript thread through a
// thread-safe function. Written against OpenHarmony's headers (napi/native_api.h, hilog/log.h,
// network/netstack/net_websocket.h); on Linux the porting kit of crates/capi/compat/openharmony
// provides the first two over Node-API and stderr (README, "Porting OpenHarmony code").
//
// JavaScript API:
//   Connect(url, onEvent) -> the return code of OH_WebSocketClient_Connect
//   Send(text)            -> the return code of OH_WebSocketClient_Send
//   Close(code, reason)   -> the return code of OH_WebSocketClient_Close
// onEvent receives {type: "open" | "message" | "error" | "close", code, text}. After "close"
// (or an "error" before "open") the client is destroyed and Connect may be called again.
#include "hilog/log.h"
#include "napi/native_api.h"
#include <network/netstack/net_websocket.h>

#include <memory>
#include <string>

#undef LOG_DOMAIN
#undef LOG_TAG
#define LOG_DOMAIN 0x0301
#define LOG_TAG "WebSocketNapi"

namespace {

struct Event {
    const char *type;
    uint32_t code;
    std::string text;
};

// The one client of this module. Only the JavaScript thread changes it; the library's threads
// read `events`, which stays valid until after Destroy returned (no callback runs after that).
struct Session {
    struct WebSocket *client = nullptr;
    napi_threadsafe_function events = nullptr;
    bool opened = false;
};
Session g_session;

void Post(const char *type, uint32_t code, const char *text, size_t length)
{
    auto *event = new Event{type, code, std::string(text == nullptr ? "" : text, length)};
    if (napi_call_threadsafe_function_with_priority(g_session.events, event, napi_priority_high,
                                                    true) != napi_ok) {
        OH_LOG_ERROR(LOG_APP, "%{public}s event dropped", type);
        delete event;
    }
}

void OnOpen(struct WebSocket *client, WebSocket_OpenResult openResult)
{
    (void)client;
    OH_LOG_INFO(LOG_APP, "onOpen: %{public}u %{public}s", openResult.code, openResult.reason);
    Post("open", openResult.code, openResult.reason, strlen(openResult.reason));
}

void OnMessage(struct WebSocket *client, char *data, uint32_t length)
{
    (void)client;
    // The content is the user's: private, as hilog prints it on a release build.
    OH_LOG_INFO(LOG_APP, "onMessage: %{public}u bytes: %s", length, data);
    Post("message", 0, data, length);
}

void OnError(struct WebSocket *client, WebSocket_ErrorResult errorResult)
{
    (void)client;
    OH_LOG_ERROR(LOG_APP, "onError: %{public}u %{public}s", errorResult.errorCode,
                 errorResult.errorMessage);
    Post("error", errorResult.errorCode, errorResult.errorMessage,
         strlen(errorResult.errorMessage));
}

void OnClose(struct WebSocket *client, WebSocket_CloseResult closeResult)
{
    (void)client;
    OH_LOG_INFO(LOG_APP, "onClose: %{public}u %{public}s", closeResult.code, closeResult.reason);
    Post("close", closeResult.code, closeResult.reason, strlen(closeResult.reason));
}

// Destroys the client and lets Node exit once no other work is left.
void EndSession()
{
    if (g_session.client != nullptr) {
        int ret = OH_WebSocketClient_Destroy(g_session.client);
        OH_LOG_INFO(LOG_APP, "Destroy: %{public}d", ret);
        g_session.client = nullptr;
    }
    if (g_session.events != nullptr) {
        napi_release_threadsafe_function(g_session.events, napi_tsfn_release);
        g_session.events = nullptr;
    }
    g_session.opened = false;
}

// Runs on the JavaScript thread for each event posted.
void CallJs(napi_env env, napi_value onEvent, void *context, void *data)
{
    (void)context;
    std::unique_ptr<Event> event(static_cast<Event *>(data));
    if (env == nullptr) {
        return; // Node is tearing the function down
    }
    std::string type = event->type;
    if (type == "open") {
        g_session.opened = true;
    }
    if (type == "close" || (type == "error" && !g_session.opened)) {
        EndSession();
    }
    const char *keys[] = {"type", "code", "text"};
    napi_value values[3];
    napi_create_string_utf8(env, event->type, NAPI_AUTO_LENGTH, &values[0]);
    napi_create_uint32(env, event->code, &values[1]);
    napi_create_string_utf8(env, event->text.data(), event->text.size(), &values[2]);
    napi_value object;
    napi_create_object_with_named_properties(env, &object, 3, keys, values);
    napi_value undefined;
    napi_get_undefined(env, &undefined);
    napi_call_function(env, undefined, onEvent, 1, &object, nullptr);
}

std::string GetString(napi_env env, napi_value value)
{
    size_t length = 0;
    napi_get_value_string_utf8(env, value, nullptr, 0, &length);
    std::string text(length, '\0');
    napi_get_value_string_utf8(env, value, &text[0], length + 1, &length);
    return text;
}

napi_value ReturnCode(napi_env env, int ret)
{
    napi_value result;
    napi_create_int32(env, ret, &result);
    return result;
}

napi_value Connect(napi_env env, napi_callback_info info)
{
    size_t argc = 2;
    napi_value args[2] = {nullptr, nullptr};
    napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
    if (argc < 2 || g_session.client != nullptr) {
        return ReturnCode(env, WEBSOCKET_CONNECTION_ERROR);
    }
    std::string url = GetString(env, args[0]);
    napi_value name;
    napi_create_string_utf8(env, "websocket events", NAPI_AUTO_LENGTH, &name);
    napi_create_threadsafe_function(env, args[1], nullptr, name, 0, 1, nullptr, nullptr, nullptr,
                                    CallJs, &g_session.events);

    g_session.client = OH_WebSocketClient_Constructor(OnOpen, OnMessage, OnError, OnClose);
    struct WebSocket_Header header;
    header.fieldName = "X-Sample";
    header.fieldValue = "napi";
    header.next = nullptr;
    OH_WebSocketClient_AddHeader(g_session.client, header);
    int ret = OH_WebSocketClient_Connect(g_session.client, url.c_str(),
                                         g_session.client->requestOptions);
    OH_LOG_INFO(LOG_APP, "Connect %{private}s: %{public}d", url.c_str(), ret);
    if (ret != WEBSOCKET_OK) {
        EndSession();
    }
    return ReturnCode(env, ret);
}

napi_value Send(napi_env env, napi_callback_info info)
{
    size_t argc = 1;
    napi_value args[1] = {nullptr};
    napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
    if (argc < 1) {
        return ReturnCode(env, WEBSOCKET_SEND_DATA_NULL);
    }
    std::string text = GetString(env, args[0]);
    return ReturnCode(env, OH_WebSocketClient_Send(g_session.client, &text[0], text.size()));
}

napi_value Close(napi_env env, napi_callback_info info)
{
    size_t argc = 2;
    napi_value args[2] = {nullptr, nullptr};
    napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
    uint32_t code = 1000;
    std::string reason;
    if (argc >= 1) {
        napi_get_value_uint32(env, args[0], &code);
    }
    if (argc >= 2) {
        reason = GetString(env, args[1]);
    }
    struct WebSocket_CloseOption option;
    option.code = code;
    option.reason = reason.c_str();
    return ReturnCode(env, OH_WebSocketClient_Close(g_session.client, option));
}

} // namespace

EXTERN_C_START
static napi_value Init(napi_env env, napi_value exports)
{
    napi_property_descriptor desc[] = {
        {"Connect", nullptr, Connect, nullptr, nullptr, nullptr, napi_default, nullptr},
        {"Send", nullptr, Send, nullptr, nullptr, nullptr, napi_default, nullptr},
        {"Close", nullptr, Close, nullptr, nullptr, nullptr, napi_default, nullptr},
    };
    napi_define_properties(env, exports, sizeof desc / sizeof desc[0], desc);
    return exports;
}
EXTERN_C_END

// OpenHarmony modules register themselves when the library is loaded; Node accepts the same.
static napi_module g_websocketModule = {
    1,              // nm_version
    0,              // nm_flags
    nullptr,        // nm_filename
    Init,           // nm_register_func
    "websocket",    // nm_modname
    nullptr,        // nm_priv
    {nullptr},      // reserved
};

extern "C" __attribute__((constructor)) void RegisterWebSocketModule(void)
{
    napi_module_register(&g_websocketModule);
}
