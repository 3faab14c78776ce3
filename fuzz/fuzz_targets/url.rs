#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    net_websocket_fuzz::url::url(data);
});
