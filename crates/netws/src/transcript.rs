//! The transcript format of `--record` and `--replay`, version 1: JSON Lines, a header line
//! then one line per event, each an object with a `"type"`. README.md, "Transcripts",
//! documents every field; a change that older readers would misread raises [`VERSION`]
//! (readers ignore fields they do not know).
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;

/// The version this netws writes and reads.
pub const VERSION: u32 = 1;

/// The first line: where the session went and what the handshake said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "header")]
pub struct Header {
    pub version: u32,
    /// `ws[s]://host[:port]/path?query`, secret query values redacted.
    pub url: String,
    /// The fields netws added to the request (`-H`), secret values redacted; the fields the
    /// client writes itself (Host, Upgrade, Sec-WebSocket-Key, ...) are not listed.
    pub request_headers: Vec<(String, String)>,
    /// `--protocol`, preferred first.
    pub subprotocols_offered: Vec<String>,
    /// `-z`: permessage-deflate was offered.
    pub compression_offered: bool,
    pub response: Response,
    /// The subprotocol the server chose.
    pub subprotocol: Option<String>,
    /// The server's Sec-WebSocket-Extensions, as sent.
    pub extensions: Option<String>,
}

/// The server's answer to the opening handshake.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    pub status: u16,
    pub reason: String,
    /// Every field, in order, secret values redacted.
    pub headers: Vec<(String, String)>,
}

/// Every line after the header: when (milliseconds since the connection opened, monotonic)
/// and what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub t: f64,
    #[serde(flatten)]
    pub what: What,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// From the server.
    In,
    /// From netws.
    Out,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum What {
    Text {
        dir: Direction,
        text: String,
    },
    Binary {
        dir: Direction,
        #[serde(with = "base64_bytes")]
        base64: Vec<u8>,
    },
    Ping {
        dir: Direction,
        #[serde(with = "base64_bytes")]
        base64: Vec<u8>,
    },
    Pong {
        dir: Direction,
        #[serde(with = "base64_bytes")]
        base64: Vec<u8>,
    },
    /// A close frame netws sent.
    Close {
        dir: Direction,
        code: u16,
        reason: String,
    },
    /// How the connection ended, the last line: the close code and reason (the server's, or
    /// 1006 and the like when no close frame came), and the failure if it failed.
    End {
        code: Option<u16>,
        reason: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
}

/// Binary payloads as standard base64 (RFC 4648 §4, with padding).
mod base64_bytes {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD.decode(text).map_err(D::Error::custom)
    }
}

/// Milliseconds with microsecond precision: enough for latencies, short in the file.
pub fn milliseconds(elapsed: std::time::Duration) -> f64 {
    (elapsed.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

/// A whole transcript, as `--replay` reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    pub header: Header,
    pub events: Vec<Event>,
}

/// Why a transcript cannot be used: the line (1-based) and the cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    pub line: usize,
    pub why: String,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.why)
    }
}

impl Transcript {
    pub fn read(path: &Path) -> Result<Transcript, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Transcript::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Reads the lines of a transcript (empty lines are skipped).
    pub fn parse(text: &str) -> Result<Transcript, ReadError> {
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, line)| (i + 1, line))
            .filter(|(_, line)| !line.trim().is_empty());
        let Some((number, first)) = lines.next() else {
            return Err(ReadError {
                line: 1,
                why: "empty: a transcript starts with its header line".into(),
            });
        };
        let error = |line: usize| {
            move |e: serde_json::Error| ReadError {
                line,
                why: e.to_string(),
            }
        };
        let version: Versioned = serde_json::from_str(first).map_err(error(number))?;
        if version.version != VERSION {
            return Err(ReadError {
                line: number,
                why: format!(
                    "transcript version {} (this netws reads version {VERSION})",
                    version.version
                ),
            });
        }
        let header: Header = serde_json::from_str(first).map_err(error(number))?;
        let events = lines
            .map(|(number, line)| serde_json::from_str(line).map_err(error(number)))
            .collect::<Result<_, _>>()?;
        Ok(Transcript { header, events })
    }
}

/// The version alone, read first so that a newer file is refused for its version rather than
/// for a field this netws does not know.
#[derive(Deserialize)]
struct Versioned {
    version: u32,
}

/// One line of the file, without its newline.
pub fn line(value: &impl Serialize) -> String {
    // Our types hold only strings, numbers, booleans and sequences of them: nothing that
    // serde_json can refuse to write.
    serde_json::to_string(value).expect("a transcript line is always valid JSON")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            version: VERSION,
            url: "ws://127.0.0.1:9001/chat?token=[redacted]".into(),
            request_headers: vec![("Authorization".into(), "[redacted]".into())],
            subprotocols_offered: vec!["chat.v2".into()],
            compression_offered: true,
            response: Response {
                status: 101,
                reason: "Switching Protocols".into(),
                headers: vec![("Upgrade".into(), "websocket".into())],
            },
            subprotocol: Some("chat.v2".into()),
            extensions: None,
        }
    }

    #[test]
    fn lines_are_written_as_documented() {
        assert_eq!(
            line(&header()),
            concat!(
                r#"{"type":"header","version":1,"#,
                r#""url":"ws://127.0.0.1:9001/chat?token=[redacted]","#,
                r#""request_headers":[["Authorization","[redacted]"]],"#,
                r#""subprotocols_offered":["chat.v2"],"compression_offered":true,"#,
                r#""response":{"status":101,"reason":"Switching Protocols","#,
                r#""headers":[["Upgrade","websocket"]]},"#,
                r#""subprotocol":"chat.v2","extensions":null}"#
            )
        );
        let event = |t, what| line(&Event { t, what });
        assert_eq!(
            event(
                0.25,
                What::Text {
                    dir: Direction::Out,
                    text: "hi \"you\"".into()
                }
            ),
            r#"{"t":0.25,"type":"text","dir":"out","text":"hi \"you\""}"#
        );
        assert_eq!(
            event(
                1.5,
                What::Binary {
                    dir: Direction::In,
                    base64: vec![0, 1, 0xfe, 0xff]
                }
            ),
            r#"{"t":1.5,"type":"binary","dir":"in","base64":"AAH+/w=="}"#
        );
        assert_eq!(
            event(
                2.0,
                What::Close {
                    dir: Direction::Out,
                    code: 4000,
                    reason: "bye".into()
                }
            ),
            r#"{"t":2.0,"type":"close","dir":"out","code":4000,"reason":"bye"}"#
        );
        assert_eq!(
            event(
                3.0,
                What::End {
                    code: Some(1006),
                    reason: Some("".into()),
                    error: Some("lost".into())
                }
            ),
            r#"{"t":3.0,"type":"end","code":1006,"reason":"","error":"lost"}"#
        );
        assert_eq!(
            event(
                3.0,
                What::End {
                    code: Some(1000),
                    reason: Some("".into()),
                    error: None
                }
            ),
            r#"{"t":3.0,"type":"end","code":1000,"reason":""}"#
        );
    }

    #[test]
    fn what_is_written_reads_back_the_same() {
        let events = vec![
            Event {
                t: 0.0,
                what: What::Text {
                    dir: Direction::Out,
                    text: "é\n{}".into(),
                },
            },
            Event {
                t: 0.123,
                what: What::Binary {
                    dir: Direction::In,
                    base64: (0..=255).collect(),
                },
            },
            Event {
                t: 1.0,
                what: What::Ping {
                    dir: Direction::Out,
                    base64: b"hi".to_vec(),
                },
            },
            Event {
                t: 1.5,
                what: What::Pong {
                    dir: Direction::In,
                    base64: Vec::new(),
                },
            },
            Event {
                t: 2.0,
                what: What::End {
                    code: Some(1000),
                    reason: Some("bye".into()),
                    error: None,
                },
            },
        ];
        let mut text = line(&header());
        for event in &events {
            text.push('\n');
            text.push_str(&line(event));
        }
        text.push('\n');
        let read = Transcript::parse(&text).unwrap();
        assert_eq!(read.header, header());
        assert_eq!(read.events, events);
    }

    #[test]
    fn unknown_fields_are_ignored_and_bad_lines_are_named() {
        let mut text = line(&header()).replacen('{', r#"{"future":1,"#, 1);
        text.push_str("\n\n{\"t\":1,\"type\":\"text\",\"dir\":\"in\",\"text\":\"x\",\"new\":2}");
        assert_eq!(Transcript::parse(&text).unwrap().events.len(), 1);

        let bad = format!(
            "{}\n{{\"t\":1,\"type\":\"shout\",\"dir\":\"in\"}}",
            line(&header())
        );
        let error = Transcript::parse(&bad).unwrap_err();
        assert_eq!(error.line, 2);
        assert!(error.why.contains("shout"), "{}", error.why);

        let bad = format!(
            "{}\n{{\"t\":1,\"type\":\"binary\",\"dir\":\"in\",\"base64\":\"!!\"}}",
            line(&header())
        );
        assert_eq!(Transcript::parse(&bad).unwrap_err().line, 2);
    }

    #[test]
    fn the_header_comes_first_and_its_version_is_checked() {
        assert_eq!(Transcript::parse("").unwrap_err().line, 1);
        let event = r#"{"t":1,"type":"text","dir":"in","text":"x"}"#;
        assert_eq!(Transcript::parse(event).unwrap_err().line, 1);
        let newer = line(&header()).replace(r#""version":1"#, r#""version":2"#);
        let error = Transcript::parse(&newer).unwrap_err();
        assert_eq!(
            error.why,
            "transcript version 2 (this netws reads version 1)"
        );
    }

    #[test]
    fn milliseconds_keep_microseconds() {
        use std::time::Duration;
        assert_eq!(milliseconds(Duration::from_micros(1_234_567)), 1234.567);
        assert_eq!(milliseconds(Duration::from_nanos(1_499)), 0.001);
        assert_eq!(milliseconds(Duration::ZERO), 0.0);
    }
}
