//! Messages sent while a client has no connection to take them (SPEC §3, Send): before its
//! first Connect, or, under the OpenHarmony switch, after its connection ended. They wait here,
//! counted against the send-queue limit, and go to the next connection right after Connect
//! started it, in the order they were sent, ahead of anything sent later. The reference does
//! the same: its queue belongs to the client and is emptied after the next open.
use crate::api::SendAs;
use crate::codes::*;
use crate::entry::ClientEntry;
use net_websocket_client::{Connection, MessageKind};
use std::collections::VecDeque;

/// The client's messages waiting for a connection, and what the reference's Close answers
/// depend on.
#[derive(Default)]
pub(crate) struct Pending {
    messages: VecDeque<(MessageKind, Vec<u8>)>,
    /// The bytes of `messages`, for the send-queue limit and GetBufferedAmount.
    bytes: usize,
    /// A connection of this client opened once (recorded under the OpenHarmony switch only).
    pub(crate) opened: bool,
}

impl Pending {
    /// Keeps a copy of `data` for the next connection; `data` passed the size check already.
    /// The message type is chosen now, by the rules of the send function (SPEC §3); pings
    /// need a connection (1017).
    pub(crate) fn queue(&mut self, data: &[u8], send_as: &SendAs, queue_limit: usize) -> i32 {
        let kind = match send_as {
            SendAs::Ping => return WEBSOCKET_NO_CONNECTION,
            SendAs::Binary => MessageKind::Binary,
            SendAs::Text if simdutf8::basic::from_utf8(data).is_err() => {
                return WEBSOCKET_PROTOCOL_ERROR
            }
            SendAs::Text => MessageKind::Text,
            SendAs::Standard if data.contains(&0) => MessageKind::Binary,
            SendAs::Standard if simdutf8::basic::from_utf8(data).is_err() => MessageKind::Binary,
            SendAs::Standard => MessageKind::Text,
        };
        if self.bytes.saturating_add(data.len()) > queue_limit {
            return WEBSOCKET_QUEUE_LENGTH_EXCEEDED;
        }
        let mut copy = Vec::new();
        if copy.try_reserve_exact(data.len()).is_err() {
            return WEBSOCKET_SEND_NO_MEMORY;
        }
        copy.extend_from_slice(data);
        self.bytes += data.len();
        self.messages.push_back((kind, copy));
        WEBSOCKET_OK
    }

    /// The bytes waiting here.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    /// Hands every waiting message to `connection`, just started, in order. They fit its
    /// queue: it is empty and they were counted against the same limit, unless a setter
    /// lowered a limit since; a message the connection then refuses is dropped.
    pub(crate) fn hand_to(&mut self, connection: &Connection) {
        for (kind, data) in self.messages.drain(..) {
            let _ = connection.send(kind, &data);
        }
        self.bytes = 0;
    }
}

/// Records that a connection of `entry` opened, before its onOpen runs (so a Close from inside
/// onOpen sees it).
pub(crate) fn note_open(entry: &ClientEntry) {
    entry.state().pending.opened = true;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(pending: &Pending) -> Vec<MessageKind> {
        pending.messages.iter().map(|(kind, _)| *kind).collect()
    }

    #[test]
    fn types_follow_the_send_function_and_the_order_is_kept() {
        let mut pending = Pending::default();
        assert_eq!(pending.queue(b"text", &SendAs::Standard, 100), WEBSOCKET_OK);
        assert_eq!(pending.queue(b"a\0b", &SendAs::Standard, 100), WEBSOCKET_OK);
        assert_eq!(pending.queue(b"\xff", &SendAs::Standard, 100), WEBSOCKET_OK);
        assert_eq!(pending.queue(b"bin", &SendAs::Binary, 100), WEBSOCKET_OK);
        assert_eq!(pending.queue(b"", &SendAs::Text, 100), WEBSOCKET_OK);
        assert_eq!(
            kinds(&pending),
            [
                MessageKind::Text,
                MessageKind::Binary,
                MessageKind::Binary,
                MessageKind::Binary,
                MessageKind::Text
            ]
        );
        assert_eq!(pending.bytes(), 4 + 3 + 1 + 3);
    }

    #[test]
    fn refusals_queue_nothing() {
        let mut pending = Pending::default();
        assert_eq!(
            pending.queue(b"\xff", &SendAs::Text, 100),
            WEBSOCKET_PROTOCOL_ERROR
        );
        assert_eq!(
            pending.queue(b"ping", &SendAs::Ping, 100),
            WEBSOCKET_NO_CONNECTION
        );
        assert_eq!(pending.queue(b"123456", &SendAs::Binary, 10), WEBSOCKET_OK);
        assert_eq!(
            pending.queue(b"12345", &SendAs::Binary, 10),
            WEBSOCKET_QUEUE_LENGTH_EXCEEDED
        );
        assert_eq!(pending.queue(b"1234", &SendAs::Binary, 10), WEBSOCKET_OK);
        assert_eq!(pending.bytes(), 10);
        assert_eq!(pending.messages.len(), 2);
    }
}
