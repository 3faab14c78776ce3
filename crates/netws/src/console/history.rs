//! Where the console keeps its history: `$XDG_STATE_HOME/netws/history`, by default
//! `~/.local/state/netws/history` (the XDG Base Directory specification's place for state).
use std::ffi::OsString;
use std::path::PathBuf;

/// The history file the environment names, if it names one.
pub fn path() -> Option<PathBuf> {
    path_from(std::env::var_os("XDG_STATE_HOME"), std::env::var_os("HOME"))
}

/// The specification ignores a relative (or empty) XDG_STATE_HOME.
fn path_from(state_home: Option<OsString>, home: Option<OsString>) -> Option<PathBuf> {
    let state = state_home
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
        .or_else(|| {
            let home = home
                .map(PathBuf::from)
                .filter(|dir| !dir.as_os_str().is_empty())?;
            Some(home.join(".local/state"))
        })?;
    Some(state.join("netws/history"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(state_home: Option<&str>, home: Option<&str>) -> Option<PathBuf> {
        path_from(state_home.map(Into::into), home.map(Into::into))
    }

    #[test]
    fn state_home_first_then_home() {
        assert_eq!(
            of(Some("/s"), Some("/h")),
            Some(PathBuf::from("/s/netws/history"))
        );
        assert_eq!(
            of(None, Some("/h")),
            Some(PathBuf::from("/h/.local/state/netws/history"))
        );
        assert_eq!(
            of(Some("relative"), Some("/h")),
            Some(PathBuf::from("/h/.local/state/netws/history"))
        );
        assert_eq!(
            of(Some(""), Some("/h")),
            Some(PathBuf::from("/h/.local/state/netws/history"))
        );
        assert_eq!(of(None, None), None);
        assert_eq!(of(None, Some("")), None);
    }
}
