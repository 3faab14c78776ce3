//! The verdict of `--replay`: the messages that arrived against the recorded ones, in order,
//! exactly or (with `--ignore`) as JSON without the ignored members, and the close against the
//! recorded close. Each missing, extra or different message counts, and so does another close.
use crate::json_pointer::{first_difference, JsonPointer};
use net_websocket_client::Message;
use serde_json::Value;
use std::fmt;

/// One way the replay differs from the recording. Messages are numbered from 1, in the order
/// they arrived (and were recorded).
#[derive(Debug, Clone, PartialEq)]
pub enum Difference {
    Different {
        number: usize,
        recorded: Message,
        received: Message,
        /// Where two JSON texts first differ (a JSON Pointer).
        at: Option<String>,
    },
    Missing {
        number: usize,
        recorded: Message,
    },
    Extra {
        number: usize,
        received: Message,
    },
    /// The connection ended with another close code or reason (or a failure).
    Close {
        recorded: Option<(u16, String)>,
        received: Option<(u16, String)>,
        error: Option<String>,
    },
}

/// How the messages compare, pair by pair; a message past the end of the other list is
/// missing or extra.
pub fn messages(
    recorded: &[Message],
    received: &[Message],
    ignore: &[JsonPointer],
) -> Vec<Difference> {
    let longest = recorded.len().max(received.len());
    (0..longest)
        .filter_map(|i| {
            let number = i + 1;
            match (recorded.get(i), received.get(i)) {
                (Some(recorded), Some(received)) => {
                    difference(recorded, received, ignore).map(|at| Difference::Different {
                        number,
                        recorded: recorded.clone(),
                        received: received.clone(),
                        at,
                    })
                }
                (Some(recorded), None) => Some(Difference::Missing {
                    number,
                    recorded: recorded.clone(),
                }),
                (None, Some(received)) => Some(Difference::Extra {
                    number,
                    received: received.clone(),
                }),
                (None, None) => None,
            }
        })
        .collect()
}

/// None when the two match; else where they differ, if both are JSON.
fn difference(
    recorded: &Message,
    received: &Message,
    ignore: &[JsonPointer],
) -> Option<Option<String>> {
    let (Message::Text(a), Message::Text(b)) = (recorded, received) else {
        return (recorded != received).then_some(None);
    };
    let json = match (
        serde_json::from_str::<Value>(a),
        serde_json::from_str::<Value>(b),
    ) {
        (Ok(x), Ok(y)) => Some((x, y)),
        _ => None,
    };
    match json {
        // JSON-aware only with --ignore: otherwise spacing and member order count too.
        Some((mut x, mut y)) if !ignore.is_empty() => {
            for pointer in ignore {
                pointer.remove_from(&mut x);
                pointer.remove_from(&mut y);
            }
            first_difference(&x, &y).map(Some)
        }
        Some((x, y)) if a != b => Some(first_difference(&x, &y)),
        _ => (a != b).then_some(None),
    }
}

/// The close, if the recording has one.
pub fn close(
    recorded: Option<&(u16, String)>,
    received: Option<(u16, String)>,
    error: Option<String>,
) -> Option<Difference> {
    let recorded = recorded?;
    (Some(recorded) != received.as_ref()).then(|| Difference::Close {
        recorded: Some(recorded.clone()),
        received,
        error,
    })
}

/// Longest part of a message shown (in characters of text, or bytes of binary).
const SHOWN_TEXT: usize = 300;
const SHOWN_BYTES: usize = 128;

/// A message as a difference shows it: text as it is (control characters escaped, so a
/// message cannot move the cursor of the terminal showing it), binary as hex, both cut short.
pub fn show(message: &Message) -> String {
    match message {
        Message::Text(text) => {
            let mut shown: String = text
                .chars()
                .take(SHOWN_TEXT)
                .flat_map(|c| match c.is_control() {
                    true => c.escape_default().collect::<Vec<_>>(),
                    false => vec![c],
                })
                .collect();
            if text.chars().count() > SHOWN_TEXT {
                shown.push_str(&format!("… ({} bytes)", text.len()));
            }
            shown
        }
        Message::Binary(bytes) => {
            let hex: String = bytes
                .iter()
                .take(SHOWN_BYTES)
                .map(|b| format!("{b:02x}"))
                .collect();
            let more = match bytes.len() > SHOWN_BYTES {
                true => format!("… ({} bytes)", bytes.len()),
                false => String::new(),
            };
            format!("binary {hex}{more}")
        }
        other => format!("{other:?}"),
    }
}

fn show_close(close: &Option<(u16, String)>) -> String {
    match close {
        Some((code, reason)) if reason.is_empty() => format!("close {code}"),
        Some((code, reason)) => format!("close {code} {}", show(&Message::Text(reason.clone()))),
        None => "no close".to_string(),
    }
}

impl fmt::Display for Difference {
    /// A first line that names the message, then the contents, indented.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::Different {
                number,
                recorded,
                received,
                at,
            } => {
                match at {
                    Some(pointer) if pointer.is_empty() => {
                        writeln!(f, "message {number} differs (as a whole):")?
                    }
                    Some(pointer) => writeln!(f, "message {number} differs at {pointer}:")?,
                    None => writeln!(f, "message {number} differs:")?,
                }
                writeln!(f, "  recorded: {}", show(recorded))?;
                write!(f, "  received: {}", show(received))
            }
            Difference::Missing { number, recorded } => {
                writeln!(f, "message {number} is missing:")?;
                write!(f, "  recorded: {}", show(recorded))
            }
            Difference::Extra { number, received } => {
                writeln!(f, "message {number} is extra:")?;
                write!(f, "  received: {}", show(received))
            }
            Difference::Close {
                recorded,
                received,
                error,
            } => {
                writeln!(f, "the connection ended differently:")?;
                writeln!(f, "  recorded: {}", show_close(recorded))?;
                write!(f, "  received: {}", show_close(received))?;
                match error {
                    Some(error) => write!(f, " ({error})"),
                    None => Ok(()),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str) -> Message {
        Message::text(t)
    }

    /// Where each difference is, for the different messages.
    fn places(differences: &[Difference]) -> Vec<Option<&str>> {
        differences
            .iter()
            .filter_map(|d| match d {
                Difference::Different { at, .. } => Some(at.as_deref()),
                _ => None,
            })
            .collect()
    }

    fn pointers(list: &[&str]) -> Vec<JsonPointer> {
        list.iter().map(|p| p.parse().unwrap()).collect()
    }

    #[test]
    fn equal_sessions_have_no_difference() {
        let list = [text("a"), Message::binary(vec![0, 1])];
        assert_eq!(messages(&list, &list, &[]), []);
        assert_eq!(messages(&[], &[], &[]), []);
    }

    #[test]
    fn each_missing_extra_or_different_message_counts() {
        let recorded = [text("a"), text("b"), text("c")];
        let received = [text("a"), text("B")];
        assert_eq!(
            messages(&recorded, &received, &[]),
            [
                Difference::Different {
                    number: 2,
                    recorded: text("b"),
                    received: text("B"),
                    at: None
                },
                Difference::Missing {
                    number: 3,
                    recorded: text("c")
                },
            ]
        );
        let extra = messages(&recorded[..1], &[text("a"), text("x")], &[]);
        assert_eq!(
            extra,
            [Difference::Extra {
                number: 2,
                received: text("x")
            }]
        );
        // The kind counts: the same bytes as text and as binary differ.
        assert_eq!(
            messages(&[text("a")], &[Message::binary(*b"a")], &[]).len(),
            1
        );
    }

    #[test]
    fn without_ignore_json_is_compared_exactly_but_the_place_is_named() {
        let recorded = [text(r#"{"id":1,"v":"x"}"#)];
        // Same JSON, other spacing: still a difference without --ignore.
        assert_eq!(
            messages(&recorded, &[text(r#"{"id": 1, "v": "x"}"#)], &[]),
            [Difference::Different {
                number: 1,
                recorded: recorded[0].clone(),
                received: text(r#"{"id": 1, "v": "x"}"#),
                at: None
            }]
        );
        let differences = messages(&recorded, &[text(r#"{"id":2,"v":"x"}"#)], &[]);
        assert_eq!(places(&differences), [Some("/id")]);
    }

    #[test]
    fn ignored_members_do_not_count_and_the_rest_still_does() {
        let ignore = pointers(&["/id", "/data/ts"]);
        let recorded = [text(r#"{"id":1,"data":{"ts":10,"v":"x"}}"#)];
        let same = [text(r#"{"data": {"v": "x", "ts": 99}, "id": 7}"#)];
        assert_eq!(messages(&recorded, &same, &ignore), []);
        let other = [text(r#"{"id":7,"data":{"ts":99,"v":"y"}}"#)];
        let differences = messages(&recorded, &other, &ignore);
        assert_eq!(places(&differences), [Some("/data/v")], "{differences:?}");
        // Not JSON on one side: compared exactly.
        assert_eq!(messages(&[text("plain")], &[text("plain")], &ignore), []);
        assert_eq!(messages(&[text("plain")], &[text("{}")], &ignore).len(), 1);
    }

    #[test]
    fn the_close_counts_when_the_recording_has_one() {
        let normal = (1000, String::new());
        assert_eq!(close(Some(&normal), Some(normal.clone()), None), None);
        assert_eq!(close(None, Some((1011, "x".into())), None), None);
        assert_eq!(
            close(
                Some(&normal),
                Some((1006, "lost".into())),
                Some("reset".into())
            ),
            Some(Difference::Close {
                recorded: Some(normal.clone()),
                received: Some((1006, "lost".into())),
                error: Some("reset".into())
            })
        );
    }

    #[test]
    fn differences_read_as_sentences_with_the_contents() {
        let different = Difference::Different {
            number: 2,
            recorded: text(r#"{"id":1}"#),
            received: text(r#"{"id":2}"#),
            at: Some("/id".into()),
        };
        assert_eq!(
            different.to_string(),
            "message 2 differs at /id:\n  recorded: {\"id\":1}\n  received: {\"id\":2}"
        );
        let missing = Difference::Missing {
            number: 3,
            recorded: Message::binary(vec![0, 0xff]),
        };
        assert_eq!(
            missing.to_string(),
            "message 3 is missing:\n  recorded: binary 00ff"
        );
        let close = Difference::Close {
            recorded: Some((1000, String::new())),
            received: Some((4001, "gone".into())),
            error: None,
        };
        assert_eq!(
            close.to_string(),
            "the connection ended differently:\n  recorded: close 1000\n  received: close 4001 gone"
        );
    }

    #[test]
    fn shown_contents_are_escaped_and_cut_short() {
        assert_eq!(show(&text("a\u{1b}[2Jb\n")), "a\\u{1b}[2Jb\\n");
        let long = "x".repeat(SHOWN_TEXT + 5);
        let shown = show(&text(&long));
        assert!(
            shown.ends_with(&format!("… ({} bytes)", long.len())),
            "{shown}"
        );
        let bytes = show(&Message::binary(vec![0xab; SHOWN_BYTES + 1]));
        assert_eq!(
            bytes.len(),
            "binary ".len() + 2 * SHOWN_BYTES + "… (129 bytes)".len()
        );
    }
}
