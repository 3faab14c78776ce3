//! What [`crate::WebSocket`] sends and receives: owned messages, one variant per kind of
//! frame an application sees.
use net_websocket_protocol::MessageKind;
use std::fmt;

/// A whole message or a control frame, owned.
///
/// ```
/// use net_websocket_client::{CloseFrame, Message};
///
/// assert_eq!(Message::text("hi"), Message::Text("hi".to_string()));
/// assert!(Message::binary(vec![1, 2, 3]).is_data());
/// let bye = Message::close(1000, "done");
/// assert_eq!(bye, Message::Close(Some(CloseFrame { code: 1000, reason: "done".into() })));
/// assert!(!bye.is_data());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message (UTF-8 is guaranteed by the type; received text was checked).
    Text(String),
    /// A binary message.
    Binary(Vec<u8>),
    /// A piece of a message sent or received in fragments (RFC 6455 §5.4).
    ///
    /// Received with `Options::receive_fragments`: every data message comes as its pieces as
    /// they arrive, never whole; text pieces are valid UTF-8 on their own (cut between
    /// characters). Sent: the piece `first` begins a message of `kind`, the others continue it
    /// (same `kind`), `last` ends it; a text piece must be UTF-8 on its own. Between the
    /// first and the last, only control frames may be sent. A received piece sent back as it
    /// is echoes the message.
    Fragment {
        /// Text or binary: the message's type.
        kind: MessageKind,
        /// The piece (may be empty).
        data: Vec<u8>,
        /// It begins the message.
        first: bool,
        /// It ends the message.
        last: bool,
    },
    /// A ping with up to 125 bytes. Received pings are answered by the library; sending one
    /// asks the server for a [`Message::Pong`].
    Ping(Vec<u8>),
    /// A pong with up to 125 bytes (received: the answer to a ping; sent: unsolicited, e.g.
    /// a heartbeat).
    Pong(Vec<u8>),
    /// A close frame. Received: the server's (our reply is sent by the library; the stream
    /// ends after it). Sent: starts the close handshake; `None` sends no status code.
    Close(Option<CloseFrame>),
}

/// The status code and reason of a close frame (RFC 6455 §7.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseFrame {
    /// 1000 for a normal close; see RFC 6455 §7.4.1 for the others.
    pub code: u16,
    /// Up to 123 bytes of UTF-8, often empty.
    pub reason: String,
}

impl Message {
    /// A text message.
    pub fn text(text: impl Into<String>) -> Message {
        Message::Text(text.into())
    }

    /// A binary message.
    pub fn binary(data: impl Into<Vec<u8>>) -> Message {
        Message::Binary(data.into())
    }

    /// A close frame with `code` and `reason`.
    pub fn close(code: u16, reason: impl Into<String>) -> Message {
        Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        }))
    }

    /// True for text and binary messages and their fragments (not control frames).
    pub fn is_data(&self) -> bool {
        matches!(
            self,
            Message::Text(_) | Message::Binary(_) | Message::Fragment { .. }
        )
    }
}

impl fmt::Display for CloseFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.reason.is_empty() {
            write!(f, "{}", self.code)
        } else {
            write!(f, "{} {}", self.code, self.reason)
        }
    }
}

/// A message or control frame borrowed, not owned: what [`crate::WebSocket::recv_ref`]
/// returns (a message that arrived in one frame lies where it was read: no copy, no
/// allocation) and what [`crate::WebSocket::feed_ref`] sends (copied once, into the output).
///
/// ```
/// use net_websocket_client::{Message, MessageRef};
///
/// let bytes = [1, 2, 3];
/// assert_eq!(MessageRef::Binary(&bytes).to_message(), Message::binary(vec![1, 2, 3]));
/// assert_eq!(Message::text("hi").as_message_ref(), MessageRef::Text("hi"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageRef<'a> {
    /// A text message.
    Text(&'a str),
    /// A binary message.
    Binary(&'a [u8]),
    /// A piece of a message in fragments (see [`Message::Fragment`]).
    Fragment {
        /// Text or binary: the message's type.
        kind: MessageKind,
        /// The piece (UTF-8 on its own for text).
        data: &'a [u8],
        /// It begins the message.
        first: bool,
        /// It ends the message.
        last: bool,
    },
    /// A ping (up to 125 bytes).
    Ping(&'a [u8]),
    /// A pong (up to 125 bytes).
    Pong(&'a [u8]),
    /// A close frame: the status code and reason, if it had them.
    Close(Option<(u16, &'a str)>),
}

impl MessageRef<'_> {
    /// An owned copy.
    pub fn to_message(&self) -> Message {
        match *self {
            MessageRef::Text(text) => Message::Text(text.to_owned()),
            MessageRef::Binary(data) => Message::Binary(data.to_vec()),
            MessageRef::Fragment {
                kind,
                data,
                first,
                last,
            } => Message::Fragment {
                kind,
                data: data.to_vec(),
                first,
                last,
            },
            MessageRef::Ping(data) => Message::Ping(data.to_vec()),
            MessageRef::Pong(data) => Message::Pong(data.to_vec()),
            MessageRef::Close(frame) => Message::Close(frame.map(|(code, reason)| CloseFrame {
                code,
                reason: reason.to_owned(),
            })),
        }
    }

    /// True for text and binary messages and their fragments (not control frames).
    pub fn is_data(&self) -> bool {
        matches!(
            self,
            MessageRef::Text(_) | MessageRef::Binary(_) | MessageRef::Fragment { .. }
        )
    }
}

impl Message {
    /// The message borrowed.
    pub fn as_message_ref(&self) -> MessageRef<'_> {
        match self {
            Message::Text(text) => MessageRef::Text(text),
            Message::Binary(data) => MessageRef::Binary(data),
            Message::Fragment {
                kind,
                data,
                first,
                last,
            } => MessageRef::Fragment {
                kind: *kind,
                data,
                first: *first,
                last: *last,
            },
            Message::Ping(data) => MessageRef::Ping(data),
            Message::Pong(data) => MessageRef::Pong(data),
            Message::Close(frame) => {
                MessageRef::Close(frame.as_ref().map(|f| (f.code, f.reason.as_str())))
            }
        }
    }
}
