//! `/generate/...`: one message made up as it is sent (see content.rs), never held whole,
//! then its report, a text message `TOTAL CRC32HEX`: its length and the CRC-32 of its
//! (uncompressed) bytes, in 8 lowercase hex digits. Between frames (or compressed pieces) the
//! server reads what the client sent meanwhile: pings are answered there, and a close frame
//! (or a failure, or EOF) ends the message unfinished, without a report. Data messages the
//! client sends meanwhile are dropped.
use super::wire::{read_ready, write_output};
use super::Stream;
use crate::crc32::Crc32;
use net_websocket_protocol::frame::{FrameHeader, Opcode};
use net_websocket_protocol::{Protocol, State};
use tokio::io::AsyncWriteExt;

mod content;
use content::{BadText, BinaryPattern, Content, FrameSizes, Lines, TextPattern};

/// A generated message, as the request path asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Generated {
    /// `total` bytes of a binary pattern in frames of `frame` bytes (0: one frame).
    Binary { total: u64, frame: u64 },
    /// `total` bytes of text of 1- to 4-byte characters, in frames whose sizes vary so that
    /// frame boundaries fall at every offset inside characters.
    Text { total: u64 },
    /// `total` bytes of lines of words (compressible, not trivially) as a binary message
    /// compressed with permessage-deflate, sent as fragments of [`COMPRESSED_PIECE`] bytes
    /// (before compression) in one deflate stream. Only when the client offered
    /// permessage-deflate.
    Compressed { total: u64 },
    /// `total` bytes of the text "aé€😀" repeated, with an invalid byte (0xFF) in place of
    /// the "a" at the greatest multiple of 10 not above `total / 2`, in frames of `frame`
    /// bytes (0: one frame).
    BadText { total: u64, frame: u64 },
}

impl Generated {
    fn total(self) -> u64 {
        match self {
            Generated::Binary { total, .. }
            | Generated::Text { total }
            | Generated::Compressed { total }
            | Generated::BadText { total, .. } => total,
        }
    }
}

/// The most bytes written at once: the payload of a large frame goes out in chunks of this.
const CHUNK: usize = 64 * 1024;
/// The size of the fragments of `/generate/compressed` before compression.
const COMPRESSED_PIECE: usize = 1 << 20;

/// Sends the generated message and, if it went out whole, queues its report in
/// `connection`.
pub(super) async fn send<S: Stream>(
    stream: &mut S,
    connection: &mut Protocol,
    what: Generated,
) -> std::io::Result<()> {
    let mut crc = Crc32::new();
    let whole = match what {
        Generated::Binary { total, frame } => {
            let frames = FrameSizes::fixed(total, frame);
            let mut content = BinaryPattern::default();
            raw(
                stream,
                connection,
                Opcode::Binary,
                &mut content,
                frames,
                &mut crc,
            )
            .await?
        }
        Generated::Text { total } => {
            let frames = FrameSizes::varied(total);
            let mut content = TextPattern::new(total);
            raw(
                stream,
                connection,
                Opcode::Text,
                &mut content,
                frames,
                &mut crc,
            )
            .await?
        }
        Generated::BadText { total, frame } => {
            let frames = FrameSizes::fixed(total, frame);
            let mut content = BadText::new(total);
            raw(
                stream,
                connection,
                Opcode::Text,
                &mut content,
                frames,
                &mut crc,
            )
            .await?
        }
        Generated::Compressed { total } => compressed(stream, connection, total, &mut crc).await?,
    };
    if whole {
        let report = format!("{} {:08x}", what.total(), crc.value());
        let _ = connection.send_text(&report);
    }
    Ok(())
}

/// Writes the message frame by frame, straight to the stream (a server's frames are not
/// masked, so the payload is written as it is made); false if the client ended the
/// connection first.
async fn raw<S: Stream>(
    stream: &mut S,
    connection: &mut Protocol,
    opcode: Opcode,
    content: &mut (dyn Content + Send),
    frames: FrameSizes,
    crc: &mut Crc32,
) -> std::io::Result<bool> {
    let mut chunk = vec![0u8; CHUNK];
    let mut first = true;
    for (size, last) in frames {
        if !between_frames(stream, connection).await? {
            return Ok(false);
        }
        let header = FrameHeader {
            fin: last,
            rsv1: false,
            opcode: if first { opcode } else { Opcode::Continuation },
            mask: None,
            payload_len: size,
        };
        first = false;
        // The header goes out with the payload's first chunk: a small frame is one write.
        let (bytes, mut used) = header.to_bytes();
        chunk[..used].copy_from_slice(&bytes[..used]);
        let mut left = size;
        loop {
            let n = left.min((CHUNK - used) as u64) as usize;
            let payload = &mut chunk[used..used + n];
            content.fill(payload);
            crc.update(payload);
            stream.write_all(&chunk[..used + n]).await?;
            left -= n as u64;
            used = 0;
            if left == 0 {
                break;
            }
        }
    }
    Ok(true)
}

/// Sends the message in compressed fragments through the protocol state (one deflate stream,
/// RFC 7692 §7.2.1), each written before the next is made; false if the client ended the
/// connection first.
async fn compressed<S: Stream>(
    stream: &mut S,
    connection: &mut Protocol,
    total: u64,
    crc: &mut Crc32,
) -> std::io::Result<bool> {
    let mut content = Lines::new();
    let mut left = total;
    let mut first = true;
    loop {
        if !between_frames(stream, connection).await? {
            return Ok(false);
        }
        let n = left.min(COMPRESSED_PIECE as u64) as usize;
        let mut piece = vec![0; n];
        content.fill(&mut piece);
        crc.update(&piece);
        left -= n as u64;
        let last = left == 0;
        if connection.send_binary_fragment(piece, first, last).is_err() {
            return Ok(false);
        }
        first = false;
        write_output(stream, connection).await?;
        if last {
            return Ok(true);
        }
    }
}

/// Takes in what the client sent meanwhile (answering pings), writes what that queued
/// (control frames may come between the frames of a message, RFC 6455 §5.4), and tells
/// whether the connection is still open for the message's next frame.
async fn between_frames<S: Stream>(
    stream: &mut S,
    connection: &mut Protocol,
) -> std::io::Result<bool> {
    read_ready(stream, connection).await?;
    while connection.poll_event().is_some() {}
    write_output(stream, connection).await?;
    Ok(connection.state() == State::Open)
}
