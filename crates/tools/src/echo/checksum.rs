//! `/checksum`: receives every data message in pieces (fragment mode: no message is held,
//! whatever its size) and answers each with a text message `LEN CRC32HEX`, its length and
//! the CRC-32 of its bytes (uncompressed) in 8 lowercase hex digits. With pings
//! (`?ping=MS`), the server pings the client when a message's first piece arrives and then
//! every MS milliseconds until its last, and the report adds ` pongs=N max_rtt_ms=M`: the
//! pings of that message answered and the longest round trip among them, from queuing the
//! ping to reading a pong that answers it, in milliseconds with three decimals. A pong
//! answers its own ping and every earlier one still waiting (RFC 6455 §5.5.3 lets a client
//! answer only the latest), and a report waits until every ping of its message is answered.
use super::wire::write_output;
use super::Stream;
use crate::crc32::Crc32;
use net_websocket_protocol::{Event, Protocol};
use std::collections::VecDeque;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::time::Instant;

/// Pings waiting for their pong at most; no more are sent meanwhile (memory stays bounded
/// for a client that never answers).
const MAX_WAITING_PINGS: usize = 1024;

/// One message's figures.
#[derive(Debug)]
struct Sum {
    len: u64,
    crc: Crc32,
    pongs: u64,
    max_rtt: Duration,
    /// The sequence number of the first ping sent after the message ended: the message's
    /// pings are those before it (and after the previous message's).
    pings_end: u64,
}

impl Sum {
    fn new() -> Self {
        Sum {
            len: 0,
            crc: Crc32::new(),
            pongs: 0,
            max_rtt: Duration::ZERO,
            pings_end: u64::MAX,
        }
    }

    fn report(&self, with_pings: bool) -> String {
        let mut report = format!("{} {:08x}", self.len, self.crc.value());
        if with_pings {
            let rtt_ms = self.max_rtt.as_secs_f64() * 1000.0;
            report += &format!(" pongs={} max_rtt_ms={rtt_ms:.3}", self.pongs);
        }
        report
    }
}

/// The messages being summed and the pings in flight.
struct Checksums {
    ping_every: Option<Duration>,
    /// The message whose pieces arrive.
    current: Option<Sum>,
    /// Messages received whole whose report waits for their pongs, in order.
    finished: VecDeque<Sum>,
    /// Pings sent and not answered yet: sequence number and when it was queued.
    waiting: VecDeque<(u64, Instant)>,
    next_seq: u64,
    /// When the next ping is due, while a message arrives.
    next_ping: Option<Instant>,
}

impl Checksums {
    fn new(ping_every: Option<Duration>) -> Self {
        Checksums {
            ping_every,
            current: None,
            finished: VecDeque::new(),
            waiting: VecDeque::new(),
            next_seq: 0,
            next_ping: None,
        }
    }

    /// Adds a piece; at a message's first, with pings, the payload of the ping to send now
    /// (counted as sent: it belongs to this message even if it ends with this piece).
    fn on_piece(&mut self, data: &[u8], first: bool, last: bool) -> Option<[u8; 8]> {
        let mut ping = None;
        if first {
            self.current = Some(Sum::new());
            if let Some(every) = self.ping_every {
                ping = self.take_ping();
                self.next_ping = Some(Instant::now() + every);
            }
        }
        let sum = self.current.as_mut()?;
        sum.len += data.len() as u64;
        sum.crc.update(data);
        if last {
            sum.pings_end = self.next_seq;
            self.finished.extend(self.current.take());
            self.next_ping = None;
        }
        ping
    }

    /// Counts a ping as sent now, unless too many wait for their pong; its payload.
    fn take_ping(&mut self) -> Option<[u8; 8]> {
        if self.waiting.len() >= MAX_WAITING_PINGS {
            return None;
        }
        let seq = self.next_seq;
        self.waiting.push_back((seq, Instant::now()));
        self.next_seq += 1;
        Some(seq.to_be_bytes())
    }

    fn on_pong(&mut self, payload: &[u8]) {
        let now = Instant::now();
        let Ok(seq) = payload.try_into().map(u64::from_be_bytes) else {
            return;
        };
        if !self.waiting.iter().any(|&(waiting, _)| waiting == seq) {
            return;
        }
        while let Some(&(answered, sent)) = self.waiting.front() {
            if answered > seq {
                break;
            }
            self.waiting.pop_front();
            let owner = self
                .finished
                .iter_mut()
                .find(|sum| answered < sum.pings_end)
                .or(self.current.as_mut());
            if let Some(sum) = owner {
                sum.pongs += 1;
                sum.max_rtt = sum.max_rtt.max(now - sent);
            }
        }
    }

    /// Queues the ping that is due, if one is.
    fn ping_if_due(&mut self, connection: &mut Protocol) {
        let (Some(due), Some(every)) = (self.next_ping, self.ping_every) else {
            return;
        };
        let now = Instant::now();
        if due > now {
            return;
        }
        // Behind schedule (a slow loop): the next one an interval from now.
        self.next_ping = Some((due + every).max(now));
        if let Some(payload) = self.take_ping() {
            // Refused only once the connection closes: no report goes out then anyway.
            let _ = connection.send_ping(&payload);
        }
    }

    /// Queues the reports whose pings are all answered, in order.
    fn report_ready(&mut self, connection: &mut Protocol) {
        while let Some(sum) = self.finished.front() {
            if self
                .waiting
                .front()
                .is_some_and(|&(seq, _)| seq < sum.pings_end)
            {
                return;
            }
            let _ = connection.send_text(&sum.report(self.ping_every.is_some()));
            self.finished.pop_front();
        }
    }
}

/// Reports every message until the close handshake completes or the client goes away; the
/// caller then shuts the stream down.
pub(super) async fn report<S: Stream>(
    stream: &mut S,
    mut connection: Protocol,
    ping_every: Option<Duration>,
) -> std::io::Result<()> {
    let mut sums = Checksums::new(ping_every);
    loop {
        while let Some(event) = connection.poll_event() {
            let ping = match event {
                Event::Fragment {
                    data, first, last, ..
                } => sums.on_piece(&data, first, last),
                Event::Pong(payload) => {
                    sums.on_pong(payload);
                    None
                }
                _ => None,
            };
            if let Some(payload) = ping {
                let _ = connection.send_ping(&payload);
            }
        }
        sums.ping_if_due(&mut connection);
        sums.report_ready(&mut connection);
        write_output(stream, &mut connection).await?;
        if connection.close_expected() {
            return Ok(());
        }
        // A read is cancel-safe: a ping that comes due first loses nothing.
        let n = match sums.next_ping {
            Some(due) => tokio::select! {
                read = stream.read(connection.read_space()) => read?,
                () = tokio::time::sleep_until(due) => continue,
            },
            None => stream.read(connection.read_space()).await?,
        };
        connection.commit_read(n);
        if n == 0 {
            connection.receive_eof();
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use net_websocket_protocol::{Config, Role};

    fn server() -> Protocol {
        Protocol::new(
            Role::Server,
            Config::default(),
            None,
            Box::new(|b| b.fill(0)),
        )
    }

    #[test]
    fn reports_length_and_crc_of_each_message_in_order() {
        let mut connection = server();
        let mut sums = Checksums::new(None);
        assert_eq!(sums.on_piece(b"1234", true, false), None);
        sums.on_piece(b"56789", false, true);
        sums.on_piece(b"", true, true);
        sums.report_ready(&mut connection);
        assert!(sums.finished.is_empty());
        let reports: Vec<String> = sums_sent(&mut connection);
        assert_eq!(reports, ["9 cbf43926", "0 00000000"]);
    }

    #[test]
    fn a_report_waits_for_the_pongs_of_its_message() {
        let mut connection = server();
        let mut sums = Checksums::new(Some(Duration::from_millis(10)));
        // A ping at the first piece.
        assert_eq!(
            sums.on_piece(b"1234", true, false),
            Some(0u64.to_be_bytes())
        );
        assert_eq!(sums.waiting.len(), 1);
        // Not due again yet.
        sums.ping_if_due(&mut connection);
        assert_eq!(sums.waiting.len(), 1);
        assert_eq!(sums.on_piece(b"56789", false, true), None);
        sums.report_ready(&mut connection);
        assert_eq!(sums.finished.len(), 1, "waits for the pong");
        // An unknown pong answers nothing.
        sums.on_pong(&7u64.to_be_bytes());
        sums.on_pong(b"unsolicited");
        assert_eq!(sums.waiting.len(), 1);
        sums.on_pong(&0u64.to_be_bytes());
        sums.report_ready(&mut connection);
        let reports = sums_sent(&mut connection);
        assert_eq!(reports.len(), 1);
        assert!(
            reports[0].starts_with("9 cbf43926 pongs=1 max_rtt_ms="),
            "{}",
            reports[0]
        );
    }

    #[test]
    fn a_message_of_one_piece_gets_its_ping() {
        let mut connection = server();
        let mut sums = Checksums::new(Some(Duration::from_millis(10)));
        assert_eq!(
            sums.on_piece(b"hello", true, true),
            Some(0u64.to_be_bytes())
        );
        sums.report_ready(&mut connection);
        assert_eq!(sums.finished.len(), 1, "waits for the pong");
        sums.on_pong(&0u64.to_be_bytes());
        sums.report_ready(&mut connection);
        let reports = sums_sent(&mut connection);
        assert!(reports[0].starts_with("5 3610a686 pongs=1 "), "{reports:?}");
    }

    #[test]
    fn a_pong_answers_every_earlier_ping() {
        let mut sums = Checksums::new(Some(Duration::from_millis(10)));
        let now = Instant::now();
        sums.current = Some(Sum::new());
        sums.waiting.extend([(0, now), (1, now), (2, now)]);
        sums.next_seq = 3;
        sums.on_pong(&1u64.to_be_bytes());
        assert_eq!(sums.waiting, [(2, now)]);
        assert_eq!(sums.current.as_ref().unwrap().pongs, 2);
    }

    /// The text messages queued on the server's connection, read back by a client.
    fn sums_sent(connection: &mut Protocol) -> Vec<String> {
        let bytes = connection.pending_output().to_vec();
        let mut client = Protocol::new(
            Role::Client,
            Config::default(),
            None,
            Box::new(|b| b.fill(0)),
        );
        client.receive_data(&bytes);
        let mut texts = Vec::new();
        while let Some(event) = client.poll_event() {
            if let Event::Message { data, .. } = event {
                texts.push(String::from_utf8(data.to_vec()).unwrap());
            }
        }
        texts
    }
}
