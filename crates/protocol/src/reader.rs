//! The receiving half: bytes → frames → whole messages and control frames (RFC 6455 §5,
//! RFC 7692 §6.2).
//!
//! Memory grows only with bytes that arrived: the input buffer holds what the transport gave
//! us, the message buffer what a frame's payload actually delivered (or its inflated output).
//! A frame header's length is checked against the limit, never used to allocate.
use crate::connection::{MessageKind, Role};
use crate::deflate::Decompressor;
use crate::error::ProtocolError;
use crate::frame::{FrameHeader, Opcode};
use crate::mask::{apply_mask, mask_into};
use crate::utf8::Utf8Validator;
use std::ops::Range;

/// What [`Reader::next`] found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Incoming {
    /// A whole message is in [`Reader::message_mut`].
    Message(MessageKind),
    /// A control frame; its unmasked payload is [`Reader::payload`] of the range.
    Control(Control, Range<usize>),
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

/// A data frame whose payload is still arriving.
#[derive(Debug, Clone, Copy)]
struct DataFrame {
    message: Fragmented,
    fin: bool,
    remaining: u64,
    mask: Option<[u8; 4]>,
    /// Position in the payload modulo 4: where the masking key continues.
    phase: usize,
}

pub(crate) struct Reader {
    role: Role,
    max_message_size: usize,
    /// Present when permessage-deflate was negotiated.
    inflater: Option<Decompressor>,
    /// Received bytes; `buf[..pos]` are parsed.
    buf: Vec<u8>,
    pos: usize,
    frame: Option<DataFrame>,
    /// The message being reassembled (§5.4), or the one last returned.
    message: Vec<u8>,
    fragmented: Option<Fragmented>,
    /// The message was returned: clear it at the next call.
    delivered: bool,
    utf8: Utf8Validator,
    /// `message[..utf8_checked]` went through the validator.
    utf8_checked: usize,
}

impl Reader {
    pub(crate) fn new(role: Role, max_message_size: usize, inflater: Option<Decompressor>) -> Self {
        Reader {
            role,
            max_message_size,
            inflater,
            buf: Vec::new(),
            pos: 0,
            frame: None,
            message: Vec::new(),
            fragmented: None,
            delivered: false,
            utf8: Utf8Validator::new(),
            utf8_checked: 0,
        }
    }

    /// Takes bytes from the transport. Payload of an uncompressed data frame that continues
    /// right where the parsed input ends goes straight into the message (one copy); the rest
    /// is buffered for [`Reader::next`].
    pub(crate) fn push(&mut self, mut data: &[u8]) {
        if self.pos == self.buf.len() {
            if let Some(frame) = self.frame.as_mut().filter(|f| !f.message.compressed) {
                let n = take_len(frame.remaining, data.len());
                let (payload, rest) = data.split_at(n);
                append_payload(&mut self.message, payload, frame);
                data = rest;
            }
        }
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(data);
    }

    /// The next message or control frame from the bytes received so far.
    pub(crate) fn next(&mut self) -> Result<Option<Incoming>, ProtocolError> {
        if self.delivered {
            self.delivered = false;
            self.message.clear();
        }
        loop {
            if self.frame.is_some() {
                let done = self.continue_frame()?;
                if done.is_some() || self.frame.is_some() {
                    return Ok(done.map(Incoming::Message));
                }
                continue;
            }
            let Some((header, header_len)) = FrameHeader::decode(&self.buf[self.pos..])? else {
                return Ok(None);
            };
            self.check_header(&header)?;
            if let Some(control) = Control::from_opcode(header.opcode) {
                // At most 125 bytes (checked by decode): wait until all of it is here.
                let start = self.pos + header_len;
                let end = start + take_len(header.payload_len, usize::MAX);
                let Some(payload) = self.buf.get_mut(start..end) else {
                    return Ok(None);
                };
                if let Some(key) = header.mask {
                    apply_mask(payload, key, 0);
                }
                self.pos = end;
                return Ok(Some(Incoming::Control(control, start..end)));
            }
            self.start_frame(&header)?;
            self.pos += header_len;
        }
    }

    /// The reassembled message after [`Incoming::Message`], with room for one more byte.
    pub(crate) fn message_mut(&mut self) -> &mut Vec<u8> {
        &mut self.message
    }

    /// A control frame's payload after [`Incoming::Control`].
    pub(crate) fn payload(&self, range: Range<usize>) -> &[u8] {
        self.buf.get(range).unwrap_or_default()
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

    /// Begins a data frame: fragmentation rules (§5.4) and the size limit.
    fn start_frame(&mut self, header: &FrameHeader) -> Result<(), ProtocolError> {
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
        // through the inflater, which enforces the limit on its output.
        if !message.compressed {
            let size = (self.message.len() as u64).saturating_add(header.payload_len);
            if size > self.max_message_size as u64 {
                return Err(ProtocolError::MessageTooBig {
                    size,
                    max: self.max_message_size,
                });
            }
        }
        self.fragmented = (!header.fin).then_some(message);
        self.frame = Some(DataFrame {
            message,
            fin: header.fin,
            remaining: header.payload_len,
            mask: header.mask,
            phase: 0,
        });
        Ok(())
    }

    /// Moves the buffered payload of the current data frame into the message. Returns the
    /// kind once the message is complete.
    fn continue_frame(&mut self) -> Result<Option<MessageKind>, ProtocolError> {
        let Some(frame) = self.frame.as_mut() else {
            return Ok(None);
        };
        let max = self.max_message_size;
        let n = take_len(frame.remaining, self.buf.len() - self.pos);
        let piece = &mut self.buf[self.pos..self.pos + n];
        self.pos += n;
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
        // Room for the caller's terminator (see `Event::Message`).
        self.message.reserve(1);
        self.delivered = true;
        Ok(Some(frame.message.kind))
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
