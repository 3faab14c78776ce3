//! `WebSocket_ErrCode` values (net_websocket_type.h). 1004 does not exist.

pub const WEBSOCKET_OK: i32 = 0;
pub const E_BASE: i32 = 1000;
pub const WEBSOCKET_CLIENT_NULL: i32 = E_BASE + 1;
pub const WEBSOCKET_CLIENT_NOT_CREATED: i32 = E_BASE + 2;
pub const WEBSOCKET_CONNECTION_ERROR: i32 = E_BASE + 3;
pub const WEBSOCKET_CONNECTION_PARSE_URL_ERROR: i32 = E_BASE + 5;
pub const WEBSOCKET_CONNECTION_NO_MEMORY: i32 = E_BASE + 6;
pub const WEBSOCKET_CONNECTION_CLOSED_BY_PEER: i32 = E_BASE + 7;
pub const WEBSOCKET_DESTROYED: i32 = E_BASE + 8;
pub const WEBSOCKET_PROTOCOL_ERROR: i32 = E_BASE + 9;
pub const WEBSOCKET_SEND_NO_MEMORY: i32 = E_BASE + 10;
pub const WEBSOCKET_SEND_DATA_NULL: i32 = E_BASE + 11;
pub const WEBSOCKET_DATA_LENGTH_EXCEEDED: i32 = E_BASE + 12;
pub const WEBSOCKET_QUEUE_LENGTH_EXCEEDED: i32 = E_BASE + 13;
pub const WEBSOCKET_NO_CLIENT_CONTEXT: i32 = E_BASE + 14;
pub const WEBSOCKET_NO_HEADER_CONTEXT: i32 = E_BASE + 15;
pub const WEBSOCKET_HEADER_EXCEEDED: i32 = E_BASE + 16;
pub const WEBSOCKET_NO_CONNECTION: i32 = E_BASE + 17;
pub const WEBSOCKET_NO_CONNECTION_CONTEXT: i32 = E_BASE + 18;

/// The error code reported through onError for each cause of a connection failure (SPEC §4):
/// 1009 when the server broke the protocol (in the handshake response or in frames) or sent
/// a redirect that is not followed, 1007
/// when it ended TCP without a close frame, 1003 for every transport failure (DNS, TCP,
/// proxy, TLS, timeouts, I/O, keepalive).
pub(crate) fn for_error(error: &net_websocket_client::Error) -> u32 {
    use net_websocket_client::Cause;
    (match error.cause() {
        Cause::Handshake(_) | Cause::Redirect { .. } | Cause::Protocol(_) => {
            WEBSOCKET_PROTOCOL_ERROR
        }
        Cause::ClosedByPeer => WEBSOCKET_CONNECTION_CLOSED_BY_PEER,
        _ => WEBSOCKET_CONNECTION_ERROR,
    }) as u32
}
