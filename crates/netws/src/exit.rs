//! The exit status of netws: one value per way a session ends, each with the words `--help`
//! lists it with, so the help and the code cannot disagree.
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Closed with 1000, by us (end of input, `--count`, `/quit`) or by the server; or a
    /// replay that matched.
    Normal = 0,
    /// The connection never opened.
    Connect = 1,
    /// Arguments, files or input that netws cannot use (clap exits with 2 as well).
    Usage = 2,
    /// A protocol failure, or the connection lost after it opened.
    Lost = 3,
    /// The server closed with a code other than 1000.
    ServerClosed = 4,
    /// `--replay`: what arrived differs from the transcript.
    Mismatch = 5,
}

impl Exit {
    pub const ALL: [Exit; 6] = [
        Exit::Normal,
        Exit::Connect,
        Exit::Usage,
        Exit::Lost,
        Exit::ServerClosed,
        Exit::Mismatch,
    ];

    /// What `--help` says about this status.
    pub fn meaning(self) -> &'static str {
        match self {
            Exit::Normal => {
                "normal end: closed with 1000 (end of input, --count, --once, /quit, the server); \
                 replay matched"
            }
            Exit::Connect => "connect failure: DNS, TCP, proxy, TLS, handshake or connect timeout",
            Exit::Usage => {
                "usage error: bad arguments, an unusable file, stdin line or --stream input, or a \
                 failing stdout"
            }
            Exit::Lost => "protocol failure, or the connection lost after it opened",
            Exit::ServerClosed => {
                "the server closed with a code other than 1000 (printed on stderr)"
            }
            Exit::Mismatch => {
                "--replay: a message missing, extra or different, or another close (on stderr)"
            }
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_numbered_in_order() {
        let numbers: Vec<u8> = Exit::ALL.iter().map(|e| *e as u8).collect();
        assert_eq!(numbers, [0, 1, 2, 3, 4, 5]);
        // clap's own usage errors must mean the same as ours.
        let usage = clap::Error::new(clap::error::ErrorKind::InvalidValue);
        assert_eq!(Exit::Usage as i32, usage.exit_code());
    }
}
