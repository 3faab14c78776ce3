//! A whole message masked while it is copied out of the caller's buffer (client role, RFC 6455
//! §5.3). A library that must copy what it is given (the C API: the caller's buffer is free
//! again when Send returns) masks in the same pass, on the sending thread, so the connection
//! writes the copy as it is: no second pass over a large message. Its frames and their fresh
//! keys are fixed when it is made, one key per frame of at most `max_frame` bytes.
use crate::frame::Opcode;
use crate::mask::{apply_mask, mask_into};
use crate::writer::{IN_PLACE_MIN, MIN_FRAME};

/// A text or binary message, masked frame by frame; made by [`MaskedMessage::binary`] or
/// [`MaskedMessage::text`], sent with [`crate::Protocol::send_masked`].
#[derive(Debug)]
pub struct MaskedMessage {
    opcode: Opcode,
    data: Vec<u8>,
    frame_len: usize,
    keys: FrameKeys,
}

/// One fresh key per frame: inline for a message of one frame (no allocation).
#[derive(Debug, Clone)]
pub(crate) enum FrameKeys {
    One([u8; 4]),
    Many(Vec<[u8; 4]>),
}

impl FrameKeys {
    /// The key of frame `index` (counted from 0).
    pub(crate) fn get(&self, index: usize) -> [u8; 4] {
        match self {
            FrameKeys::One(key) => *key,
            FrameKeys::Many(keys) => keys[index],
        }
    }
}

impl MaskedMessage {
    /// From this length on masking ahead pays: a shorter message is copied into the
    /// connection's output anyway, masked as it is copied.
    pub const MIN_LEN: usize = IN_PLACE_MIN;

    /// A binary message: `data` masked into `buffer` (cleared first; a recycled one saves an
    /// allocation), in frames of at most `max_frame` bytes (as `Config::max_frame_size`:
    /// at least 1 KiB), each with a key from `entropy` (a CSPRNG, §5.3: "unpredictable").
    pub fn binary(
        data: &[u8],
        buffer: Vec<u8>,
        max_frame: usize,
        entropy: &mut dyn FnMut(&mut [u8]),
    ) -> MaskedMessage {
        MaskedMessage::new(Opcode::Binary, data, buffer, max_frame, entropy)
    }

    /// A text message (its type proves it is UTF-8), as [`MaskedMessage::binary`].
    pub fn text(
        text: &str,
        buffer: Vec<u8>,
        max_frame: usize,
        entropy: &mut dyn FnMut(&mut [u8]),
    ) -> MaskedMessage {
        MaskedMessage::new(Opcode::Text, text.as_bytes(), buffer, max_frame, entropy)
    }

    fn new(
        opcode: Opcode,
        data: &[u8],
        mut buffer: Vec<u8>,
        max_frame: usize,
        entropy: &mut dyn FnMut(&mut [u8]),
    ) -> MaskedMessage {
        let frame_len = max_frame.max(MIN_FRAME);
        let mut fresh_key = || {
            let mut key = [0u8; 4];
            entropy(&mut key);
            key
        };
        buffer.clear();
        buffer.reserve_exact(data.len());
        let frames = data.len().div_ceil(frame_len).max(1);
        let keys = if frames == 1 {
            FrameKeys::One(fresh_key())
        } else {
            FrameKeys::Many((0..frames).map(|_| fresh_key()).collect())
        };
        for (index, chunk) in data.chunks(frame_len).enumerate() {
            mask_into(chunk, keys.get(index), 0, &mut buffer);
        }
        MaskedMessage {
            opcode,
            data: buffer,
            frame_len,
            keys,
        }
    }

    /// The payload's length in bytes.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// True for an empty message.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// True for a text message.
    pub fn is_text(&self) -> bool {
        self.opcode == Opcode::Text
    }

    /// Its opcode: text or binary.
    pub(crate) fn opcode(&self) -> Opcode {
        self.opcode
    }

    /// The buffer, for reuse (its contents are the masked bytes).
    pub fn into_buffer(self) -> Vec<u8> {
        self.data
    }

    /// The message's opcode and its bytes unmasked: for a path that needs the plain payload
    /// (compression, a server, a message short enough to be copied into the output).
    pub(crate) fn unmask(self) -> (Opcode, Vec<u8>) {
        let mut data = self.data;
        for (index, chunk) in data.chunks_mut(self.frame_len).enumerate() {
            apply_mask(chunk, self.keys.get(index), 0);
        }
        (self.opcode, data)
    }

    /// Its parts, for the writer: opcode, masked payload, frame length and keys.
    pub(crate) fn into_parts(self) -> (Opcode, Vec<u8>, usize, FrameKeys) {
        (self.opcode, self.data, self.frame_len, self.keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counting() -> impl FnMut(&mut [u8]) {
        let mut next = 0u8;
        move |buf: &mut [u8]| {
            for b in buf {
                next = next.wrapping_add(1);
                *b = next;
            }
        }
    }

    #[test]
    fn each_frame_is_masked_with_its_own_key_and_unmasks_to_the_original() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i * 7) as u8).collect();
        let message = MaskedMessage::binary(&data, Vec::new(), 2048, &mut counting());
        assert_eq!(message.len(), data.len());
        assert!(!message.is_text());
        let (_, masked, frame_len, keys) = message.into_parts();
        assert_eq!(frame_len, 2048);
        let expected_keys = [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]];
        for (i, key) in expected_keys.iter().enumerate() {
            assert_eq!(keys.get(i), *key, "frame {i}: a fresh key");
        }
        for (i, (plain, masked)) in data.iter().zip(&masked).enumerate() {
            let key = expected_keys[i / 2048];
            // §5.3: the key's index restarts with each frame's payload.
            assert_eq!(*masked, plain ^ key[(i % 2048) % 4], "byte {i}");
        }
        let message = MaskedMessage::binary(&data, masked, 2048, &mut counting());
        assert_eq!(message.unmask(), (Opcode::Binary, data));
    }

    #[test]
    fn one_frame_needs_one_key_and_the_frame_size_is_at_least_the_minimum() {
        let message = MaskedMessage::text("héllo", Vec::with_capacity(64), 1, &mut counting());
        assert!(message.is_text());
        let (opcode, masked, frame_len, keys) = message.into_parts();
        assert_eq!(opcode, Opcode::Text);
        assert_eq!(frame_len, MIN_FRAME);
        assert!(matches!(keys, FrameKeys::One([1, 2, 3, 4])));
        assert_eq!(masked.capacity(), 64, "the buffer given was used");
        let empty = MaskedMessage::binary(b"", Vec::new(), 4096, &mut counting());
        assert!(empty.is_empty());
        assert_eq!(empty.unmask(), (Opcode::Binary, Vec::new()));
    }
}
