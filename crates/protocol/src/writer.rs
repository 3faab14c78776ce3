//! The sending half: messages and control frames → bytes for the transport (RFC 6455 §5.2,
//! §5.3; RFC 7692 §7.2.1).
use crate::close::CloseCode;
use crate::connection::Role;
use crate::deflate::Compressor;
use crate::frame::{FrameHeader, Opcode, MAX_CONTROL_PAYLOAD, MAX_HEADER_LEN};
use crate::mask::mask_into;
use crate::Entropy;

pub(crate) struct Writer {
    role: Role,
    entropy: Entropy,
    /// Encoded frames; `out[start..]` is not written yet.
    out: Vec<u8>,
    start: usize,
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

    pub(crate) fn pending(&self) -> &[u8] {
        &self.out[self.start..]
    }

    pub(crate) fn consume(&mut self, n: usize) {
        self.start = self.start.saturating_add(n).min(self.out.len());
        if self.start == self.out.len() {
            self.out.clear();
            self.start = 0;
        }
    }

    /// One frame with FIN set. A client masks it with a fresh key (§5.3: "The masking key
    /// is a 32-bit value chosen at random by the client ... fresh masking key for each frame").
    fn frame(&mut self, opcode: Opcode, rsv1: bool, payload: &[u8]) {
        // Reclaim written bytes once they are the larger part of the buffer.
        if self.start > 0 && self.start >= self.out.len() / 2 {
            self.out.drain(..self.start);
            self.start = 0;
        }
        let mask = match self.role {
            Role::Client => {
                let mut key = [0u8; 4];
                (self.entropy)(&mut key);
                Some(key)
            }
            Role::Server => None,
        };
        self.out.reserve(MAX_HEADER_LEN + payload.len());
        FrameHeader {
            fin: true,
            rsv1,
            opcode,
            mask,
            payload_len: payload.len() as u64,
        }
        .encode(&mut self.out);
        match mask {
            Some(key) => mask_into(payload, key, 0, &mut self.out),
            None => self.out.extend_from_slice(payload),
        }
    }
}
