//! ws-deflate-table: what each permessage-deflate setting costs and saves on the sending
//! side, measured on the protocol core (no sockets): the compression ratio and the time per
//! message for each level, window and memLevel, the heap bytes a connection holds for it, and
//! the threshold's trade-off by message size. The tables of README "Compression" come from it:
//!
//!     cargo run --release -p net_websocket_bench --bin ws-deflate-table
//!
//! Payloads are ws-bench's Autobahn 12.x-style ones: JSON-like text records and random
//! bytes, a different window of a 1 MiB pool for every message (so context takeover does not
//! turn repeats into back-references).
#[path = "../payload.rs"]
#[allow(dead_code)]
mod payload;

use net_websocket_protocol::{
    Config, DeflateParams, Event, Protocol, Role, DEFAULT_DEFLATE_LEVEL, DEFAULT_DEFLATE_MEM_LEVEL,
};
use payload::{json_records, random, Payload};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// Counts the heap bytes alive, to measure what a connection holds.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator and only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[derive(Clone, Copy)]
struct Setting {
    level: u8,
    window_bits: u8,
    mem_level: u8,
    threshold: usize,
}

impl Setting {
    fn params(self) -> DeflateParams {
        DeflateParams {
            client_max_window_bits: self.window_bits,
            server_max_window_bits: self.window_bits,
            client_no_context_takeover: false,
            server_no_context_takeover: false,
            min_compress_size: self.threshold,
            level: self.level,
            mem_level: self.mem_level,
        }
    }
}

const DEFAULT: Setting = Setting {
    level: DEFAULT_DEFLATE_LEVEL,
    window_bits: 15,
    mem_level: DEFAULT_DEFLATE_MEM_LEVEL,
    threshold: 0,
};

fn protocol(role: Role, deflate: Option<DeflateParams>) -> Protocol {
    Protocol::new(role, Config::default(), deflate, Box::new(|b| b.fill(0x5a)))
}

/// Drains what `p` has to send; returns its length.
fn drain(p: &mut Protocol) -> usize {
    let mut total = 0;
    loop {
        let n = p.pending_output().len();
        if n == 0 {
            return total;
        }
        p.consume_output(n);
        total += n;
    }
}

/// Wire bytes per payload byte (%) and µs per message, sending `count` messages.
fn ratio_and_time(setting: Option<Setting>, payload: &Payload, count: u64) -> (f64, f64) {
    let mut client = protocol(Role::Client, setting.map(Setting::params));
    let (mut wire, mut plain) = (0usize, 0usize);
    let start = Instant::now();
    for i in 0..count {
        let message = payload.message(i);
        if payload.text {
            client
                .send_text(std::str::from_utf8(message).expect("ASCII"))
                .expect("open");
        } else {
            client.send_binary(message).expect("open");
        }
        wire += drain(&mut client);
        plain += message.len();
    }
    let us = start.elapsed().as_secs_f64() * 1e6 / count as f64;
    (100.0 * wire as f64 / plain as f64, us)
}

/// Heap bytes a client connection holds after sending and receiving one 16 KiB message,
/// beyond what it holds without compression.
fn kib_per_connection(setting: Setting) -> f64 {
    let held = |deflate: Option<DeflateParams>| {
        let text = json_records(16 * 1024);
        let message = std::str::from_utf8(text.message(0)).expect("ASCII");
        let mut server = protocol(Role::Server, deflate);
        server.send_text(message).expect("open");
        let from_server = server.pending_output().to_vec();
        drop(server);
        let before = LIVE.load(Ordering::Relaxed);
        let mut client = protocol(Role::Client, deflate);
        client.receive_data(&from_server);
        while let Some(event) = client.poll_event() {
            assert!(matches!(event, Event::Message { .. }), "one message");
        }
        client.send_text(message).expect("open");
        drain(&mut client);
        let after = LIVE.load(Ordering::Relaxed);
        drop(client);
        after - before
    };
    (held(Some(setting.params())) as f64 - held(None) as f64) / 1024.0
}

fn main() {
    let json16 = json_records(16 * 1024);
    let random16 = random(16 * 1024);
    let json1 = json_records(1024);
    const COUNT: u64 = 400;

    println!("## Levels (window 15, memLevel 8; 16 KiB messages, {COUNT} each)");
    println!("| level | JSON ratio | JSON µs/msg | random ratio | random µs/msg | JSON 1 KiB ratio | JSON 1 KiB µs/msg |");
    println!("|---|---|---|---|---|---|---|");
    let (r, t) = ratio_and_time(None, &json16, COUNT);
    let (rr, rt) = ratio_and_time(None, &random16, COUNT);
    let (r1, t1) = ratio_and_time(None, &json1, COUNT * 10);
    println!("| off | {r:.1}% | {t:.1} | {rr:.1}% | {rt:.1} | {r1:.1}% | {t1:.2} |");
    for level in 0..=9 {
        let s = Setting { level, ..DEFAULT };
        let (r, t) = ratio_and_time(Some(s), &json16, COUNT);
        let (rr, rt) = ratio_and_time(Some(s), &random16, COUNT);
        let (r1, t1) = ratio_and_time(Some(s), &json1, COUNT * 10);
        println!("| {level} | {r:.1}% | {t:.1} | {rr:.1}% | {rt:.1} | {r1:.1}% | {t1:.2} |");
    }

    println!();
    println!("## Windows and memLevel (level {DEFAULT_DEFLATE_LEVEL}; JSON, 16 KiB messages)");
    println!("| window bits | memLevel | ratio | µs/msg | KiB per connection |");
    println!("|---|---|---|---|---|");
    for window_bits in [15, 13, 11, 9, 8] {
        for mem_level in [9, 8, 4, 1] {
            let s = Setting {
                window_bits,
                mem_level,
                ..DEFAULT
            };
            let (r, t) = ratio_and_time(Some(s), &json16, COUNT);
            let kib = kib_per_connection(s);
            println!("| {window_bits} | {mem_level} | {r:.1}% | {t:.1} | {kib:.0} |");
        }
    }

    println!();
    println!("## Threshold: JSON messages by size (level {DEFAULT_DEFLATE_LEVEL}, window 15)");
    println!("| size | ratio | µs/msg compressed | µs/msg plain | bytes saved per µs |");
    println!("|---|---|---|---|---|");
    for size in [16, 64, 256, 512, 1024, 4096, 16384] {
        let payload = json_records(size);
        let count = (4 << 20) / size as u64;
        let count = count.clamp(400, 20_000);
        let (r, t) = ratio_and_time(Some(DEFAULT), &payload, count);
        let (rp, tp) = ratio_and_time(None, &payload, count);
        let saved = (rp - r) / 100.0 * size as f64 / (t - tp).max(0.01);
        println!("| {size} | {r:.1}% | {t:.2} | {tp:.2} | {saved:.0} |");
    }
}
