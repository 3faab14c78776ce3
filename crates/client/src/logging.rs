//! Diagnostics go through the `log` crate: Rust programs see them with the logger of their
//! choice. Programs without one (the C library, the CLI) call [`init_from_env`], which
//! installs a logger to stderr when `NET_WEBSOCKET_LOG` names a level. Off by default, and
//! then each log call site costs one relaxed atomic load: nothing is formatted.
use log::{Level, LevelFilter, Log, Metadata, Record};
use std::io::Write;
use std::sync::Once;

/// The environment variable read by [`init_from_env`]: `error`, `warn`, `info`, `debug` or
/// `trace` (any case); unset, empty or `off` leaves logging off.
pub const LOG_ENV: &str = "NET_WEBSOCKET_LOG";

/// Installs the stderr logger at the level `NET_WEBSOCKET_LOG` names, once per process; does
/// nothing when it is unset or `off`, or when the process already has a logger. A value that
/// is not a level is reported once on stderr.
pub fn init_from_env() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let Ok(value) = std::env::var(LOG_ENV) else {
            return;
        };
        match parse_level(&value) {
            Some(LevelFilter::Off) => {}
            Some(level) => {
                if log::set_logger(&STDERR).is_ok() {
                    log::set_max_level(level);
                }
            }
            None => eprintln!(
                "net_websocket: {LOG_ENV}={value:?} is not a level \
                 (error, warn, info, debug, trace, off); logging stays off"
            ),
        }
    });
}

fn parse_level(value: &str) -> Option<LevelFilter> {
    let value = value.trim();
    if value.is_empty() {
        return Some(LevelFilter::Off);
    }
    value.parse().ok()
}

static STDERR: Stderr = Stderr;

/// One line per record: `net_websocket DEBUG <message>`. Records of other crates are left
/// out: the library must not start printing for dependencies it happens to share.
struct Stderr;

impl Log for Stderr {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("net_websocket")
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let level = match record.level() {
            Level::Error => "ERROR",
            Level::Warn => "WARN ",
            Level::Info => "INFO ",
            Level::Debug => "DEBUG",
            Level::Trace => "TRACE",
        };
        // One write per line, so lines of concurrent connections do not interleave. Messages
        // quote what servers sent (close reasons, status lines, header values): escaped, so
        // that a server cannot forge log lines with a newline.
        let line = format!(
            "net_websocket {level} {}\n",
            escape_controls(&record.args().to_string())
        );
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }

    fn flush(&self) {}
}

/// `text` with control characters written as escapes (`\n`, `\r`, `\t`, `\u{1b}`, ...).
fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return text.into();
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            escaped.extend(c.escape_default());
        } else {
            escaped.push(c);
        }
    }
    escaped.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_controls("plain text é"), "plain text é");
        assert_eq!(
            escape_controls("bye\nnet_websocket WARN forged\r\u{1b}[31m"),
            "bye\\nnet_websocket WARN forged\\r\\u{1b}[31m"
        );
    }

    #[test]
    fn levels_parse_in_any_case_and_unknown_values_are_refused() {
        assert_eq!(parse_level("debug"), Some(LevelFilter::Debug));
        assert_eq!(parse_level(" WARN "), Some(LevelFilter::Warn));
        assert_eq!(parse_level("Trace"), Some(LevelFilter::Trace));
        assert_eq!(parse_level(""), Some(LevelFilter::Off));
        assert_eq!(parse_level("off"), Some(LevelFilter::Off));
        assert_eq!(parse_level("verbose"), None);
    }
}
