//! Taking the terminal back from a line editor that waits for a key. rustyline has no call to
//! stop a read; but while it reads, it turns SIGINT into an interrupted read (it installs its
//! own handler for the read and puts the previous one back after). So when the connection ends
//! the session raises SIGINT until the console thread has left the editor, which then restores
//! the terminal itself. Outside the editor SIGINT is ignored, so a signal that comes between
//! two reads ends nothing.
use nix::sys::signal::{raise, sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};

/// Ignores SIGINT outside the line editor (inside, the editor reads Ctrl-C as a key).
pub fn ignore_outside_the_editor() -> nix::Result<()> {
    let ignore = SigAction::new(SigHandler::SigIgn, SaFlags::empty(), SigSet::empty());
    // SAFETY: SIG_IGN installs no handler of ours, so no code runs in a signal context; it
    // only replaces the default action (ending the process).
    unsafe { sigaction(Signal::SIGINT, &ignore) }.map(drop)
}

/// Interrupts the editor's read, if it is reading.
pub fn interrupt_the_editor() {
    let _ = raise(Signal::SIGINT);
}
