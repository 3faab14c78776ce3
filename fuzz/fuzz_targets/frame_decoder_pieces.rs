#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    net_websocket_fuzz::pieces::frame_decoder_pieces(data);
});
