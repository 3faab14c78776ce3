//! Messages sent while a client has no connection to take them (SPEC §3, Send): before its
//! first Connect, or, under the OpenHarmony switch, after its connection ended. They wait here,
//! counted against the send-queue limit, and go to the next connection right after Connect
//! started it, in the order they were sent, ahead of anything sent later. The reference does
//! the same: its queue belongs to the client and is emptied after the next open.
use crate::codes::*;
use net_websocket_client::{Compress, Connection, MessageKind};
use std::collections::VecDeque;

/// The client's messages waiting for a connection, and what the reference's Close answers
/// depend on.
#[derive(Default)]
pub(crate) struct Pending {
    messages: VecDeque<(MessageKind, Compress, Vec<u8>)>,
    /// The bytes of `messages`, for the send-queue limit and GetBufferedAmount.
    bytes: usize,
    /// A connection of this client opened once (recorded under the OpenHarmony switch only).
    pub(crate) opened: bool,
}

impl Pending {
    /// Keeps a copy of `data` for the next connection as a message of `kind` (chosen by the
    /// send function's rules); `data` passed the size check already.
    pub(crate) fn queue(
        &mut self,
        kind: MessageKind,
        compress: Compress,
        data: &[u8],
        queue_limit: usize,
    ) -> i32 {
        if self.bytes.saturating_add(data.len()) > queue_limit {
            return WEBSOCKET_QUEUE_LENGTH_EXCEEDED;
        }
        let mut copy = Vec::new();
        if copy.try_reserve_exact(data.len()).is_err() {
            return WEBSOCKET_SEND_NO_MEMORY;
        }
        copy.extend_from_slice(data);
        self.bytes += data.len();
        self.messages.push_back((kind, compress, copy));
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
        for (kind, compress, data) in self.messages.drain(..) {
            let _ = connection.send_with(kind, &data, compress);
        }
        self.bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_wait_in_order_within_the_limit() {
        let mut pending = Pending::default();
        assert_eq!(
            pending.queue(MessageKind::Text, Compress::Auto, b"123456", 10),
            WEBSOCKET_OK
        );
        assert_eq!(
            pending.queue(MessageKind::Binary, Compress::Never, b"12345", 10),
            WEBSOCKET_QUEUE_LENGTH_EXCEEDED
        );
        assert_eq!(
            pending.queue(MessageKind::Binary, Compress::Never, b"1234", 10),
            WEBSOCKET_OK
        );
        assert_eq!(pending.bytes(), 10);
        let kinds: Vec<(MessageKind, Compress)> =
            pending.messages.iter().map(|(k, c, _)| (*k, *c)).collect();
        assert_eq!(
            kinds,
            [
                (MessageKind::Text, Compress::Auto),
                (MessageKind::Binary, Compress::Never)
            ]
        );
    }
}
