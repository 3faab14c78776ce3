//! The one send path of every send function (OH_WebSocketClient_Send, WebSocketEx_SendText,
//! WebSocketEx_SendBinary, WebSocketEx_SendPing, WebSocketEx_SendFragment): handle and length checks, then the
//! connection's queue, or the client's own before its first Connect.
use crate::codes::*;
use crate::compat;
use crate::entry::Current;
use crate::registry;
use crate::types::*;
use net_websocket_client::{Compress, MessageKind, SendError};
use std::os::raw::c_char;

/// How a send call chooses the message type.
pub(crate) enum SendAs {
    /// OH_WebSocketClient_Send: by content; an empty message is not sent.
    Standard,
    /// WebSocketEx_SendText(Ex): must be UTF-8 (1009 otherwise).
    Text(Compress),
    /// WebSocketEx_SendBinary(Ex).
    Binary(Compress),
    /// WebSocketEx_SendPing: a ping with up to 125 bytes.
    Ping,
    /// WebSocketEx_SendFragment: the next piece of a message sent in fragments.
    Fragment { kind: MessageKind, last: bool },
}

impl SendAs {
    /// The type of a message kept until a connection takes it, chosen now by the rules of the
    /// send function (SPEC §3); Err with the code the function gives (pings need a
    /// connection).
    fn kind_of(&self, data: &[u8]) -> Result<MessageKind, i32> {
        let utf8 = || simdutf8::basic::from_utf8(data).is_ok();
        match self {
            // Pings and fragments need a connection.
            SendAs::Ping | SendAs::Fragment { .. } => Err(WEBSOCKET_NO_CONNECTION),
            SendAs::Binary(_) => Ok(MessageKind::Binary),
            SendAs::Text(_) if utf8() => Ok(MessageKind::Text),
            SendAs::Text(_) => Err(WEBSOCKET_PROTOCOL_ERROR),
            SendAs::Standard if !data.contains(&0) && utf8() => Ok(MessageKind::Text),
            SendAs::Standard => Ok(MessageKind::Binary),
        }
    }
}

impl SendAs {
    fn is_standard(&self) -> bool {
        matches!(self, SendAs::Standard)
    }

    /// The caller's choice of compression for a whole message.
    fn compress(&self) -> Compress {
        match self {
            SendAs::Text(compress) | SendAs::Binary(compress) => *compress,
            _ => Compress::Auto,
        }
    }
}

/// The one implementation of every send function.
///
/// # Safety
/// `data` is NULL or points to `length` readable bytes.
pub(crate) unsafe fn send(
    client: *mut WebSocket,
    data: *const c_char,
    length: usize,
    send_as: SendAs,
) -> i32 {
    let entry = try_code!(registry::lookup(client));
    if data.is_null() {
        return WEBSOCKET_SEND_DATA_NULL;
    }
    if length == 0 && matches!(send_as, SendAs::Standard) {
        return WEBSOCKET_OK;
    }
    let mut state = try_code!(entry.live_state());
    // Before the slice is made: no buffer is longer than isize::MAX bytes (a length such as
    // SIZE_MAX must not reach `from_raw_parts`).
    if length > state.options.max_send_size || length > isize::MAX as usize {
        return WEBSOCKET_DATA_LENGTH_EXCEEDED;
    }
    // SAFETY: the caller passes `length` readable bytes at `data`.
    let data = unsafe { std::slice::from_raw_parts(data as *const u8, length) };
    let state = &mut *state;
    let limit = state.options.send_queue_limit;
    let Some(Current { connection, .. }) = state.connection.as_ref() else {
        // Never connected: kept for the first connection (SPEC §3).
        let kind = try_code!(send_as.kind_of(data));
        return state.pending.queue(kind, send_as.compress(), data, limit);
    };
    let sent = match send_as {
        // SPEC §3: text when the bytes are valid UTF-8 without NUL, binary otherwise.
        SendAs::Standard if data.contains(&0) => connection.send(MessageKind::Binary, data),
        SendAs::Standard => connection.send_text_or_binary(data),
        SendAs::Text(compress) => connection.send_with(MessageKind::Text, data, compress),
        SendAs::Binary(compress) => connection.send_with(MessageKind::Binary, data, compress),
        SendAs::Ping => connection.ping(data),
        SendAs::Fragment { kind, last } => connection.send_fragment(kind, data, last),
    };
    match sent {
        Ok(()) => WEBSOCKET_OK,
        Err(SendError::TooLarge) => WEBSOCKET_DATA_LENGTH_EXCEEDED,
        Err(SendError::QueueFull) => WEBSOCKET_QUEUE_LENGTH_EXCEEDED,
        Err(SendError::NotConnected) if compat::queues_after_end(send_as.is_standard()) => {
            let kind = try_code!(send_as.kind_of(data));
            state.pending.queue(kind, send_as.compress(), data, limit)
        }
        Err(SendError::NotConnected) => WEBSOCKET_NO_CONNECTION,
        Err(SendError::InvalidUtf8 | SendError::FragmentKindMismatch) => WEBSOCKET_PROTOCOL_ERROR,
        Err(SendError::NoMemory) => WEBSOCKET_SEND_NO_MEMORY,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_message_gets_the_type_its_function_gives() {
        let kind = |send_as: SendAs, data: &[u8]| send_as.kind_of(data);
        assert_eq!(kind(SendAs::Standard, b"text"), Ok(MessageKind::Text));
        assert_eq!(kind(SendAs::Standard, b"a\0b"), Ok(MessageKind::Binary));
        assert_eq!(kind(SendAs::Standard, b"\xff"), Ok(MessageKind::Binary));
        let auto = Compress::Auto;
        assert_eq!(kind(SendAs::Binary(auto), b"bin"), Ok(MessageKind::Binary));
        assert_eq!(kind(SendAs::Text(auto), b""), Ok(MessageKind::Text));
        assert_eq!(
            kind(SendAs::Text(auto), b"\xff"),
            Err(WEBSOCKET_PROTOCOL_ERROR)
        );
        assert_eq!(kind(SendAs::Ping, b"ping"), Err(WEBSOCKET_NO_CONNECTION));
        let fragment = SendAs::Fragment {
            kind: MessageKind::Binary,
            last: true,
        };
        assert_eq!(kind(fragment, b"piece"), Err(WEBSOCKET_NO_CONNECTION));
    }
}
