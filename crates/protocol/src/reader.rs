//! The receiving half: bytes → frames → whole messages and control frames (RFC 6455 §5,
//! RFC 7692 §6.2), or, in fragment mode, data messages in pieces as they arrive.
//!
//! The caller reads from the transport straight into the reader's buffer
//! ([`Reader::read_space`], [`Reader::commit`]). A message that arrives in one uncompressed
//! frame is delivered where it lies, in that buffer: between the transport and the caller it
//! is not copied. Fragmented and compressed messages are assembled in a second buffer.
//!
//! Memory grows only with bytes that arrived: the buffer grows when it is full (or holds the
//! start of a frame longer than it), at most to twice what it holds; a frame header's length
//! is checked against the limit, never used to allocate. The caller may take the buffer away
//! whenever it holds nothing (to pool small ones and free large ones).
//!
//! In fragment mode a data message is delivered in pieces: what each read brings of a frame's
//! payload (inflated, with permessage-deflate, in pieces of at most [`PIECE_MAX`] bytes), so
//! the buffers stay at their base size whatever the message's size. Text pieces end on a
//! character boundary: the bytes of a character cut by the read wait for the next piece, so
//! every piece is valid UTF-8 on its own.
use crate::connection::{MessageKind, Role};
use crate::deflate::Decompressor;
use crate::error::ProtocolError;
use crate::frame::{FrameHeader, FrameNote, Opcode};
use crate::mask::{apply_mask, mask_into};
use crate::utf8::Utf8Validator;
use std::ops::Range;

/// The most inflated bytes one piece holds in fragment mode.
pub(crate) const PIECE_MAX: usize = 64 * 1024;
/// Room a message's last frame leaves in its pieces for the output of the flush tail appended
/// at its end (RFC 7692 §7.2.2): its 32 bits, after fewer than 48 bits zlib could not decode
/// yet, make at most 40 length/distance pairs of at least 2 bits, 258 bytes each (10,320).
const TAIL_ROOM: usize = 16 * 1024;

/// What [`Reader::next`] found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Incoming {
    /// A whole message; its bytes are [`Reader::message`] of the place.
    Message(MessageKind, Place),
    /// In fragment mode, a piece of a data message (its bytes are [`Reader::message`] of the
    /// place): the message's first piece, its last.
    Piece {
        kind: MessageKind,
        first: bool,
        last: bool,
        place: Place,
    },
    /// A control frame; its unmasked payload is [`Reader::payload`] of the place.
    Control(Control, Place),
}

/// Where delivered bytes lie (a message with the 0 byte after it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Place {
    /// In the input buffer, as received (a control frame, or a message in one uncompressed
    /// frame).
    Input(Range<usize>),
    /// In the assembly buffer (fragments, or inflated).
    Assembled,
    /// Moved aside by [`Reader::detach`].
    Detached,
}

/// The control frames (RFC 6455 §5.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Control {
    Close,
    Ping,
    Pong,
}

impl Control {
    fn from_opcode(opcode: Opcode) -> Option<Control> {
        match opcode {
            Opcode::Close => Some(Control::Close),
            Opcode::Ping => Some(Control::Ping),
            Opcode::Pong => Some(Control::Pong),
            Opcode::Continuation | Opcode::Text | Opcode::Binary => None,
        }
    }
}

/// A data message begun by a frame without FIN (RFC 6455 §5.4).
#[derive(Debug, Clone, Copy)]
struct Fragmented {
    kind: MessageKind,
    compressed: bool,
}

/// A data frame whose payload goes to the assembly buffer as it arrives.
#[derive(Debug, Clone, Copy)]
struct DataFrame {
    message: Fragmented,
    fin: bool,
    remaining: u64,
    mask: Option<[u8; 4]>,
    /// Position in the payload modulo 4: where the masking key continues.
    phase: usize,
}

/// An unfragmented, uncompressed data frame arriving in the input buffer.
#[derive(Debug, Clone, Copy)]
struct InPlaceFrame {
    kind: MessageKind,
    mask: Option<[u8; 4]>,
    header_len: usize,
    /// Header and payload.
    total: usize,
    /// Payload bytes already unmasked and, for text, validated: a text frame fails at its
    /// first bad byte, before the rest arrives (RFC 6455 §8.1 "fail fast").
    prepared: usize,
}

/// What the last delivery changed, undone at the next call.
#[derive(Debug, Clone, Copy)]
enum Delivered {
    /// Nothing delivered since.
    Nothing,
    /// The assembled message (its terminator pushed): clear it.
    Assembled,
    /// A piece (its terminator pushed): clear it, and put back the start of a character it
    /// left for the next piece.
    Piece,
    /// Bytes moved aside: clear them.
    Detached,
    /// A message in place: the byte at this index was replaced by the terminator.
    InPlace { index: usize, byte: u8 },
}

/// Capacity a buffer kept between messages may have after the connection went quiet: one
/// grown past it for a large message is freed then (see `Protocol::release_idle_buffers`).
pub(crate) const IDLE_BUFFER_MAX: usize = 64 * 1024;

pub(crate) struct Reader {
    role: Role,
    max_message_size: usize,
    /// Present when permessage-deflate was negotiated (boxed: a connection without it keeps
    /// a pointer, not the inflater's fields).
    inflater: Option<Box<Decompressor>>,
    /// Input: `buf[start..filled]` is received and not parsed yet; `buf[filled..]` is room
    /// for the next read (its last byte is never handed out: a message ending at `filled` has
    /// room for its terminator).
    buf: Vec<u8>,
    start: usize,
    filled: usize,
    /// The frame begun at `start` that will be delivered in place, while its payload is not
    /// all here yet.
    awaiting: Option<InPlaceFrame>,
    frame: Option<DataFrame>,
    /// The message being assembled (§5.4, or inflated), or the one last returned.
    message: Vec<u8>,
    fragmented: Option<Fragmented>,
    /// A delivery moved out of the input buffer (see [`Reader::detach`]).
    detached: Vec<u8>,
    delivered: Delivered,
    utf8: Utf8Validator,
    /// `message[..utf8_checked]` went through the validator.
    utf8_checked: usize,
    /// Fragment mode: data messages are delivered in pieces.
    pieces: bool,
    /// Fragment mode: a piece of the current message was delivered already.
    message_started: bool,
    /// The data message begun last had RSV1 set (RFC 7692 §6.1: it was compressed).
    last_compressed: bool,
    /// Fragment mode: the start of a character cut at the end of the last piece.
    carried: [u8; 4],
    carried_len: usize,
    /// Fragment mode: zlib holds more output for input it consumed.
    inflating: bool,
    /// Data frame headers parsed (continuations included, control frames not): statistics.
    pub(crate) data_frames: u64,
    /// Every frame parsed, while a trace asks for them.
    pub(crate) notes: Option<Vec<FrameNote>>,
}

impl Reader {
    /// Room a read is offered at least: the buffer grows when less is left.
    const MIN_READ: usize = 4 * 1024;
    /// Frames from this size on (header and payload) are read up to their end and no further
    /// (see [`Reader::read_space`]): at most one more read per frame, where moving what was
    /// read past it would cost more.
    const READ_TO_END_MIN: usize = 16 * 1024;

    /// `pieces`: fragment mode (data messages delivered in pieces; `max_message_size` does not
    /// apply).
    pub(crate) fn new(
        role: Role,
        max_message_size: usize,
        inflater: Option<Box<Decompressor>>,
        pieces: bool,
    ) -> Self {
        Reader {
            role,
            max_message_size,
            inflater,
            buf: Vec::new(),
            start: 0,
            filled: 0,
            awaiting: None,
            frame: None,
            message: Vec::new(),
            fragmented: None,
            detached: Vec::new(),
            delivered: Delivered::Nothing,
            utf8: Utf8Validator::new(),
            utf8_checked: 0,
            pieces,
            message_started: false,
            last_compressed: false,
            carried: [0; 4],
            carried_len: 0,
            inflating: false,
            data_frames: 0,
            notes: None,
        }
    }

    /// Room to read into, after the bytes held: at least [`Reader::MIN_READ`], more when a
    /// frame begun in the buffer needs it. Call [`Reader::commit`] with what was read.
    pub(crate) fn read_space(&mut self) -> &mut [u8] {
        self.restore_terminated_byte();
        // For the rest of a frame, room up to as much as is held: the buffer at most doubles
        // per read, whatever length the frame announced.
        let held = self.filled - self.start;
        let missing = self.awaiting.map_or(0, |f| f.total.saturating_sub(held));
        let need = missing.min(held).max(Self::MIN_READ);
        self.make_room(need);
        let mut end = self.buf.len() - 1;
        // The rest of a large frame is read up to its end and no further: the next frame then
        // starts in an empty buffer, where a read past the end would leave its beginning to
        // be moved to the front to make room (a copy of up to a frame, per frame).
        if missing > 0
            && self
                .awaiting
                .is_some_and(|f| f.total >= Self::READ_TO_END_MIN)
        {
            end = end.min(self.filled + missing);
        }
        &mut self.buf[self.filled..end]
    }

    /// `n` bytes were read into the start of [`Reader::read_space`].
    pub(crate) fn commit(&mut self, n: usize) {
        self.filled = (self.filled + n).min(self.buf.len().saturating_sub(1));
    }

    /// Takes bytes that were read elsewhere (one copy into the buffer).
    pub(crate) fn push(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            self.restore_terminated_byte();
            self.make_room(data.len());
            let space = self.buf.len() - 1 - self.filled;
            let n = space.min(data.len());
            self.buf[self.filled..self.filled + n].copy_from_slice(&data[..n]);
            self.filled += n;
            data = &data[n..];
        }
    }

    /// The input buffer while it holds nothing.
    pub(crate) fn take_idle_buffer(&mut self) -> Option<Vec<u8>> {
        self.restore_terminated_byte();
        if self.start != self.filled || self.buf.is_empty() {
            return None;
        }
        self.start = 0;
        self.filled = 0;
        Some(std::mem::take(&mut self.buf))
    }

    /// The size of the input buffer (0 when it has none).
    pub(crate) fn buffer_len(&self) -> usize {
        self.buf.len()
    }

    /// Gives the reader a buffer to read into while it has none; otherwise gives it back.
    pub(crate) fn give_buffer(&mut self, buf: Vec<u8>) -> Option<Vec<u8>> {
        if !self.buf.is_empty() || buf.len() <= Self::MIN_READ {
            return Some(buf);
        }
        self.buf = buf;
        self.start = 0;
        self.filled = 0;
        None
    }

    /// Whether a message buffer (an assembled or inflated message's, a detached delivery's)
    /// grew past [`IDLE_BUFFER_MAX`] and no message is being put together in it: see
    /// [`Reader::release_idle_buffers`].
    pub(crate) fn holds_large_idle_buffers(&self) -> bool {
        let assembling = self.fragmented.is_some() || self.frame.is_some() || self.inflating;
        !assembling
            && (self.message.capacity() > IDLE_BUFFER_MAX
                || self.detached.capacity() > IDLE_BUFFER_MAX)
    }

    /// Frees the buffers [`Reader::holds_large_idle_buffers`] names: after one large message
    /// a connection that goes quiet should not keep its size. What was delivered last is
    /// done with (nothing borrows the reader now).
    pub(crate) fn release_idle_buffers(&mut self) {
        if !self.holds_large_idle_buffers() {
            return;
        }
        self.undo_delivery();
        for buffer in [&mut self.message, &mut self.detached] {
            if buffer.capacity() > IDLE_BUFFER_MAX {
                *buffer = Vec::new();
            }
        }
    }

    /// Whether the reader holds an input buffer.
    pub(crate) fn has_buffer(&self) -> bool {
        !self.buf.is_empty()
    }

    /// Whether bytes wait in the input buffer (part of a frame): it cannot be taken now.
    pub(crate) fn holds_input(&self) -> bool {
        self.start != self.filled
    }

    /// Makes `buf[filled..len - 1]` at least `need` bytes: moves the held bytes to the front,
    /// then grows (to at least double) when that is not enough.
    fn make_room(&mut self, need: usize) {
        if self.start == self.filled {
            self.start = 0;
            self.filled = 0;
        }
        let room = |r: &Reader| r.buf.len().saturating_sub(1 + r.filled);
        if room(self) >= need {
            return;
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.filled, 0);
            self.filled -= self.start;
            self.start = 0;
            if room(self) >= need {
                return;
            }
        }
        let len = (self.filled + need + 1).max(self.buf.len() * 2);
        self.buf.resize(len, 0);
    }

    /// Restores what the last delivery changed.
    fn undo_delivery(&mut self) {
        match std::mem::replace(&mut self.delivered, Delivered::Nothing) {
            Delivered::Nothing => {}
            Delivered::Assembled => self.message.clear(),
            Delivered::Piece => {
                self.message.clear();
                self.message
                    .extend_from_slice(&self.carried[..self.carried_len]);
                // The carried bytes went through the validator already.
                self.utf8_checked = self.carried_len;
            }
            Delivered::Detached => self.detached.clear(),
            Delivered::InPlace { index, byte } => self.buf[index] = byte,
        }
    }

    /// Before input: puts back the byte a message in place borrowed for its terminator (it
    /// may belong to the next frame, or be where the next read goes). Other deliveries lie
    /// outside the input buffer and stay until the next call of [`Reader::next`].
    fn restore_terminated_byte(&mut self) {
        if let Delivered::InPlace { index, byte } = self.delivered {
            self.buf[index] = byte;
            self.delivered = Delivered::Nothing;
        }
    }

    /// The next message or control frame from the bytes received so far.
    pub(crate) fn next(&mut self) -> Result<Option<Incoming>, ProtocolError> {
        self.undo_delivery();
        loop {
            if self.pieces && self.frame.is_some() {
                if let Some(piece) = self.continue_piece()? {
                    return Ok(Some(piece));
                }
                // A frame stays current while its payload (or zlib's output for it) is not
                // all in.
                if self.frame.is_some() {
                    return Ok(None);
                }
                continue;
            }
            if self.frame.is_some() {
                let done = self.continue_frame()?;
                if let Some(kind) = done {
                    return Ok(Some(Incoming::Message(kind, Place::Assembled)));
                }
                if self.frame.is_some() {
                    return Ok(None);
                }
                continue;
            }
            let Some((header, header_len)) =
                FrameHeader::decode(&self.buf[self.start..self.filled])?
            else {
                return Ok(None);
            };
            self.check_header(&header)?;
            if let Some(control) = Control::from_opcode(header.opcode) {
                // At most 125 bytes (checked by decode): wait until all of it is here.
                let start = self.start + header_len;
                let end = start + take_len(header.payload_len, usize::MAX);
                let Some(payload) = self.buf[..self.filled].get_mut(start..end) else {
                    return Ok(None);
                };
                if let Some(key) = header.mask {
                    apply_mask(payload, key, 0);
                }
                if let Some(notes) = &mut self.notes {
                    notes.push(FrameNote::of(header.opcode, false, true, payload));
                }
                self.start = end;
                return Ok(Some(Incoming::Control(control, Place::Input(start..end))));
            }
            let message = self.message_for(&header)?;
            self.last_compressed = message.compressed;
            let whole = header.fin && self.fragmented.is_none() && !message.compressed;
            if whole && !self.pieces {
                // A whole uncompressed message in one frame: delivered where it lies.
                let frame = match self.awaiting {
                    Some(frame) => frame,
                    None => {
                        self.note_data_frame(&header);
                        InPlaceFrame {
                            kind: message.kind,
                            mask: header.mask,
                            header_len,
                            total: header_len + take_len(header.payload_len, usize::MAX),
                            prepared: 0,
                        }
                    }
                };
                return self.in_place(frame);
            }
            self.start_frame(&header, message);
            self.start += header_len;
        }
    }

    /// Unmasks and checks what arrived of an in-place frame; delivers it once complete.
    fn in_place(&mut self, mut frame: InPlaceFrame) -> Result<Option<Incoming>, ProtocolError> {
        let payload_start = self.start + frame.header_len;
        let end = (self.start + frame.total).min(self.filled);
        let complete = end == self.start + frame.total;
        let new = &mut self.buf[payload_start + frame.prepared..end];
        if let Some(key) = frame.mask {
            apply_mask(new, key, frame.prepared);
        }
        if frame.kind == MessageKind::Text {
            // §8.1: UTF-8 as a whole; checked in pieces when it comes in pieces.
            let valid = if complete && frame.prepared == 0 {
                simdutf8::basic::from_utf8(new).is_ok()
            } else {
                let fed = self.utf8.feed(new).is_ok();
                fed && (!complete || self.utf8.finish().is_ok())
            };
            if !valid {
                return Err(ProtocolError::InvalidUtf8);
            }
        }
        frame.prepared = end - payload_start;
        if !complete {
            self.awaiting = Some(frame);
            return Ok(None);
        }
        self.awaiting = None;
        let range = payload_start..end;
        self.start = end;
        Ok(Some(self.deliver_in_place(frame.kind, range)))
    }

    /// Puts the terminator after a message in the input buffer.
    fn deliver_in_place(&mut self, kind: MessageKind, range: Range<usize>) -> Incoming {
        let index = range.end;
        self.delivered = Delivered::InPlace {
            index,
            byte: self.buf[index],
        };
        self.buf[index] = 0;
        Incoming::Message(kind, Place::Input(range))
    }

    /// A delivered message with its terminator (see `Event::Message`).
    pub(crate) fn message(&mut self, place: &Place) -> &mut [u8] {
        match place {
            Place::Input(range) => &mut self.buf[range.start..range.end + 1],
            Place::Assembled => &mut self.message,
            Place::Detached => &mut self.detached,
        }
    }

    /// A control frame's payload after [`Incoming::Control`].
    pub(crate) fn payload(&self, place: &Place) -> &[u8] {
        match place {
            Place::Input(range) => self.buf.get(range.clone()).unwrap_or_default(),
            Place::Assembled => &self.message,
            Place::Detached => &self.detached,
        }
    }

    /// Moves what `incoming` delivered out of the input buffer, so that more input may come
    /// before it is used (a copy, needed only then).
    pub(crate) fn detach(&mut self, incoming: &mut Incoming) {
        let is_message = matches!(incoming, Incoming::Message(..) | Incoming::Piece { .. });
        let (Incoming::Message(_, place)
        | Incoming::Control(_, place)
        | Incoming::Piece { place, .. }) = incoming;
        let Place::Input(range) = place.clone() else {
            return;
        };
        self.restore_terminated_byte();
        self.detached.clear();
        self.detached.extend_from_slice(&self.buf[range]);
        if is_message {
            self.detached.push(0);
        }
        self.delivered = Delivered::Detached;
        *place = Place::Detached;
    }

    /// Bytes of memory the buffers hold, for tests of the allocation rules.
    #[cfg(test)]
    pub(crate) fn buffer_capacity(&self) -> usize {
        self.buf.capacity() + self.message.capacity()
    }

    /// The rules that depend on the connection rather than the header alone.
    fn check_header(&self, header: &FrameHeader) -> Result<(), ProtocolError> {
        // §5.1: "a client MUST mask all frames that it sends to the server"; "A server MUST
        // NOT mask any frames that it sends to the client"; either violation fails the peer.
        match (self.role, header.mask.is_some()) {
            (Role::Server, false) => return Err(ProtocolError::UnmaskedFrame),
            (Role::Client, true) => return Err(ProtocolError::MaskedFrame),
            _ => {}
        }
        // RFC 7692 §6.1: RSV1 is the "Per-Message Compressed" bit, set only "on the first
        // frame of a message"; control frames MUST NOT have it. Without the extension it is
        // reserved (RFC 6455 §5.2).
        let first_data_frame = matches!(header.opcode, Opcode::Text | Opcode::Binary);
        if header.rsv1 && (self.inflater.is_none() || !first_data_frame) {
            return Err(ProtocolError::UnexpectedRsv1);
        }
        Ok(())
    }

    /// The message a data frame belongs to: fragmentation rules (§5.4) and the size limit.
    /// Whether the data message begun last arrived compressed.
    pub(crate) fn last_compressed(&self) -> bool {
        self.last_compressed
    }

    fn message_for(&self, header: &FrameHeader) -> Result<Fragmented, ProtocolError> {
        let kind = match header.opcode {
            Opcode::Text => Some(MessageKind::Text),
            Opcode::Binary => Some(MessageKind::Binary),
            _ => None,
        };
        let message = match (kind, self.fragmented) {
            // §5.4: "a single message ... MUST NOT be interleaved" with another one.
            (Some(_), Some(_)) => return Err(ProtocolError::ExpectedContinuation),
            (Some(kind), None) => Fragmented {
                kind,
                compressed: header.rsv1,
            },
            (None, Some(message)) => message,
            // A continuation frame with nothing to continue.
            (None, None) => return Err(ProtocolError::UnexpectedContinuation),
        };
        // Checked before buffering anything. Compressed payload is not kept: it streams
        // through the inflater, which enforces the limit on its output. Pieces are not kept.
        if !message.compressed && !self.pieces {
            let size = (self.message.len() as u64).saturating_add(header.payload_len);
            if size > self.max_message_size as u64 {
                return Err(ProtocolError::MessageTooBig {
                    size,
                    max: self.max_message_size,
                });
            }
        }
        Ok(message)
    }

    /// Counts a data frame whose header was parsed (and notes it for a trace).
    fn note_data_frame(&mut self, header: &FrameHeader) {
        self.data_frames += 1;
        if let Some(notes) = &mut self.notes {
            notes.push(FrameNote {
                opcode: header.opcode,
                fin: header.fin,
                rsv1: header.rsv1,
                len: header.payload_len,
                code: 0,
            });
        }
    }

    /// Begins a data frame whose payload goes to the assembly buffer.
    fn start_frame(&mut self, header: &FrameHeader, message: Fragmented) {
        self.note_data_frame(header);
        self.fragmented = (!header.fin).then_some(message);
        self.frame = Some(DataFrame {
            message,
            fin: header.fin,
            remaining: header.payload_len,
            mask: header.mask,
            phase: 0,
        });
    }

    /// Moves the buffered payload of the current data frame into the message. Returns the
    /// kind once the message is complete.
    fn continue_frame(&mut self) -> Result<Option<MessageKind>, ProtocolError> {
        let Some(frame) = self.frame.as_mut() else {
            return Ok(None);
        };
        let max = self.max_message_size;
        let n = take_len(frame.remaining, self.filled - self.start);
        let piece = &mut self.buf[self.start..self.start + n];
        self.start += n;
        match (&mut self.inflater, frame.message.compressed) {
            (Some(inflater), true) => {
                if let Some(key) = frame.mask {
                    apply_mask(piece, key, frame.phase);
                }
                advance(frame, n);
                inflater.inflate(piece, &mut self.message, max)?;
            }
            _ => append_payload(&mut self.message, piece, frame),
        }
        let frame = *frame;
        self.check_utf8(frame.message.kind)?;
        if frame.remaining > 0 {
            return Ok(None);
        }
        self.frame = None;
        if !frame.fin {
            return Ok(None);
        }
        // The message is complete.
        if let (Some(inflater), true) = (&mut self.inflater, frame.message.compressed) {
            inflater.finish_message(&mut self.message, max)?;
            self.check_utf8(frame.message.kind)?;
        }
        if frame.message.kind == MessageKind::Text {
            self.utf8.finish().map_err(|_| ProtocolError::InvalidUtf8)?;
        }
        self.utf8_checked = 0;
        // The terminator (see `Event::Message`); cleared with the message at the next call.
        self.message.push(0);
        self.delivered = Delivered::Assembled;
        Ok(Some(frame.message.kind))
    }

    /// Fragment mode: moves what arrived of the current data frame into a piece (unmasked, or
    /// inflated up to [`PIECE_MAX`] bytes), validates text, and delivers the piece: the
    /// characters it completes (a cut character waits for the next piece), the message's
    /// first and last flags. None while there is nothing to deliver yet (no new bytes, or only
    /// the start of a character); an empty piece comes only as a message's last.
    fn continue_piece(&mut self) -> Result<Option<Incoming>, ProtocolError> {
        let Some(frame) = self.frame.as_mut() else {
            return Ok(None);
        };
        let n = take_len(frame.remaining, self.filled - self.start);
        if !frame.message.compressed && self.message.is_empty() {
            return self.piece_in_place(n);
        }
        let piece = &mut self.buf[self.start..self.start + n];
        match (&mut self.inflater, frame.message.compressed) {
            (Some(inflater), true) => {
                if let Some(key) = frame.mask {
                    apply_mask(piece, key, frame.phase);
                }
                let room = if frame.fin {
                    PIECE_MAX - TAIL_ROOM
                } else {
                    PIECE_MAX
                };
                let (consumed, more) = inflater.inflate_some(piece, &mut self.message, room)?;
                // What zlib did not take is unmasked already: the next call must not unmask
                // it again, so the payload position moves only by what it took.
                if consumed < n {
                    if let Some(key) = frame.mask {
                        apply_mask(
                            &mut self.buf[self.start + consumed..self.start + n],
                            key,
                            (frame.phase + consumed) % 4,
                        );
                    }
                }
                advance(frame, consumed);
                self.start += consumed;
                self.inflating = more;
            }
            _ => {
                append_payload(&mut self.message, piece, frame);
                self.start += n;
            }
        }
        let frame = *frame;
        self.check_utf8(frame.message.kind)?;
        // A compressed frame stays current until zlib gave all its output.
        let frame_over = frame.remaining == 0 && !self.inflating;
        if frame_over {
            self.frame = None;
        }
        let last = frame_over && frame.fin;
        if last {
            self.finish_message_input(frame.message)?;
        }
        Ok(self.deliver_piece(frame.message.kind, last))
    }

    /// Fragment mode, uncompressed: the `n` bytes that arrived of the current frame are
    /// delivered where they lie (unmasked in place, a terminator after them, like a whole
    /// message in one frame), not copied. A character cut by the read stays in the input for
    /// the next piece when the frame goes on; one cut by the frame's end is carried (at most 3
    /// bytes, in `message`) to the next frame's piece.
    fn piece_in_place(&mut self, n: usize) -> Result<Option<Incoming>, ProtocolError> {
        let frame = self.frame.as_mut().expect("a current frame");
        let start = self.start;
        if let Some(key) = frame.mask {
            apply_mask(&mut self.buf[start..start + n], key, frame.phase);
        }
        let kind = frame.message.kind;
        let mut take = n;
        let mut cut = 0;
        if kind == MessageKind::Text {
            self.utf8
                .feed(&self.buf[start..start + n])
                .map_err(|_| ProtocolError::InvalidUtf8)?;
            cut = self.utf8.pending();
            if cut > 0 && (n as u64) < frame.remaining {
                // The character ends later in this frame: its start goes back to the input,
                // masked again so it is unmasked with the rest, and is validated again then.
                take = n - cut;
                cut = 0;
                self.utf8.reset();
                if let Some(key) = frame.mask {
                    apply_mask(
                        &mut self.buf[start + take..start + n],
                        key,
                        (frame.phase + take) % 4,
                    );
                }
            }
        }
        advance(frame, take);
        self.start += take;
        let frame = *frame;
        let last = frame.remaining == 0 && frame.fin;
        if frame.remaining == 0 {
            self.frame = None;
        }
        if last {
            self.finish_message_input(frame.message)?;
        }
        // The start of a character cut by the frame's end waits for the next frame's piece
        // (validated already).
        let complete = take - cut;
        self.message
            .extend_from_slice(&self.buf[start + complete..start + take]);
        self.utf8_checked = self.message.len();
        if complete == 0 && !last {
            return Ok(None);
        }
        let incoming = self.deliver_in_place(kind, start..start + complete);
        let first = !self.message_started;
        self.message_started = !last;
        let Incoming::Message(kind, place) = incoming else {
            unreachable!("deliver_in_place delivers a message")
        };
        Ok(Some(Incoming::Piece {
            kind,
            first,
            last,
            place,
        }))
    }

    /// Fragment mode: the message's last frame is all in (and inflated): the flush tail of
    /// permessage-deflate, and a character cut at the end is an error.
    fn finish_message_input(&mut self, message: Fragmented) -> Result<(), ProtocolError> {
        if let (Some(inflater), true) = (&mut self.inflater, message.compressed) {
            inflater.finish_message(&mut self.message, usize::MAX - 1)?;
            self.check_utf8(message.kind)?;
        }
        if message.kind == MessageKind::Text {
            self.utf8.finish().map_err(|_| ProtocolError::InvalidUtf8)?;
        }
        Ok(())
    }

    /// Fragment mode: the piece in `message`, if there is one to deliver (see
    /// [`Reader::continue_piece`]).
    fn deliver_piece(&mut self, kind: MessageKind, last: bool) -> Option<Incoming> {
        let cut = if kind == MessageKind::Text {
            self.utf8.pending()
        } else {
            0
        };
        let complete = self.message.len() - cut;
        if complete == 0 && !last {
            return None;
        }
        // The start of a cut character waits for the next piece (see `undo_delivery`).
        self.carried_len = cut;
        self.carried[..cut].copy_from_slice(&self.message[complete..]);
        self.message.truncate(complete);
        // The terminator (see `Event::Message`).
        self.message.push(0);
        self.delivered = Delivered::Piece;
        let first = !self.message_started;
        self.message_started = !last;
        if last {
            self.utf8_checked = 0;
            self.carried_len = 0;
        }
        Some(Incoming::Piece {
            kind,
            first,
            last,
            place: Place::Assembled,
        })
    }

    /// §8.1: validates the text received since the last check, failing at the first bad byte.
    fn check_utf8(&mut self, kind: MessageKind) -> Result<(), ProtocolError> {
        if kind == MessageKind::Text {
            let new = self.message.get(self.utf8_checked..).unwrap_or_default();
            self.utf8
                .feed(new)
                .map_err(|_| ProtocolError::InvalidUtf8)?;
            self.utf8_checked = self.message.len();
        }
        Ok(())
    }
}

/// How many of `available` bytes belong to a payload with `remaining` bytes left.
fn take_len(remaining: u64, available: usize) -> usize {
    usize::try_from(remaining).map_or(available, |r| r.min(available))
}

fn advance(frame: &mut DataFrame, n: usize) {
    frame.remaining -= n as u64;
    frame.phase = (frame.phase + n) % 4;
}

/// Appends uncompressed payload bytes to the message, unmasking them on the way (§5.3).
fn append_payload(message: &mut Vec<u8>, payload: &[u8], frame: &mut DataFrame) {
    match frame.mask {
        Some(key) => mask_into(payload, key, frame.phase, message),
        None => message.extend_from_slice(payload),
    }
    advance(frame, payload.len());
}
