//! The sending half: messages, fragments and control frames → bytes for the transport (RFC 6455
//! §5.2–§5.5; RFC 7692 §7.2.1).
//!
//! Small frames are encoded into one output buffer, so that many go out in one write. A large
//! payload (a message or a fragment given as an owned buffer, or compressed output) is
//! *spooled*: it stays in its own buffer and goes out frame by frame, each frame after its
//! header in a vectored write, so its payload is never copied. A client masks it where it lies,
//! [`MASK_PIECE`] bytes at a time, each piece just before it is offered for writing, so the
//! write reads it from cache; a message masked ahead, as it was copied ([`MaskedMessage`]), is
//! written as it is, in its own frames with their keys. Frames are at most `max_frame` bytes
//! of payload, so a control frame never waits long: pings and pongs queued while a spooled
//! payload is being written go out before its next frame (RFC 6455 §5.4: control frames may
//! be injected between the frames of a message), and so does a close we must send at once (a
//! reply or a failure), after which nothing more of the data queued before it is written.
use crate::close::CloseCode;
use crate::connection::Role;
use crate::deflate::{Compress, Compressor};
use crate::frame::{FrameHeader, FrameNote, Opcode, MAX_CONTROL_PAYLOAD, MAX_HEADER_LEN};
use crate::mask::{apply_mask, mask_into};
use crate::masked::{FrameKeys, MaskedMessage};
use crate::reader::IDLE_BUFFER_MAX;
use crate::Entropy;
use std::collections::VecDeque;
use std::io::IoSlice;
use std::ops::Range;

/// Payloads from this size on are spooled (written from their own buffer) rather than copied.
pub(crate) const IN_PLACE_MIN: usize = 16 * 1024;
/// Done buffers kept for the caller at most (a caller that never takes them loses nothing).
const MAX_DONE: usize = 16;
/// The smallest frame size a writer accepts: below it, headers would be a large part of the
/// output.
pub const MIN_FRAME: usize = 1024;
/// The default frame size: the longest a control frame waits behind a large message is one
/// frame's time (1 MiB at 1 Gbit/s is 8 ms), and a frame costs a 14-byte header and one more
/// write per MiB (measured: no change in throughput against unsplit frames, see README).
pub const DEFAULT_MAX_FRAME: usize = 1 << 20;
/// A spooled frame is masked this many bytes at a time, each piece once the one before it is
/// written: half of a 512 KiB L2 cache (this machine's per core, common on current cores), so
/// the write that follows reads the piece from cache rather than memory, and large enough that
/// the extra writes it costs are few (four per default frame).
pub(crate) const MASK_PIECE: usize = 256 * 1024;

/// A payload written from its own buffer, frame by frame.
struct Spooled {
    /// Its place in the output: after `out[..at]` (an index into `out`).
    at: usize,
    payload: Vec<u8>,
    /// The opcode of its first frame (Text or Binary, or Continuation for a later fragment of
    /// a message) and RSV1 on it.
    opcode: Opcode,
    rsv1: bool,
    /// FIN on its last frame (false for a fragment that does not end its message).
    fin: bool,
    /// The payload of the frame being written.
    frame: Range<usize>,
    /// The most payload bytes a frame of it carries.
    frame_len: usize,
    /// The keys its frames were masked with before it was queued ([`MaskedMessage`]).
    premasked: Option<FrameKeys>,
    /// The key its current frame is still to be masked with (client role, not premasked).
    key: Option<[u8; 4]>,
    /// `payload[frame.start..masked]` is ready to go: masked, or the whole frame when there is
    /// no key. Only that part is offered for writing.
    masked: usize,
    header: [u8; MAX_HEADER_LEN],
    header_len: usize,
    /// Bytes of the current frame (header, then payload) written.
    written: usize,
    /// Control frames to go out before its next frame; `urgent[urgent_written..]` is left.
    urgent: Vec<u8>,
    urgent_written: usize,
}

impl Spooled {
    /// What can be written now: the control frames waiting (only between two frames), then the
    /// rest of the current frame's header and its masked payload.
    fn remaining(&self) -> [&[u8]; 3] {
        let urgent = if self.written == 0 {
            &self.urgent[self.urgent_written..]
        } else {
            &[]
        };
        let header = &self.header[..self.header_len];
        let payload = &self.payload[self.frame.start..self.masked];
        if self.written < self.header_len {
            [urgent, &header[self.written..], payload]
        } else {
            [urgent, &[], &payload[self.written - self.header_len..]]
        }
    }

    fn urgent_left(&self) -> usize {
        self.urgent.len() - self.urgent_written
    }

    /// Bytes still to write: the current frame's, the payload of the frames not made yet
    /// (their headers not counted), the control frames waiting.
    fn len_left(&self) -> usize {
        let rest = self.payload.len() - self.frame.end;
        self.header_len + self.frame.len() - self.written + rest + self.urgent_left()
    }

    /// Makes the frame whose payload starts at `start`: with its key when premasked, else
    /// with `fresh_key()` (the writer's, for its role), its pieces then masked as they come to
    /// be written ([`Spooled::mask_when_needed`]).
    fn make_frame(&mut self, start: usize, fresh_key: impl FnOnce() -> Option<[u8; 4]>) {
        let end = start.saturating_add(self.frame_len).min(self.payload.len());
        let (mask, to_mask) = match &self.premasked {
            Some(keys) => (Some(keys.get(start / self.frame_len)), None),
            None => {
                let key = fresh_key();
                (key, key)
            }
        };
        let first = start == 0;
        let header = FrameHeader {
            fin: self.fin && end == self.payload.len(),
            rsv1: first && self.rsv1,
            opcode: if first {
                self.opcode
            } else {
                Opcode::Continuation
            },
            mask,
            payload_len: (end - start) as u64,
        };
        (self.header, self.header_len) = header.to_bytes();
        self.frame = start..end;
        self.key = to_mask;
        self.masked = start;
        self.written = 0;
    }

    /// Makes the next piece of the current frame ready once everything ready is written (or
    /// nothing is ready yet), so that the header never goes out alone: masks up to
    /// [`MASK_PIECE`] more bytes, or takes the whole frame when there is no key.
    fn mask_when_needed(&mut self) {
        let payload_written = self.written.saturating_sub(self.header_len);
        if self.masked != self.frame.start + payload_written || self.masked == self.frame.end {
            return;
        }
        let Some(key) = self.key else {
            self.masked = self.frame.end;
            return;
        };
        let end = self.masked.saturating_add(MASK_PIECE).min(self.frame.end);
        let offset = self.masked - self.frame.start;
        apply_mask(&mut self.payload[self.masked..end], key, offset);
        self.masked = end;
    }

    /// An empty frame at `at`: nothing of the payload is offered, so only the control frames
    /// waiting are.
    fn empty_frame(&mut self, at: usize) {
        self.frame = at..at;
        self.masked = at;
        self.header_len = 0;
        self.written = 0;
    }

    /// Bytes of the current frame (header and payload) that can be written now.
    fn ready(&self) -> usize {
        self.header_len + self.masked - self.frame.start
    }

    fn frame_done(&self) -> bool {
        self.written == self.header_len + self.frame.len()
    }

    fn is_done(&self) -> bool {
        self.frame_done() && self.frame.end == self.payload.len() && self.urgent_left() == 0
    }
}

pub(crate) struct Writer {
    role: Role,
    entropy: Entropy,
    /// Encoded frames; `out[start..]` is not written yet.
    out: Vec<u8>,
    start: usize,
    /// Spooled payloads, in order, each after a point of `out`.
    spooled: VecDeque<Spooled>,
    /// Payload buffers given to the writer that it is done with, for the caller to reuse.
    done: Vec<Vec<u8>>,
    /// Present when permessage-deflate was negotiated (boxed, as the reader's inflater).
    compressor: Option<Box<Compressor>>,
    /// Reused buffer for compressed payloads.
    compressed: Vec<u8>,
    /// The most payload bytes a frame carries.
    max_frame: usize,
    /// The message being sent in fragments, if one was begun and not ended: its opcode, and
    /// whether it is compressed (decided at its first fragment).
    fragmented: Option<(Opcode, bool)>,
    /// Data frames encoded (continuations included, control frames not): statistics.
    pub(crate) data_frames: u64,
    /// Every frame encoded, while a trace asks for them.
    pub(crate) notes: Option<Vec<FrameNote>>,
}

impl Writer {
    pub(crate) fn new(role: Role, entropy: Entropy, compressor: Option<Box<Compressor>>) -> Self {
        Writer {
            role,
            entropy,
            out: Vec::new(),
            start: 0,
            spooled: VecDeque::new(),
            done: Vec::new(),
            compressor,
            compressed: Vec::new(),
            max_frame: DEFAULT_MAX_FRAME,
            fragmented: None,
            data_frames: 0,
            notes: None,
        }
    }

    /// Frames carry at most `bytes` of payload (at least [`MIN_FRAME`]).
    pub(crate) fn set_max_frame(&mut self, bytes: usize) {
        self.max_frame = bytes.max(MIN_FRAME);
    }

    /// The opcode of the message begun with [`Writer::fragment`] and not ended yet, if any.
    pub(crate) fn fragmented_opcode(&self) -> Option<Opcode> {
        self.fragmented.map(|(opcode, _)| opcode)
    }

    /// Queues a whole message, compressed when negotiated (RFC 7692 §6.1: RSV1 set on the
    /// first frame of a compressed message), in frames of at most `max_frame` bytes.
    pub(crate) fn message(&mut self, opcode: Opcode, data: &[u8], compress: Compress) {
        if compress == Compress::Auto && self.compress_message(data) {
            self.queue_compressed(opcode, true);
            return;
        }
        // Copied (as every borrowed payload must be), in frames of at most `max_frame`.
        self.frames(opcode, false, true, data);
    }

    /// Queues a whole message from a buffer the writer takes: a large uncompressed one goes
    /// out from that buffer (masked in place, piece by piece), anything else is encoded like
    /// [`Writer::message`]. The buffer comes back through [`Writer::take_done`].
    pub(crate) fn message_owned(&mut self, opcode: Opcode, data: Vec<u8>, compress: Compress) {
        let may_compress = compress == Compress::Auto && self.compressor.is_some();
        if may_compress || data.len() < IN_PLACE_MIN {
            self.message(opcode, &data, compress);
            self.give_back(data);
            return;
        }
        self.spool(opcode, false, true, data);
    }

    /// Queues a whole message masked ahead: written as it is, in its own frames with its own
    /// keys, when it is long enough to be spooled, uncompressed and we are a client (its
    /// purpose); otherwise unmasked and encoded like [`Writer::message_owned`].
    pub(crate) fn message_masked(&mut self, message: MaskedMessage, compress: Compress) {
        let may_compress = compress == Compress::Auto && self.compressor.is_some();
        if !self.writes_as_masked(&message, may_compress) {
            let (opcode, data) = message.unmask();
            self.message(opcode, &data, compress);
            self.give_back(data);
            return;
        }
        let (opcode, data, frame_len, keys) = message.into_parts();
        self.spool_framed(opcode, false, true, data, frame_len, Some(keys));
    }

    /// Queues one fragment of a message (RFC 6455 §5.4): the first (`first`, with the
    /// message's opcode) begins the message, `fin` ends it. With permessage-deflate the message
    /// is compressed as one stream (RFC 7692 §6.1, §7.2.1): RSV1 on its first frame, a sync
    /// flush after each fragment so the peer can inflate it as it comes, and the final flush's
    /// `00 00 FF FF` removed only at the end. The buffer comes back through
    /// [`Writer::take_done`]. The caller checked the fragment continues (or begins) a message.
    pub(crate) fn fragment(&mut self, opcode: Opcode, data: Vec<u8>, first: bool, fin: bool) {
        let compressed = self.fragment_compressed(first);
        let opcode = self.fragment_opcode(opcode, first, fin, compressed);
        if compressed {
            let compressor = self.compressor.as_mut().expect("compressed only with one");
            compressor.compress_piece(&data, &mut self.compressed, fin);
            self.give_back(data);
            self.queue_compressed_fragment(opcode, first, fin);
            return;
        }
        if data.len() < IN_PLACE_MIN {
            self.frames(opcode, false, fin, &data);
            self.give_back(data);
        } else {
            self.spool(opcode, false, fin, data);
        }
    }

    /// Queues one fragment masked ahead (see [`Writer::fragment`]): written as it is, in its
    /// own frames with its own keys, when it is long enough to be spooled, its message is not
    /// compressed and we are a client; otherwise unmasked and queued like any fragment.
    pub(crate) fn fragment_masked(&mut self, piece: MaskedMessage, first: bool, fin: bool) {
        if !self.writes_as_masked(&piece, self.fragment_compressed(first)) {
            let (opcode, data) = piece.unmask();
            self.fragment(opcode, data, first, fin);
            return;
        }
        let (opcode, data, frame_len, keys) = piece.into_parts();
        let opcode = self.fragment_opcode(opcode, first, fin, false);
        self.spool_framed(opcode, false, fin, data, frame_len, Some(keys));
    }

    /// The opcode of a fragment of an `opcode` message (the message's for the first,
    /// continuation after it), noting whether the message stays open after it and whether it
    /// is `compressed`.
    fn fragment_opcode(
        &mut self,
        opcode: Opcode,
        first: bool,
        fin: bool,
        compressed: bool,
    ) -> Opcode {
        self.fragmented = (!fin).then_some((opcode, compressed));
        if first {
            opcode
        } else {
            Opcode::Continuation
        }
    }

    /// Whether a payload masked ahead is written as it is: long enough to be spooled, not
    /// compressed, and we are a client (a server does not mask). Otherwise its plain bytes
    /// are needed: it is unmasked first.
    fn writes_as_masked(&self, masked: &MaskedMessage, compressed: bool) -> bool {
        !compressed && masked.len() >= IN_PLACE_MIN && self.role == Role::Client
    }

    /// Whether the fragment's message is compressed: decided at its first fragment (when
    /// permessage-deflate was negotiated and compresses), kept for the rest.
    fn fragment_compressed(&self, first: bool) -> bool {
        match (first, self.fragmented) {
            (false, Some((_, compressed))) => compressed,
            _ => self
                .compressor
                .as_deref()
                .is_some_and(Compressor::compresses),
        }
    }

    /// Compresses a whole message into `self.compressed` when negotiated and worth it.
    fn compress_message(&mut self, data: &[u8]) -> bool {
        match &mut self.compressor {
            Some(compressor) => compressor.compress(data, &mut self.compressed),
            None => false,
        }
    }

    /// Queues the compressed payload of a whole message.
    fn queue_compressed(&mut self, opcode: Opcode, fin: bool) {
        if self.compressed.len() < IN_PLACE_MIN {
            let compressed = std::mem::take(&mut self.compressed);
            self.frames(opcode, true, fin, &compressed);
            self.compressed = compressed;
        } else {
            let compressed = std::mem::take(&mut self.compressed);
            self.spool(opcode, true, fin, compressed);
        }
    }

    /// Queues the compressed output of one fragment: RSV1 only on the message's first frame.
    fn queue_compressed_fragment(&mut self, opcode: Opcode, first: bool, fin: bool) {
        if self.compressed.len() < IN_PLACE_MIN {
            let compressed = std::mem::take(&mut self.compressed);
            self.frames(opcode, first, fin, &compressed);
            self.compressed = compressed;
        } else {
            let compressed = std::mem::take(&mut self.compressed);
            self.spool(opcode, first, fin, compressed);
        }
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

    /// Queues a ping or pong; the caller checked the payload is at most 125 bytes. While a
    /// spooled payload is being written it goes out before that payload's next frame.
    pub(crate) fn control(&mut self, opcode: Opcode, payload: &[u8]) {
        if self.spooled.is_empty() {
            return self.frames(opcode, false, true, payload);
        }
        if let Some(notes) = &mut self.notes {
            notes.push(FrameNote::of(opcode, false, true, payload));
        }
        let mask = self.mask_key();
        let spooled = self.spooled.front_mut().expect("not empty");
        encode_frame(&mut spooled.urgent, opcode, false, true, mask, payload);
    }

    /// Queues a close frame (§5.5.1): the code in network byte order, then the UTF-8 reason.
    /// The caller checked the code and the reason's length. `at_once`: a close we owe now (a
    /// reply to the peer's close, or a failure): it goes out after the frame being written,
    /// and the data queued before it is dropped (§5.5.1: an endpoint may cut its current
    /// message short; nothing may follow a close). Otherwise it follows everything queued.
    pub(crate) fn close(&mut self, code: Option<CloseCode>, reason: &str, at_once: bool) {
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
        self.fragmented = None;
        if at_once && !self.spooled.is_empty() {
            self.cut_after_current_frame();
            self.control(Opcode::Close, &payload[..len]);
        } else {
            self.frames(Opcode::Close, false, true, &payload[..len]);
        }
    }

    /// Drops every queued data byte after the frame being written: the spooled payloads after
    /// it and the output after the first one (control frames already queued ahead still go).
    fn cut_after_current_frame(&mut self) {
        let Some(first) = self.spooled.front_mut() else {
            return;
        };
        if first.written > 0 {
            // Its current frame goes out; nothing after it.
            first.payload.truncate(first.frame.end);
            first.fin = false;
        } else {
            first.payload.truncate(0);
            first.empty_frame(0);
        }
        let at = first.at;
        let rest: Vec<Spooled> = self.spooled.drain(1..).collect();
        for spooled in rest {
            self.give_back(spooled.payload);
        }
        self.out.truncate(at);
    }

    /// The first piece of the output not written yet (the rest follows it).
    pub(crate) fn pending(&self) -> &[u8] {
        let end = self.spooled.front().map_or(self.out.len(), |f| f.at);
        if self.start < end {
            return &self.out[self.start..end];
        }
        match self.spooled.front() {
            Some(spooled) => spooled
                .remaining()
                .into_iter()
                .find(|p| !p.is_empty())
                .unwrap_or(&[]),
            None => &[],
        }
    }

    /// Fills `slices` with the pending output in order; returns how many it filled. A spooled
    /// payload offers the masked part of its current frame only: the next piece is masked, or
    /// the next frame made, once that is written.
    pub(crate) fn pending_vectored<'a>(&'a self, slices: &mut [IoSlice<'a>]) -> usize {
        let mut filled = 0;
        let mut push = |piece: &'a [u8]| {
            if !piece.is_empty() && filled < slices.len() {
                slices[filled] = IoSlice::new(piece);
                filled += 1;
            }
        };
        let end = self.spooled.front().map_or(self.out.len(), |f| f.at);
        push(&self.out[self.start..end]);
        if let Some(spooled) = self.spooled.front() {
            for piece in spooled.remaining() {
                push(piece);
            }
        }
        filled
    }

    /// Bytes of output not written yet, offered or not (a spooled payload's part not masked yet
    /// counts; the headers of its frames not made yet do not).
    pub(crate) fn pending_len(&self) -> usize {
        let spooled: usize = self.spooled.iter().map(Spooled::len_left).sum();
        self.out.len() - self.start + spooled
    }

    /// Marks `n` bytes of the pending output (in the order of `pending_vectored`) as written.
    pub(crate) fn consume(&mut self, mut n: usize) {
        while n > 0 {
            let end = self.spooled.front().map_or(self.out.len(), |f| f.at);
            if self.start < end {
                let take = n.min(end - self.start);
                self.start += take;
                n -= take;
                continue;
            }
            let Some(spooled) = self.spooled.front_mut() else {
                break;
            };
            if spooled.written == 0 && spooled.urgent_left() > 0 {
                let take = n.min(spooled.urgent_left());
                spooled.urgent_written += take;
                n -= take;
                continue;
            }
            let take = n.min(spooled.ready() - spooled.written);
            spooled.written += take;
            n -= take;
            self.advance_spooled();
        }
        self.advance_spooled();
        if self.start == self.out.len() && self.spooled.is_empty() {
            self.out.clear();
            self.start = 0;
        }
    }

    /// After writes, and when a payload is spooled: for the first spooled payload, masks the
    /// next piece of its current frame once what was ready is out (the first piece of a
    /// payload when it comes first in line), makes its next frame once the current one is out,
    /// and retires it when all of it is.
    fn advance_spooled(&mut self) {
        loop {
            let Some(spooled) = self.spooled.front_mut() else {
                return;
            };
            if !spooled.frame_done() {
                spooled.mask_when_needed();
                return;
            }
            if spooled.is_done() {
                let spooled = self.spooled.pop_front().expect("front exists");
                // Control frames queued behind it wait in `out` from its place on.
                self.give_back(spooled.payload);
                continue;
            }
            if spooled.frame.end == spooled.payload.len() {
                // Only control frames are left: they go out first, then it is done.
                if spooled.urgent_left() == 0 {
                    continue;
                }
                spooled.empty_frame(spooled.payload.len());
                return;
            }
            let next = spooled.frame.end;
            if spooled.urgent_left() == 0 {
                spooled.urgent.clear();
                spooled.urgent_written = 0;
            }
            let (role, entropy) = (self.role, &mut self.entropy);
            spooled.make_frame(next, || fresh_key(role, entropy));
            // The next round masks its first piece (a new frame is not done).
        }
    }

    /// Whether the output buffer grew past [`IDLE_BUFFER_MAX`] (a large message copied into
    /// it, a long batch) and holds nothing unwritten: see [`Writer::release_idle_buffer`].
    pub(crate) fn holds_large_idle_buffer(&self) -> bool {
        self.spooled.is_empty()
            && self.start == self.out.len()
            && self.out.capacity() > IDLE_BUFFER_MAX
    }

    /// Frees the buffer [`Writer::holds_large_idle_buffer`] names.
    pub(crate) fn release_idle_buffer(&mut self) {
        if self.holds_large_idle_buffer() {
            self.out = Vec::new();
            self.start = 0;
        }
    }

    /// Bytes of memory the output buffer holds, for tests of the allocation rules.
    #[cfg(test)]
    pub(crate) fn buffer_capacity(&self) -> usize {
        self.out.capacity()
    }

    /// Drops written bytes once they are the larger part of the buffer.
    fn reclaim(&mut self) {
        if self.start > 0 && self.start >= self.out.len() / 2 {
            self.out.drain(..self.start);
            for spooled in &mut self.spooled {
                spooled.at -= self.start;
            }
            self.start = 0;
        }
    }

    /// A client masks every frame with a fresh key (§5.3: "The masking key is a 32-bit value
    /// chosen at random by the client ... fresh masking key for each frame").
    fn mask_key(&mut self) -> Option<[u8; 4]> {
        fresh_key(self.role, &mut self.entropy)
    }

    /// A payload queued to be written from its own buffer; its first frame is made now, and
    /// its first piece masked now if it is first in line (else when it comes to be).
    fn spool(&mut self, opcode: Opcode, rsv1: bool, fin: bool, payload: Vec<u8>) {
        self.spool_framed(opcode, rsv1, fin, payload, self.max_frame, None);
    }

    /// [`Writer::spool`] in frames of `frame_len` bytes, already masked with `premasked`
    /// when given.
    fn spool_framed(
        &mut self,
        opcode: Opcode,
        rsv1: bool,
        fin: bool,
        payload: Vec<u8>,
        frame_len: usize,
        premasked: Option<FrameKeys>,
    ) {
        self.reclaim();
        // Its frames are made as the previous ones are written; all of them are counted now.
        let frames = payload.len().div_ceil(frame_len).max(1);
        self.data_frames += frames as u64;
        if let Some(notes) = &mut self.notes {
            for i in 0..frames {
                let len = (payload.len() - i * frame_len).min(frame_len) as u64;
                notes.push(FrameNote {
                    opcode: if i == 0 { opcode } else { Opcode::Continuation },
                    fin: fin && i + 1 == frames,
                    rsv1: rsv1 && i == 0,
                    len,
                    code: 0,
                });
            }
        }
        let mut spooled = Spooled {
            at: self.out.len(),
            payload,
            opcode,
            rsv1,
            fin,
            frame: 0..0,
            frame_len,
            premasked,
            key: None,
            masked: 0,
            header: [0; MAX_HEADER_LEN],
            header_len: 0,
            written: 0,
            urgent: Vec::new(),
            urgent_written: 0,
        };
        spooled.make_frame(0, || self.mask_key());
        self.spooled.push_back(spooled);
        self.advance_spooled();
    }

    /// A payload copied into the output buffer, in frames of at most `max_frame` bytes: the
    /// first with `opcode` and `rsv1`, the others continuations, FIN on the last when `fin`.
    /// An empty payload is one empty frame.
    fn frames(&mut self, opcode: Opcode, rsv1: bool, fin: bool, payload: &[u8]) {
        self.reclaim();
        let mut chunks = payload.chunks(self.max_frame).peekable();
        let mut first = true;
        loop {
            let chunk = chunks.next().unwrap_or_default();
            let last = chunks.peek().is_none();
            let mask = self.mask_key();
            let opcode = if first { opcode } else { Opcode::Continuation };
            self.data_frames += u64::from(!opcode.is_control());
            if let Some(notes) = &mut self.notes {
                notes.push(FrameNote::of(opcode, first && rsv1, fin && last, chunk));
            }
            encode_frame(
                &mut self.out,
                opcode,
                first && rsv1,
                fin && last,
                mask,
                chunk,
            );
            first = false;
            if last {
                break;
            }
        }
    }
}

/// A fresh masking key for a client's frame, none for a server's ([`Writer::mask_key`]).
fn fresh_key(role: Role, entropy: &mut Entropy) -> Option<[u8; 4]> {
    match role {
        Role::Client => {
            let mut key = [0u8; 4];
            entropy(&mut key);
            Some(key)
        }
        Role::Server => None,
    }
}

/// One frame appended to `out`: its header, then its payload masked with `mask`.
fn encode_frame(
    out: &mut Vec<u8>,
    opcode: Opcode,
    rsv1: bool,
    fin: bool,
    mask: Option<[u8; 4]>,
    payload: &[u8],
) {
    out.reserve(MAX_HEADER_LEN + payload.len());
    FrameHeader {
        fin,
        rsv1,
        opcode,
        mask,
        payload_len: payload.len() as u64,
    }
    .encode(out);
    match mask {
        Some(key) => mask_into(payload, key, 0, out),
        None => out.extend_from_slice(payload),
    }
}
