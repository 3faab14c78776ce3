//! The NSS key log (`SSLKEYLOGFILE`), as curl and browsers write it, so that Wireshark can
//! decrypt a capture: one line per secret, `LABEL CLIENT_RANDOM SECRET` in hex, appended.
//!
//! rustls' own `KeyLogFile` reads the variable when it is made, which may be on a library
//! thread; the path here comes from [`super::TlsEnvironment`], read on the caller's thread at
//! connect. One writer per path serves every connection of the process.
use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// Appends secrets to one file, opened at the first secret.
pub(super) struct KeyLogWriter {
    path: PathBuf,
    /// None until the first secret; a file that cannot be opened is tried again (once per
    /// secret: the log is a debugging aid, and a connection never fails because of it).
    file: Mutex<Option<File>>,
}

impl std::fmt::Debug for KeyLogWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyLogWriter({})", self.path.display())
    }
}

impl KeyLogWriter {
    /// The writer of `path`, shared by every connection that logs there.
    pub(super) fn for_path(path: &Path) -> Arc<KeyLogWriter> {
        static WRITERS: OnceLock<Mutex<HashMap<PathBuf, Arc<KeyLogWriter>>>> = OnceLock::new();
        let mut writers = WRITERS
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        writers
            .entry(path.to_owned())
            .or_insert_with(|| {
                Arc::new(KeyLogWriter {
                    path: path.to_owned(),
                    file: Mutex::new(None),
                })
            })
            .clone()
    }
}

impl rustls::KeyLog for KeyLogWriter {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        let mut line =
            String::with_capacity(label.len() + 2 * (client_random.len() + secret.len()) + 3);
        line.push_str(label);
        line.push(' ');
        for b in client_random {
            let _ = write!(line, "{b:02x}");
        }
        line.push(' ');
        for b in secret {
            let _ = write!(line, "{b:02x}");
        }
        line.push('\n');
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        if file.is_none() {
            match OpenOptions::new()
                .append(true)
                .create(true)
                .open(&self.path)
            {
                Ok(opened) => *file = Some(opened),
                Err(e) => {
                    log::warn!("SSLKEYLOGFILE {}: {e}", self.path.display());
                    return;
                }
            }
        }
        if let Some(f) = file.as_mut() {
            // One write per line: concurrent processes appending to the same file do not
            // interleave within a line.
            if let Err(e) = f.write_all(line.as_bytes()) {
                log::warn!("SSLKEYLOGFILE {}: {e}", self.path.display());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::KeyLog;

    #[test]
    fn lines_are_nss_key_log_lines_and_writers_are_shared() {
        let path = std::env::temp_dir().join(format!("nws-keylog-{}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let writer = KeyLogWriter::for_path(&path);
        assert!(Arc::ptr_eq(&writer, &KeyLogWriter::for_path(&path)));
        writer.log("CLIENT_TRAFFIC_SECRET_0", &[0x01, 0xab], &[0xff, 0x00]);
        writer.log("CLIENT_RANDOM", &[0x02], &[0x03]);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "CLIENT_TRAFFIC_SECRET_0 01ab ff00\nCLIENT_RANDOM 02 03\n"
        );
        std::fs::remove_file(&path).unwrap();
    }
}
