//! The connection state machine after the opening handshake: bytes in → events out,
//! calls in → bytes out (RFC 6455 §5–§8, RFC 7692 §6).
use crate::close::{self, is_valid_wire_code, MAX_REASON_LEN};
use crate::deflate::{Compress, Compressor, Decompressor, DeflateParams, Effort};
use crate::error::{ProtocolError, SendError};
use crate::frame::{FrameNote, Opcode, MAX_CONTROL_PAYLOAD};
use crate::reader::{Control, Incoming, Reader};
use crate::writer::Writer;
use crate::{Entropy, MaskedMessage, Utf8Text};
use std::io::IoSlice;

/// Which end of the connection we are: the client masks what it sends and requires unmasked
/// frames; the server the reverse (RFC 6455 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The product: masks its frames, accepts only unmasked ones.
    Client,
    /// For our own tests, demo and benchmarks.
    Server,
}

/// How data is received and sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Largest message accepted, after reassembly and decompression (default 1 GiB). A larger
    /// one fails the connection with 1009 before more than this is buffered. Not in fragment
    /// mode, which buffers no message.
    pub max_message_size: usize,
    /// Fragment mode: data messages are delivered in pieces as they arrive
    /// ([`Event::Fragment`]), never whole, so no message is held in memory (off by default).
    pub fragments: bool,
    /// The most payload bytes a frame we send carries (default 1 MiB, at least 1 KiB): longer
    /// messages go out in several frames, so a control frame never waits longer than one.
    pub max_frame_size: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_message_size: 1 << 30,
            fragments: false,
            max_frame_size: crate::writer::DEFAULT_MAX_FRAME,
        }
    }
}

/// Kind of a data message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// UTF-8 text (opcode 0x1).
    Text,
    /// Arbitrary bytes (opcode 0x2).
    Binary,
}

/// Where the close handshake stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Data flows both ways.
    Open,
    /// We sent a close frame and wait for the peer's.
    Closing,
    /// Close frames went both ways, or the connection failed, or EOF arrived.
    Closed,
}

/// A received message's bytes, followed by a 0 byte that is not part of it (so that C
/// callers may use text as a C string). It lies in the connection's buffers: valid until the
/// next `poll_event`, and the caller may change the bytes meanwhile.
#[derive(Debug, PartialEq, Eq)]
pub struct MessageData<'a> {
    with_nul: &'a mut [u8],
}

impl MessageData<'_> {
    /// The message and its terminating 0.
    pub fn with_nul(&mut self) -> &mut [u8] {
        self.with_nul
    }
}

impl<'a> MessageData<'a> {
    /// The message (without the 0), for as long as the connection lends it.
    pub fn into_slice(self) -> &'a [u8] {
        let with_nul: &'a [u8] = self.with_nul;
        &with_nul[..with_nul.len() - 1]
    }
}

impl std::ops::Deref for MessageData<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.with_nul[..self.with_nul.len() - 1]
    }
}

impl std::ops::DerefMut for MessageData<'_> {
    fn deref_mut(&mut self) -> &mut [u8] {
        let len = self.with_nul.len() - 1;
        &mut self.with_nul[..len]
    }
}

/// Something the peer did.
#[derive(Debug, PartialEq, Eq)]
pub enum Event<'a> {
    /// A whole message (reassembled, decompressed, UTF-8 checked for text). A message that
    /// came in one uncompressed frame lies where it was read: it was not copied.
    Message {
        /// Text or binary, from the first frame's opcode.
        kind: MessageKind,
        /// The payload, valid until the next call on the connection.
        data: MessageData<'a>,
    },
    /// In fragment mode ([`Config::fragments`]), a piece of a data message as it arrived
    /// (inflated, and for text a run of whole characters, valid UTF-8 on its own), followed by
    /// a 0 byte like [`Event::Message`]'s data. `first` on the message's first piece, `last`
    /// on its last (which may be empty); a message of several empty frames gives one piece.
    Fragment {
        /// Text or binary, from the first frame's opcode.
        kind: MessageKind,
        /// The piece, valid until the next call on the connection.
        data: MessageData<'a>,
        /// The message's first piece.
        first: bool,
        /// The message's last piece.
        last: bool,
    },
    /// A ping; the pong is already queued.
    Ping(&'a [u8]),
    /// A pong.
    Pong(&'a [u8]),
    /// The peer's close frame. If we had not sent one, the reply (echoing code and reason) is already
    /// queued. `code` is None for an empty close payload (report it as 1005).
    Close {
        /// The status code, if the payload had one.
        code: Option<u16>,
        /// The reason (UTF-8, checked), empty when none was given.
        reason: &'a str,
    },
    /// The peer broke the protocol or a limit: a close frame with `error.close_code()` is
    /// queued, and no further event follows.
    Failed(ProtocolError),
}

/// The close handshake as far as it went (RFC 6455 §7).
#[derive(Debug, Clone, Copy, Default)]
struct Closing {
    /// We queued a close frame.
    sent: bool,
    /// The peer's close frame arrived.
    received: bool,
    /// We failed the connection.
    failed: bool,
    /// The transport reached EOF.
    eof: bool,
}

impl Closing {
    fn state(self) -> State {
        if self.failed || self.eof || self.received {
            State::Closed
        } else if self.sent {
            State::Closing
        } else {
            State::Open
        }
    }

    /// Nothing more is read after a failure or the peer's close (§5.5.1: the peer "MUST NOT
    /// send any more data frames" after its close).
    fn stops_reading(self) -> bool {
        self.failed || self.received
    }

    /// Whether we may still put a frame on the wire on our own: not after our close frame, and
    /// not once the connection is closed.
    fn may_send(self) -> bool {
        self.state() == State::Open
    }

    fn check_send(self) -> Result<(), SendError> {
        if self.state() == State::Closed {
            Err(SendError::Closed)
        } else if self.sent {
            Err(SendError::AlreadyClosing)
        } else {
            Ok(())
        }
    }
}

/// One WebSocket connection's protocol state.
pub struct Protocol {
    reader: Reader,
    writer: Writer,
    closing: Closing,
    /// What [`Protocol::has_event`] parsed ahead, returned by the next `poll_event`.
    peeked: Option<Result<Incoming, ProtocolError>>,
    /// Frame bytes written to and read from the transport.
    bytes_sent: u64,
    bytes_received: u64,
}

/// What crossed the transport on one connection, as the protocol counts it: frame bytes
/// (headers, masks, payloads; control frames included) and data frames (continuations
/// included, control frames not). Plain counts, for the caller to publish.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    /// Bytes of frames marked written ([`Protocol::consume_output`]).
    pub bytes_sent: u64,
    /// Bytes of frames taken in ([`Protocol::commit_read`], [`Protocol::receive_data`]).
    pub bytes_received: u64,
    /// Data frames encoded.
    pub frames_sent: u64,
    /// Data frame headers parsed.
    pub frames_received: u64,
}

impl std::fmt::Debug for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Protocol")
            .field("state", &self.state())
            .field("pending_output", &self.pending_output_len())
            .finish_non_exhaustive()
    }
}

impl Protocol {
    /// A connection whose opening handshake succeeded. `deflate`: the negotiated
    /// permessage-deflate parameters, if any. `entropy`: masking keys (client role).
    pub fn new(
        role: Role,
        config: Config,
        deflate: Option<DeflateParams>,
        entropy: Entropy,
    ) -> Self {
        // RFC 7692 §7.1: each side's window and context takeover parameters bind the sender
        // they name; we compress as our role and inflate what the peer's role sends.
        let (inflater, compressor) = match deflate {
            None => (None, None),
            Some(p) => {
                let (ours, theirs_no_context) = match role {
                    Role::Client => (
                        (p.client_max_window_bits, p.client_no_context_takeover),
                        p.server_no_context_takeover,
                    ),
                    Role::Server => (
                        (p.server_max_window_bits, p.server_no_context_takeover),
                        p.client_no_context_takeover,
                    ),
                };
                (
                    Some(Box::new(Decompressor::new(theirs_no_context))),
                    Some(Box::new(Compressor::new(
                        ours.0,
                        ours.1,
                        p.min_compress_size,
                        Effort {
                            level: p.level,
                            mem_level: p.mem_level,
                        },
                    ))),
                )
            }
        };
        let mut writer = Writer::new(role, entropy, compressor);
        writer.set_max_frame(config.max_frame_size);
        Protocol {
            reader: Reader::new(role, config.max_message_size, inflater, config.fragments),
            writer,
            closing: Closing::default(),
            peeked: None,
            bytes_sent: 0,
            bytes_received: 0,
        }
    }

    /// Bytes read from the transport elsewhere (they are copied in). Call
    /// [`Protocol::poll_event`] afterwards. Reading into [`Protocol::read_space`] saves
    /// the copy.
    ///
    /// Ignored after a failure, after the peer's close frame (§1.4: data after it is not
    /// processed) and after EOF.
    pub fn receive_data(&mut self, data: &[u8]) {
        if self.takes_input() {
            self.keep_peeked();
            self.bytes_received += data.len() as u64;
            self.reader.push(data);
        }
    }

    /// What [`Protocol::has_event`] parsed ahead must survive more input.
    fn keep_peeked(&mut self) {
        if let Some(Ok(incoming)) = &mut self.peeked {
            self.reader.detach(incoming);
        }
    }

    /// Room to read the transport into (zeroed or stale bytes, never less than 4 KiB), the
    /// connection's own buffer. Then [`Protocol::commit_read`] with the number of bytes read,
    /// and [`Protocol::poll_event`].
    pub fn read_space(&mut self) -> &mut [u8] {
        self.keep_peeked();
        self.reader.read_space()
    }

    /// `n` bytes were read into the start of [`Protocol::read_space`].
    pub fn commit_read(&mut self, n: usize) {
        if self.takes_input() {
            self.bytes_received += n as u64;
            self.reader.commit(n);
        }
    }

    /// The input buffer while it holds no unparsed bytes (after the events were polled), so
    /// that an idle connection keeps none: hand it to another connection's
    /// [`Protocol::give_read_buffer`], or free it (one that grew for a large message). None
    /// while bytes wait.
    pub fn take_idle_read_buffer(&mut self) -> Option<Vec<u8>> {
        self.keep_peeked();
        self.reader.take_idle_buffer()
    }

    /// A buffer for reading (at least 4 KiB, zeroed or stale), used while the connection has
    /// none; otherwise it is given back.
    pub fn give_read_buffer(&mut self, buffer: Vec<u8>) -> Option<Vec<u8>> {
        self.reader.give_buffer(buffer)
    }

    /// Whether the connection holds a read buffer (else [`Protocol::read_space`] makes one).
    pub fn has_read_buffer(&self) -> bool {
        self.reader.has_buffer()
    }

    /// The size of the read buffer (0 when there is none): it grows for large messages.
    pub fn read_buffer_len(&self) -> usize {
        self.reader.buffer_len()
    }

    /// Whether buffers that grew past 64 KiB for a large message (one assembled from
    /// fragments or inflated, the output a message was copied into) sit unused now:
    /// [`Protocol::release_idle_buffers`] would free them. The read buffer is the caller's to
    /// take ([`Protocol::take_idle_read_buffer`]).
    pub fn holds_large_idle_buffers(&self) -> bool {
        (self.peeked.is_none() && self.reader.holds_large_idle_buffers())
            || self.writer.holds_large_idle_buffer()
    }

    /// Frees the buffers [`Protocol::holds_large_idle_buffers`] names, for a connection that
    /// went quiet after large messages; they grow again when the next one comes.
    pub fn release_idle_buffers(&mut self) {
        if self.peeked.is_none() {
            self.reader.release_idle_buffers();
        }
        self.writer.release_idle_buffer();
    }

    /// Whether received bytes wait in the read buffer for the rest of their frame: then
    /// [`Protocol::take_idle_read_buffer`] returns None until more arrives.
    pub fn holds_partial_input(&self) -> bool {
        self.reader.holds_input()
    }

    fn takes_input(&self) -> bool {
        !self.closing.stops_reading() && !self.closing.eof
    }

    /// The transport reached EOF. The state becomes Closed; if that was not after the close
    /// handshake, the caller treats it as an abnormal closure (1006).
    ///
    /// Events already buffered are still returned by [`Protocol::poll_event`], but nothing
    /// more is sent (no pong, no close reply).
    pub fn receive_eof(&mut self) {
        self.closing.eof = true;
    }

    /// The next event from the data received so far, or None until more arrives.
    pub fn poll_event(&mut self) -> Option<Event<'_>> {
        let Protocol {
            reader,
            writer,
            closing,
            peeked,
            ..
        } = self;
        if closing.stops_reading() {
            return None;
        }
        let next = match peeked.take() {
            Some(parsed) => parsed.map(Some),
            None => reader.next(),
        };
        match next {
            Ok(None) => None,
            Err(error) => Some(fail(writer, closing, error)),
            Ok(Some(Incoming::Message(kind, place))) => Some(Event::Message {
                kind,
                data: MessageData {
                    with_nul: reader.message(&place),
                },
            }),
            Ok(Some(Incoming::Piece {
                kind,
                first,
                last,
                place,
            })) => Some(Event::Fragment {
                kind,
                data: MessageData {
                    with_nul: reader.message(&place),
                },
                first,
                last,
            }),
            Ok(Some(Incoming::Control(control, place))) => {
                let payload = reader.payload(&place);
                Some(on_control(writer, closing, control, payload))
            }
        }
    }

    /// Whether [`Protocol::poll_event`] would return an event now: parses ahead as far as
    /// needed and keeps the result for it. Lets a caller skip costly preparation (e.g. leaving
    /// its async worker before calling user code) when only part of a frame has arrived.
    pub fn has_event(&mut self) -> bool {
        if self.closing.stops_reading() {
            return false;
        }
        if self.peeked.is_none() {
            self.peeked = self.reader.next().transpose();
        }
        self.peeked.is_some()
    }

    /// Whether the event [`Protocol::poll_event`] would return now is a message or a piece of
    /// one (not a control frame or a failure): lets a caller take data borrowed and the rest
    /// by another path.
    pub fn next_is_data(&mut self) -> bool {
        self.has_event()
            && matches!(
                self.peeked,
                Some(Ok(Incoming::Message(..) | Incoming::Piece { .. }))
            )
    }

    /// Whether the message (or piece) [`Protocol::poll_event`] returned last arrived
    /// compressed: RSV1 on its first frame (RFC 7692 §6.1). For servers and tests that check
    /// what a peer compressed.
    pub fn message_was_compressed(&self) -> bool {
        self.reader.last_compressed()
    }

    /// Queues a text message.
    pub fn send_text(&mut self, data: &str) -> Result<(), SendError> {
        self.check_message()?;
        self.writer
            .message(Opcode::Text, data.as_bytes(), Compress::Auto);
        Ok(())
    }

    /// Queues a text message checked when it was made.
    pub fn send_utf8(&mut self, text: &Utf8Text) -> Result<(), SendError> {
        self.check_message()?;
        self.writer
            .message(Opcode::Text, text.as_bytes(), Compress::Auto);
        Ok(())
    }

    /// Queues a binary message.
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), SendError> {
        self.check_message()?;
        self.writer.message(Opcode::Binary, data, Compress::Auto);
        Ok(())
    }

    /// Queues a binary message from a buffer the connection takes: from 16 KiB on (and
    /// without compression) it is masked and written where it lies, not copied. The buffer
    /// comes back through [`Protocol::take_written_buffer`].
    pub fn send_binary_owned(&mut self, data: Vec<u8>) -> Result<(), SendError> {
        self.send_owned(Opcode::Binary, data, Compress::Auto)
    }

    /// Queues a checked text message from its own buffer, as [`Protocol::send_binary_owned`].
    pub fn send_utf8_owned(&mut self, text: Utf8Text) -> Result<(), SendError> {
        self.send_owned(Opcode::Text, text.into_bytes(), Compress::Auto)
    }

    /// [`Protocol::send_binary_owned`] with a choice of compression: [`Compress::Never`]
    /// sends it uncompressed even when permessage-deflate was negotiated.
    pub fn send_binary_owned_with(
        &mut self,
        data: Vec<u8>,
        compress: Compress,
    ) -> Result<(), SendError> {
        self.send_owned(Opcode::Binary, data, compress)
    }

    /// [`Protocol::send_utf8_owned`] with a choice of compression.
    pub fn send_utf8_owned_with(
        &mut self,
        text: Utf8Text,
        compress: Compress,
    ) -> Result<(), SendError> {
        self.send_owned(Opcode::Text, text.into_bytes(), compress)
    }

    /// Queues a whole message masked while it was copied ([`MaskedMessage`]): a client
    /// writes it as it is. `compress` as in [`Protocol::send_binary_owned_with`]; a message
    /// that will be compressed is unmasked first (a sender that offers permessage-deflate
    /// gains nothing from masking ahead). The buffer comes back through
    /// [`Protocol::take_written_buffer`].
    pub fn send_masked(
        &mut self,
        message: MaskedMessage,
        compress: Compress,
    ) -> Result<(), SendError> {
        if let Err(error) = self.check_owned_send() {
            self.writer.give_back(message.into_buffer());
            return Err(error);
        }
        self.writer.message_masked(message, compress);
        Ok(())
    }

    /// Why a message given with its buffer cannot be sent now, if it cannot.
    fn check_owned_send(&self) -> Result<(), SendError> {
        self.closing.check_send()?;
        // §5.4: no message may begin inside another.
        match self.writer.fragmented_opcode() {
            Some(_) => Err(SendError::FragmentedMessageOpen),
            None => Ok(()),
        }
    }

    fn send_owned(
        &mut self,
        opcode: Opcode,
        data: Vec<u8>,
        compress: Compress,
    ) -> Result<(), SendError> {
        if let Err(error) = self.check_owned_send() {
            self.writer.give_back(data);
            return Err(error);
        }
        self.writer.message_owned(opcode, data, compress);
        Ok(())
    }

    /// Queues one fragment of a text message from its own buffer (RFC 6455 §5.4): `first`
    /// begins the message, `last` ends it; text is checked piece by piece when made (each
    /// piece valid UTF-8 on its own). See [`Protocol::send_binary_fragment`].
    pub fn send_text_fragment(
        &mut self,
        text: Utf8Text,
        first: bool,
        last: bool,
    ) -> Result<(), SendError> {
        self.send_fragment(Opcode::Text, text.into_bytes(), first, last)
    }

    /// Queues one fragment of a binary message from its own buffer: `first` begins the
    /// message (refused while another is open), a later one continues it (refused when none
    /// is), `last` ends it. The fragment goes out in one frame, or several of at most
    /// [`Config::max_frame_size`]; with permessage-deflate the message is compressed as one
    /// stream. Control frames may go out between fragments; other messages may not (§5.4).
    /// The buffer comes back through [`Protocol::take_written_buffer`].
    pub fn send_binary_fragment(
        &mut self,
        data: Vec<u8>,
        first: bool,
        last: bool,
    ) -> Result<(), SendError> {
        self.send_fragment(Opcode::Binary, data, first, last)
    }

    /// Queues one fragment masked ahead, as [`Protocol::send_binary_fragment`] (or the text
    /// one, as the piece is): a large piece of an uncompressed message is written as it is
    /// (see [`MaskedMessage`]); otherwise it is unmasked first. The buffer comes back through
    /// [`Protocol::take_written_buffer`], also when the piece is refused.
    pub fn send_masked_fragment(
        &mut self,
        piece: MaskedMessage,
        first: bool,
        last: bool,
    ) -> Result<(), SendError> {
        if let Err(error) = self.check_fragment(piece.opcode(), first) {
            self.writer.give_back(piece.into_buffer());
            return Err(error);
        }
        self.writer.fragment_masked(piece, first, last);
        Ok(())
    }

    fn send_fragment(
        &mut self,
        opcode: Opcode,
        data: Vec<u8>,
        first: bool,
        last: bool,
    ) -> Result<(), SendError> {
        if let Err(error) = self.check_fragment(opcode, first) {
            self.writer.give_back(data);
            return Err(error);
        }
        self.writer.fragment(opcode, data, first, last);
        Ok(())
    }

    /// Why a fragment of an `opcode` message cannot be sent now, if it cannot: the first one
    /// may not begin inside another message, a later one must continue a message of its kind.
    fn check_fragment(&self, opcode: Opcode, first: bool) -> Result<(), SendError> {
        self.closing.check_send()?;
        match (first, self.writer.fragmented_opcode()) {
            (true, Some(_)) => Err(SendError::FragmentedMessageOpen),
            (false, None) => Err(SendError::NoFragmentedMessage),
            (false, Some(begun)) if begun != opcode => Err(SendError::FragmentKindMismatch),
            _ => Ok(()),
        }
    }

    /// Whether a message begun with a `send_*_fragment` call has not ended yet.
    pub fn in_fragmented_message(&self) -> bool {
        self.writer.fragmented_opcode().is_some()
    }

    /// The kind of the message begun with a `send_*_fragment` call and not ended yet, if any.
    pub fn fragmented_kind(&self) -> Option<MessageKind> {
        match self.writer.fragmented_opcode()? {
            Opcode::Text => Some(MessageKind::Text),
            _ => Some(MessageKind::Binary),
        }
    }

    /// A buffer given to a `send_*_owned` call that the connection is done with (written, or
    /// copied, or refused), for reuse.
    pub fn take_written_buffer(&mut self) -> Option<Vec<u8>> {
        self.writer.take_done()
    }

    /// A whole message may be queued now: the connection is open and no fragmented message is
    /// open (§5.4: messages are not interleaved).
    fn check_message(&self) -> Result<(), SendError> {
        self.closing.check_send()?;
        if self.writer.fragmented_opcode().is_some() {
            return Err(SendError::FragmentedMessageOpen);
        }
        Ok(())
    }

    /// Queues a ping (payload at most 125 bytes).
    pub fn send_ping(&mut self, payload: &[u8]) -> Result<(), SendError> {
        self.send_control(Opcode::Ping, payload)
    }

    /// Queues a pong (payload at most 125 bytes).
    pub fn send_pong(&mut self, payload: &[u8]) -> Result<(), SendError> {
        self.send_control(Opcode::Pong, payload)
    }

    fn send_control(&mut self, opcode: Opcode, payload: &[u8]) -> Result<(), SendError> {
        self.closing.check_send()?;
        // §5.5: "All control frames MUST have a payload length of 125 bytes or less".
        if payload.len() > MAX_CONTROL_PAYLOAD {
            return Err(SendError::ControlPayloadTooLong(payload.len()));
        }
        self.writer.control(opcode, payload);
        Ok(())
    }

    /// Starts the close handshake: queues a close frame. `code` None sends an empty payload
    /// (then `reason` must be empty: a reason without a code is refused as
    /// `InvalidCloseCode(1005)`). Refused for codes that may not be sent and reasons over
    /// 123 bytes. The state becomes Closing.
    pub fn send_close(&mut self, code: Option<u16>, reason: &str) -> Result<(), SendError> {
        self.closing.check_send()?;
        match code {
            Some(code) if !is_valid_wire_code(code) => {
                return Err(SendError::InvalidCloseCode(code));
            }
            // §5.5.1: a reason may only follow a status code.
            None if !reason.is_empty() => return Err(SendError::InvalidCloseCode(1005)),
            _ => {}
        }
        if reason.len() > MAX_REASON_LEN {
            return Err(SendError::ControlPayloadTooLong(reason.len()));
        }
        self.writer.close(code, reason, false);
        self.closing.sent = true;
        Ok(())
    }

    /// The first piece of the bytes waiting to be written to the transport (write it, then
    /// [`Protocol::consume_output`], then ask again): all of them unless a large message
    /// lies in its own buffer.
    pub fn pending_output(&self) -> &[u8] {
        self.writer.pending()
    }

    /// Every piece waiting to be written, in order, for a vectored write: fills `slices` and
    /// returns how many it filled (more may wait when they are all filled).
    pub fn pending_output_vectored<'a>(&'a self, slices: &mut [IoSlice<'a>]) -> usize {
        self.writer.pending_vectored(slices)
    }

    /// How many bytes wait to be written.
    pub fn pending_output_len(&self) -> usize {
        self.writer.pending_len()
    }

    /// Marks the next `n` bytes of the output (in the order of
    /// [`Protocol::pending_output_vectored`]) as written.
    pub fn consume_output(&mut self, n: usize) {
        self.bytes_sent += n as u64;
        self.writer.consume(n);
    }

    /// Keeps a note of every frame encoded and parsed from now on, for a trace (see
    /// [`Protocol::take_frame_notes`]).
    pub fn note_frames(&mut self) {
        self.writer.notes.get_or_insert_with(Vec::new);
        self.reader.notes.get_or_insert_with(Vec::new);
    }

    /// Whether frames are noted ([`Protocol::note_frames`]).
    pub fn notes_frames(&self) -> bool {
        self.writer.notes.is_some()
    }

    /// Hands the frames noted since the last call to `each`, those encoded (`sent` true)
    /// first, then those parsed.
    pub fn take_frame_notes(&mut self, mut each: impl FnMut(bool, FrameNote)) {
        for (sent, notes) in [
            (true, &mut self.writer.notes),
            (false, &mut self.reader.notes),
        ] {
            if let Some(notes) = notes {
                notes.drain(..).for_each(|note| each(sent, note));
            }
        }
    }

    /// What crossed the transport so far (see [`Tally`]).
    pub fn tally(&self) -> Tally {
        Tally {
            bytes_sent: self.bytes_sent,
            bytes_received: self.bytes_received,
            frames_sent: self.writer.data_frames,
            frames_received: self.reader.data_frames,
        }
    }

    /// Where the close handshake stands.
    pub fn state(&self) -> State {
        self.closing.state()
    }

    /// True once the close handshake completed or the connection failed: after writing the
    /// pending output, the server closes the transport; the client waits (bounded) for the
    /// server to close it (RFC 6455 §7.1.1). Also true after EOF. Same as
    /// `state() == State::Closed`.
    pub fn close_expected(&self) -> bool {
        self.closing.state() == State::Closed
    }
}

/// §7.1.7 "_Fail the WebSocket Connection_": send a close frame with the matching code unless
/// one was sent already, and process nothing more.
fn fail(writer: &mut Writer, closing: &mut Closing, error: ProtocolError) -> Event<'static> {
    if closing.may_send() {
        writer.close(Some(error.close_code()), "", true);
        closing.sent = true;
    }
    closing.failed = true;
    Event::Failed(error)
}

fn on_control<'a>(
    writer: &mut Writer,
    closing: &mut Closing,
    control: Control,
    payload: &'a [u8],
) -> Event<'a> {
    match control {
        Control::Ping => {
            // §5.5.2: "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in
            // response, unless it already received a Close frame", with "identical
            // "Application data"". We also stay silent once our own close is out.
            if closing.may_send() {
                writer.control(Opcode::Pong, payload);
            }
            Event::Ping(payload)
        }
        Control::Pong => Event::Pong(payload),
        Control::Close => match close::parse_payload(payload) {
            Err(error) => fail(writer, closing, error),
            Ok((code, reason)) => {
                // §5.5.1: "If an endpoint receives a Close frame and did not previously send a
                // Close frame, the endpoint MUST send a Close frame in response. ... typically
                // echos the status code it received." We echo the reason too, as
                // python-websockets does, so the peer sees its own words come back.
                if closing.may_send() {
                    writer.close(code, reason, true);
                    closing.sent = true;
                }
                closing.received = true;
                Event::Close { code, reason }
            }
        },
    }
}

#[cfg(test)]
mod tests;
