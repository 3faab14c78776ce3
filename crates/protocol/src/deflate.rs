//! permessage-deflate (RFC 7692): negotiation and per-message compression.

/// What the client offers (all optional parameters of RFC 7692 §7.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeflateConfig {
    /// Offer `client_max_window_bits` (without a value: the server may pick 8..=15).
    pub client_max_window_bits: Option<u8>,
    /// Offer `server_max_window_bits=N`.
    pub server_max_window_bits: Option<u8>,
    pub client_no_context_takeover: bool,
    pub server_no_context_takeover: bool,
    /// Messages shorter than this are sent uncompressed (RSV1 clear).
    pub min_compress_size: usize,
}

impl Default for DeflateConfig {
    fn default() -> Self {
        DeflateConfig {
            client_max_window_bits: Some(15),
            server_max_window_bits: None,
            client_no_context_takeover: false,
            server_no_context_takeover: false,
            min_compress_size: 0,
        }
    }
}

/// The parameters both sides agreed on (from the server's response, or the server's choice).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeflateParams {
    pub client_max_window_bits: u8,
    pub server_max_window_bits: u8,
    pub client_no_context_takeover: bool,
    pub server_no_context_takeover: bool,
}
