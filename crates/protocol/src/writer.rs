//! The sending half: messages and control frames → bytes for the transport (RFC 6455 §5.2,
//! §5.3; RFC 7692 §7.2.1).
//!
//! Small frames are encoded into one output buffer, so that many go out in one write. A large
//! uncompressed message given as an owned buffer is masked where it lies and goes out from
//! there, after its header, in a vectored write: its payload is not copied.
use crate::close::CloseCode;
use crate::connection::Role;
use crate::deflate::Compressor;
use crate::frame::{FrameHeader, Opcode, MAX_CONTROL_PAYLOAD, MAX_HEADER_LEN};
use crate::mask::{apply_mask, mask_into};
use crate::Entropy;
use std::collections::VecDeque;
use std::io::IoSlice;

/// Messages from this size on are written from their own buffer rather than copied.
pub(crate) const IN_PLACE_MIN: usize = 16 * 1024;
/// Done buffers kept for the caller at most (a caller that never takes them loses nothing).
const MAX_DONE: usize = 16;

/// A frame whose payload stays in its own buffer.
struct LargeFrame {
    /// Its place in the output: after `out[..at]` (an index into `out`).
    at: usize,
    header: [u8; MAX_HEADER_LEN],
    header_len: usize,
    payload: Vec<u8>,
    /// Bytes of header then payload already written.
    written: usize,
}

impl LargeFrame {
    fn len(&self) -> usize {
        self.header_len + self.payload.len()
    }

    /// What is left to write: the rest of the header, the rest of the payload.
    fn remaining(&self) -> [&[u8]; 2] {
        let header = &self.header[..self.header_len];
        if self.written < self.header_len {
            [&header[self.written..], &self.payload]
        } else {
            [&[], &self.payload[self.written - self.header_len..]]
        }
    }
}

pub(crate) struct Writer {
    role: Role,
    entropy: Entropy,
    /// Encoded frames; `out[start..]` is not written yet.
    out: Vec<u8>,
    start: usize,
    /// Large frames, in order, each after a point of `out`.
    large: VecDeque<LargeFrame>,
    /// Payload buffers given to the writer that it is done with, for the caller to reuse.
    done: Vec<Vec<u8>>,
    /// Present when permessage-deflate was negotiated.
    compressor: Option<Compressor>,
    /// Reused buffer for compressed payloads.
    compressed: Vec<u8>,
}

impl Writer {
    pub(crate) fn new(role: Role, entropy: Entropy, compressor: Option<Compressor>) -> Self {
        Writer {
            role,
            entropy,
            out: Vec::new(),
            start: 0,
            large: VecDeque::new(),
            done: Vec::new(),
            compressor,
            compressed: Vec::new(),
        }
    }

    /// Queues a whole message in one frame, compressed when negotiated (RFC 7692 §6.1: RSV1
    /// set on the first frame of a compressed message).
    pub(crate) fn message(&mut self, opcode: Opcode, data: &[u8]) {
        if let Some(compressor) = &mut self.compressor {
            if compressor.compress(data, &mut self.compressed) {
                let compressed = std::mem::take(&mut self.compressed);
                self.frame(opcode, true, &compressed);
                self.compressed = compressed;
                return;
            }
        }
        self.frame(opcode, false, data);
    }

    /// Queues a whole message from a buffer the writer takes: a large uncompressed one goes
    /// out from that buffer (masked in place), anything else is encoded like
    /// [`Writer::message`]. The buffer comes back through [`Writer::take_done`].
    pub(crate) fn message_owned(&mut self, opcode: Opcode, mut data: Vec<u8>) {
        if self.compressor.is_some() || data.len() < IN_PLACE_MIN {
            self.message(opcode, &data);
            self.give_back(data);
            return;
        }
        self.reclaim();
        let mask = self.mask_key();
        let (header, header_len) = frame_header(opcode, false, mask, data.len()).to_bytes();
        if let Some(key) = mask {
            apply_mask(&mut data, key, 0);
        }
        self.large.push_back(LargeFrame {
            at: self.out.len(),
            header,
            header_len,
            payload: data,
            written: 0,
        });
    }

    /// Takes a buffer back unused (a refused send).
    pub(crate) fn give_back(&mut self, data: Vec<u8>) {
        if self.done.len() < MAX_DONE {
            self.done.push(data);
        }
    }

    /// A payload buffer the writer is done with, if any.
    pub(crate) fn take_done(&mut self) -> Option<Vec<u8>> {
        self.done.pop()
    }

    /// Queues a ping or pong; the caller checked the payload is at most 125 bytes.
    pub(crate) fn control(&mut self, opcode: Opcode, payload: &[u8]) {
        self.frame(opcode, false, payload);
    }

    /// Queues a close frame (§5.5.1): the code in network byte order, then the UTF-8 reason.
    /// The caller checked the code and the reason's length.
    pub(crate) fn close(&mut self, code: Option<CloseCode>, reason: &str) {
        let mut payload = [0u8; MAX_CONTROL_PAYLOAD];
        let len = match code {
            None => 0,
            Some(code) => {
                let reason = reason.as_bytes();
                let len = (2 + reason.len()).min(MAX_CONTROL_PAYLOAD);
                payload[..2].copy_from_slice(&code.to_be_bytes());
                payload[2..len].copy_from_slice(&reason[..len - 2]);
                len
            }
        };
        self.frame(Opcode::Close, false, &payload[..len]);
    }

    /// The first piece of the output not written yet (the rest follows it).
    pub(crate) fn pending(&self) -> &[u8] {
        let end = self.large.front().map_or(self.out.len(), |f| f.at);
        if self.start < end {
            return &self.out[self.start..end];
        }
        match self.large.front() {
            Some(frame) => frame
                .remaining()
                .into_iter()
                .find(|p| !p.is_empty())
                .unwrap_or(&[]),
            None => &[],
        }
    }

    /// Fills `slices` with the pending output in order; returns how many it filled.
    pub(crate) fn pending_vectored<'a>(&'a self, slices: &mut [IoSlice<'a>]) -> usize {
        let mut filled = 0;
        let mut push = |piece: &'a [u8]| {
            if !piece.is_empty() && filled < slices.len() {
                slices[filled] = IoSlice::new(piece);
                filled += 1;
            }
        };
        // Large frames are in order, and `start` never passes the first one's place.
        let mut from = self.start;
        for frame in &self.large {
            push(&self.out[from..frame.at]);
            for piece in frame.remaining() {
                push(piece);
            }
            from = frame.at;
        }
        push(&self.out[from..]);
        filled
    }

    /// Bytes of output not written yet.
    pub(crate) fn pending_len(&self) -> usize {
        let large: usize = self.large.iter().map(|f| f.len() - f.written).sum();
        self.out.len() - self.start + large
    }

    /// Marks `n` bytes of the pending output (in the order of `pending_vectored`) as written.
    pub(crate) fn consume(&mut self, mut n: usize) {
        while n > 0 {
            let end = self.large.front().map_or(self.out.len(), |f| f.at);
            if self.start < end {
                let take = n.min(end - self.start);
                self.start += take;
                n -= take;
                continue;
            }
            let Some(frame) = self.large.front_mut() else {
                break;
            };
            let take = n.min(frame.len() - frame.written);
            frame.written += take;
            n -= take;
            if frame.written == frame.len() {
                let frame = self.large.pop_front().expect("front exists");
                self.give_back(frame.payload);
            }
        }
        if self.start == self.out.len() && self.large.is_empty() {
            self.out.clear();
            self.start = 0;
        }
    }

    /// Drops written bytes once they are the larger part of the buffer.
    fn reclaim(&mut self) {
        if self.start > 0 && self.start >= self.out.len() / 2 {
            self.out.drain(..self.start);
            for frame in &mut self.large {
                frame.at -= self.start;
            }
            self.start = 0;
        }
    }

    /// A client masks every frame with a fresh key (§5.3: "The masking key is a 32-bit value
    /// chosen at random by the client ... fresh masking key for each frame").
    fn mask_key(&mut self) -> Option<[u8; 4]> {
        match self.role {
            Role::Client => {
                let mut key = [0u8; 4];
                (self.entropy)(&mut key);
                Some(key)
            }
            Role::Server => None,
        }
    }

    /// One frame with FIN set, encoded into the output buffer.
    fn frame(&mut self, opcode: Opcode, rsv1: bool, payload: &[u8]) {
        self.reclaim();
        let mask = self.mask_key();
        self.out.reserve(MAX_HEADER_LEN + payload.len());
        frame_header(opcode, rsv1, mask, payload.len()).encode(&mut self.out);
        match mask {
            Some(key) => mask_into(payload, key, 0, &mut self.out),
            None => self.out.extend_from_slice(payload),
        }
    }
}

/// The header of a whole message in one frame (FIN set).
fn frame_header(opcode: Opcode, rsv1: bool, mask: Option<[u8; 4]>, len: usize) -> FrameHeader {
    FrameHeader {
        fin: true,
        rsv1,
        opcode,
        mask,
        payload_len: len as u64,
    }
}
