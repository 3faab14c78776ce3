//! What a console line asks for: a message (the line itself, as text or hex per the mode) or a
//! command (`/name argument`). A new command is one arm in [`parse`] and one line in [`HELP`].
use crate::format::decode_hex;
use net_websocket_client::protocol::close::{is_valid_wire_code, MAX_REASON_LEN};
use net_websocket_client::MessageKind;

/// How plain lines are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Text,
    /// Hex digits, spaces allowed.
    Binary,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Send(MessageKind, Vec<u8>),
    /// A ping with this payload; its pong prints the round trip time.
    Ping(Vec<u8>),
    Close(u16, String),
    /// Send plain lines this way from now on.
    Switch(Mode),
    Help,
    /// Print the connection's statistics.
    Stats,
    /// Close with 1000 and exit once answered.
    Quit,
}

/// What `/help` prints.
pub const HELP: &str = "\
/ping [TEXT]            ping, TEXT as the payload; the pong prints the round trip time
/close [CODE [REASON]]  close with CODE (1000 unless given) and REASON, then exit
/binary HEX             send one binary message (hex digits, spaces allowed)
/text TEXT              send one text message (one that starts with / too)
/binary, /text          send the lines that follow as binary (hex) or as text
/stats                  the connection's statistics: messages, frames and bytes each way, RTT
/help                   this list
/quit                   close with 1000 and exit (so does Ctrl-D; Ctrl-C twice leaves at once)";

/// The normal closure (RFC 6455 §7.4.1).
const NORMAL_CLOSURE: u16 = 1000;
/// RFC 6455 §5.5: a control frame carries at most 125 bytes.
const MAX_PING_PAYLOAD: usize = 125;
/// The codes a close frame may carry, as the errors list them.
const SENDABLE_CODES: &str = "1000-1003, 1007-1014 or 3000-4999";

/// The action a line stands for; the error says what is wrong with it.
pub fn parse(line: &str, mode: Mode) -> Result<Action, String> {
    let Some(command) = line.strip_prefix('/') else {
        return message(line, mode);
    };
    // The argument is everything after the first space, as typed.
    let (name, argument) = match command.split_once(' ') {
        Some((name, argument)) => (name, Some(argument)),
        None => (command, None),
    };
    match (name, argument) {
        ("ping", payload) => ping(payload.unwrap_or("")),
        ("close", argument) => close(argument.unwrap_or("")),
        ("binary", Some(hex)) => message(hex, Mode::Binary),
        ("binary", None) => Ok(Action::Switch(Mode::Binary)),
        ("text", Some(text)) => message(text, Mode::Text),
        ("text", None) => Ok(Action::Switch(Mode::Text)),
        ("help", None) => Ok(Action::Help),
        ("stats", None) => Ok(Action::Stats),
        ("quit", None) => Ok(Action::Quit),
        ("help" | "stats" | "quit", Some(_)) => Err(format!("/{name} takes nothing after it")),
        _ => Err(format!("no command /{name} (/help lists them)")),
    }
}

fn message(line: &str, mode: Mode) -> Result<Action, String> {
    match mode {
        Mode::Text => Ok(Action::Send(MessageKind::Text, line.as_bytes().to_vec())),
        Mode::Binary => decode_hex(line.as_bytes())
            .map(|bytes| Action::Send(MessageKind::Binary, bytes))
            .map_err(|e| format!("not hex: {e} (/text switches to text)")),
    }
}

fn ping(payload: &str) -> Result<Action, String> {
    if payload.len() > MAX_PING_PAYLOAD {
        return Err(format!("a ping carries at most {MAX_PING_PAYLOAD} bytes"));
    }
    Ok(Action::Ping(payload.as_bytes().to_vec()))
}

/// `[CODE [REASON]]`: the reason is the rest of the line.
fn close(argument: &str) -> Result<Action, String> {
    let argument = argument.trim_start();
    if argument.is_empty() {
        return Ok(Action::Close(NORMAL_CLOSURE, String::new()));
    }
    let (code, reason) = argument.split_once(' ').unwrap_or((argument, ""));
    let code: u16 = code
        .parse()
        .map_err(|_| format!("{code:?} is not a close code ({SENDABLE_CODES})"))?;
    if !is_valid_wire_code(code) {
        return Err(format!(
            "close code {code} may not be sent ({SENDABLE_CODES})"
        ));
    }
    if reason.len() > MAX_REASON_LEN {
        return Err(format!("a close reason is at most {MAX_REASON_LEN} bytes"));
    }
    Ok(Action::Close(code, reason.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(line: &str) -> Result<Action, String> {
        parse(line, Mode::Text)
    }

    #[test]
    fn plain_lines_are_messages_of_the_mode() {
        assert_eq!(
            text("hello /world"),
            Ok(Action::Send(MessageKind::Text, b"hello /world".to_vec()))
        );
        assert_eq!(text(""), Ok(Action::Send(MessageKind::Text, Vec::new())));
        assert_eq!(
            parse("00 ff", Mode::Binary),
            Ok(Action::Send(MessageKind::Binary, vec![0, 0xff]))
        );
        let error = parse("0g", Mode::Binary).unwrap_err();
        assert!(error.starts_with("not hex: 'g' at column 2"), "{error}");
    }

    #[test]
    fn text_and_binary_send_once_or_switch() {
        assert_eq!(
            text("/text /not a command"),
            Ok(Action::Send(MessageKind::Text, b"/not a command".to_vec()))
        );
        assert_eq!(
            text("/binary 0001"),
            Ok(Action::Send(MessageKind::Binary, vec![0, 1]))
        );
        assert_eq!(text("/binary"), Ok(Action::Switch(Mode::Binary)));
        assert_eq!(parse("/text", Mode::Binary), Ok(Action::Switch(Mode::Text)));
    }

    #[test]
    fn ping_takes_an_optional_payload_within_the_control_frame_limit() {
        assert_eq!(text("/ping"), Ok(Action::Ping(Vec::new())));
        assert_eq!(
            text("/ping hi there"),
            Ok(Action::Ping(b"hi there".to_vec()))
        );
        assert_eq!(
            text(&format!("/ping {}", "x".repeat(125))),
            Ok(Action::Ping(vec![b'x'; 125]))
        );
        assert!(text(&format!("/ping {}", "x".repeat(126))).is_err());
    }

    #[test]
    fn close_takes_a_code_that_may_be_sent_and_a_reason() {
        assert_eq!(text("/close"), Ok(Action::Close(1000, String::new())));
        assert_eq!(text("/close 4000"), Ok(Action::Close(4000, String::new())));
        assert_eq!(
            text("/close 4000 bye for now"),
            Ok(Action::Close(4000, "bye for now".into()))
        );
        assert_eq!(text("/close  1001"), Ok(Action::Close(1001, String::new())));
        assert!(text("/close 1005").unwrap_err().contains("may not be sent"));
        assert!(text("/close soon")
            .unwrap_err()
            .contains("not a close code"));
        assert!(text(&format!("/close 1000 {}", "r".repeat(124))).is_err());
    }

    #[test]
    fn help_quit_and_unknown_commands() {
        assert_eq!(text("/help"), Ok(Action::Help));
        assert_eq!(text("/quit"), Ok(Action::Quit));
        assert_eq!(
            text("/quit now"),
            Err("/quit takes nothing after it".into())
        );
        assert_eq!(text("/stats"), Ok(Action::Stats));
        assert_eq!(
            text("/stats now"),
            Err("/stats takes nothing after it".into())
        );
        assert_eq!(
            text("/status"),
            Err("no command /status (/help lists them)".into())
        );
        assert_eq!(text("/"), Err("no command / (/help lists them)".into()));
    }

    #[test]
    fn help_names_every_command() {
        for name in [
            "/ping", "/close", "/binary", "/text", "/stats", "/help", "/quit",
        ] {
            assert!(HELP.contains(name), "{name} missing from /help");
        }
    }
}
