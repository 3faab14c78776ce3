/*
 * napi/native_api.h — OpenHarmony's <napi/native_api.h> over Node.js's Node-API, so that an
 * OpenHarmony native module builds as a Node addon on Linux: part of the porting kit for
 * OpenHarmony native modules (README, "Porting OpenHarmony code"). C and C++.
 *
 * OpenHarmony's Node-API is Node's (napi_value, napi_env, napi_module_register, thread-safe
 * functions, ...) plus a few functions of its own. This header includes Node's node_api.h
 * (Debian's libnode-dev, Node's own include/node directory, or the npm package
 * node-api-headers; NAPI_VERSION 8, as OpenHarmony's header sets it, unless defined before)
 * and implements those of OpenHarmony's own functions that have a Node-API equivalent:
 *   napi_queue_async_work_with_qos              napi_queue_async_work (the QoS is ignored)
 *   napi_call_threadsafe_function_with_priority napi_call_threadsafe_function, non-blocking;
 *                                               Node keeps one queue in call order, so the
 *                                               priority and isTail are ignored
 *   napi_create_object_with_properties          napi_create_object + napi_define_properties
 *   napi_create_object_with_named_properties    napi_create_object + napi_set_named_property
 * with the types they use (napi_qos_t, napi_task_priority). The rest of OpenHarmony's own
 * functions (ArkTS modules, sendable objects, its event loop) have no Node counterpart and are
 * not declared: a module that uses them does not build, which says what to port.
 */
#ifndef NET_WEBSOCKET_COMPAT_NAPI_NATIVE_API_H
#define NET_WEBSOCKET_COMPAT_NAPI_NATIVE_API_H

#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif

#include <node_api.h>

#include <stdbool.h>
#include <stddef.h>

EXTERN_C_START

typedef enum {
    napi_qos_background = 0,
    napi_qos_utility = 1,
    napi_qos_default = 2,
    napi_qos_user_initiated = 3,
} napi_qos_t;

typedef enum {
    napi_priority_immediate = 0,
    napi_priority_high = 1,
    napi_priority_low = 2,
    napi_priority_idle = 3,
} napi_task_priority;

static inline napi_status napi_queue_async_work_with_qos(napi_env env, napi_async_work work,
                                                         napi_qos_t qos)
{
    (void)qos;
    return napi_queue_async_work(env, work);
}

static inline napi_status napi_call_threadsafe_function_with_priority(
    napi_threadsafe_function func, void *data, napi_task_priority priority, bool isTail)
{
    (void)priority;
    (void)isTail;
    return napi_call_threadsafe_function(func, data, napi_tsfn_nonblocking);
}

static inline napi_status napi_create_object_with_properties(
    napi_env env, napi_value *result, size_t property_count,
    const napi_property_descriptor *properties)
{
    napi_status status = napi_create_object(env, result);
    if (status != napi_ok || property_count == 0) return status;
    return napi_define_properties(env, *result, property_count, properties);
}

static inline napi_status napi_create_object_with_named_properties(
    napi_env env, napi_value *result, size_t property_count, const char **keys,
    const napi_value *values)
{
    size_t i;
    napi_status status = napi_create_object(env, result);
    for (i = 0; status == napi_ok && i < property_count; i++)
        status = napi_set_named_property(env, *result, keys[i], values[i]);
    return status;
}

EXTERN_C_END

#endif /* NET_WEBSOCKET_COMPAT_NAPI_NATIVE_API_H */
