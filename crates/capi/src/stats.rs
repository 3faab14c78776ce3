//! `WebSocketEx_Stats` (net_websocket_ext.h "Statistics"): the C layout of
//! [`net_websocket_client::Stats`], append-only, and its prefix copy.
use net_websocket_client::Stats;
use std::time::Duration;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct WebSocketEx_Stats {
    pub size: u64,
    pub bytesSent: u64,
    pub bytesReceived: u64,
    pub payloadBytesSent: u64,
    pub payloadBytesReceived: u64,
    pub messagesSent: u64,
    pub messagesReceived: u64,
    pub framesSent: u64,
    pub framesReceived: u64,
    pub pingsSent: u64,
    pub pongsReceived: u64,
    pub rttUs: u64,
    pub smoothedRttUs: u64,
    pub dnsUs: u64,
    pub tcpUs: u64,
    pub proxyUs: u64,
    pub tlsUs: u64,
    pub handshakeUs: u64,
    pub openMs: u64,
    pub reconnects: u64,
    pub queuedBytes: u64,
    pub tlsVersion: [u8; 16],
    pub cipherSuite: [u8; 64],
    pub alpn: [u8; 32],
    pub subprotocol: [u8; 128],
    pub extensions: [u8; 128],
}

/// The smallest `size` GetStats accepts: room for the `size` field.
pub(crate) const MIN_SIZE: usize = 8;

fn us(d: Duration) -> u64 {
    d.as_micros().min(u128::from(u64::MAX)) as u64
}

/// `text` as a NUL-terminated field, cut at a character boundary when it is too long.
fn c_field<const N: usize>(text: &str) -> [u8; N] {
    let mut end = text.len().min(N - 1);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut field = [0u8; N];
    field[..end].copy_from_slice(&text.as_bytes()[..end]);
    field
}

impl WebSocketEx_Stats {
    pub(crate) fn new(stats: &Stats) -> Self {
        WebSocketEx_Stats {
            size: std::mem::size_of::<WebSocketEx_Stats>() as u64,
            bytesSent: stats.bytes_sent,
            bytesReceived: stats.bytes_received,
            payloadBytesSent: stats.payload_bytes_sent,
            payloadBytesReceived: stats.payload_bytes_received,
            messagesSent: stats.messages_sent,
            messagesReceived: stats.messages_received,
            framesSent: stats.frames_sent,
            framesReceived: stats.frames_received,
            pingsSent: stats.pings_sent,
            pongsReceived: stats.pongs_received,
            rttUs: us(stats.rtt),
            smoothedRttUs: us(stats.smoothed_rtt),
            dnsUs: us(stats.dns),
            tcpUs: us(stats.tcp),
            proxyUs: us(stats.proxy),
            tlsUs: us(stats.tls),
            handshakeUs: us(stats.handshake),
            openMs: stats.open_for.as_millis().min(u128::from(u64::MAX)) as u64,
            reconnects: stats.reconnects,
            queuedBytes: stats.queued_bytes,
            tlsVersion: c_field(&stats.tls_version),
            cipherSuite: c_field(&stats.cipher_suite),
            alpn: c_field(&stats.alpn),
            subprotocol: c_field(&stats.subprotocol),
            extensions: c_field(&stats.extensions),
        }
    }

    /// Writes the first min(`size`, sizeof) bytes of `self` to `out`, with `size` set to
    /// that number; the caller checked `size >= MIN_SIZE`.
    ///
    /// # Safety
    /// `out` must be valid for `size` bytes of writing.
    pub(crate) unsafe fn write_prefix(mut self, out: *mut WebSocketEx_Stats, size: usize) {
        let filled = size.min(std::mem::size_of::<WebSocketEx_Stats>());
        self.size = filled as u64;
        let bytes = (&self as *const WebSocketEx_Stats).cast::<u8>();
        // SAFETY: `filled` bytes of `self` are readable (a repr(C) struct of integers and
        // byte arrays: no padding) and `out` is writable for `size >= filled` (caller).
        unsafe { std::ptr::copy_nonoverlapping(bytes, out.cast::<u8>(), filled) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layout_has_no_padding_and_strings_are_cut_at_a_character() {
        assert_eq!(
            std::mem::size_of::<WebSocketEx_Stats>(),
            21 * 8 + 16 + 64 + 32 + 128 + 128
        );
        assert_eq!(c_field::<4>("abc"), *b"abc\0");
        assert_eq!(c_field::<4>("abcd"), *b"abc\0");
        assert_eq!(c_field::<4>("aé"), *b"a\xc3\xa9\0");
        assert_eq!(c_field::<4>("abé"), *b"ab\0\0");
    }
}
