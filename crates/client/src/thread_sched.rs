//! What a thread of this process is doing, seen from another: how much CPU it has used (its
//! CPU-time clock) and whether it is runnable or sleeping (`/proc/self/task/<tid>/stat`). A
//! worker that waits for a handler to return uses it to tell a handler that is only kept off
//! the CPU by other threads (it returns as soon as it runs) from one that blocks or computes.
//! Linux only; elsewhere nothing can be read and callers assume the handler blocks.
use std::io::Read;
use std::time::Duration;

/// A thread's state at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ThreadState {
    /// CPU time used so far.
    pub(crate) cpu: Duration,
    /// Running or waiting for a CPU (`R`), not sleeping or stopped.
    pub(crate) runnable: bool,
}

/// The calling thread's kernel id (cached: one system call per thread).
pub(crate) fn this_thread_id() -> u32 {
    thread_local! {
        static TID: u32 = current_thread_id();
    }
    TID.with(|tid| *tid)
}

#[cfg(target_os = "linux")]
fn current_thread_id() -> u32 {
    // SAFETY: gettid has no preconditions and cannot fail.
    let tid = unsafe { libc::gettid() };
    u32::try_from(tid).unwrap_or(0)
}

#[cfg(not(target_os = "linux"))]
fn current_thread_id() -> u32 {
    0
}

/// The state of this process's thread `tid`; `None` when it cannot be read (the thread is
/// gone, or this is not Linux).
pub(crate) fn read(tid: u32) -> Option<ThreadState> {
    if tid == 0 {
        return None;
    }
    let cpu = cpu_time(tid)?;
    let mut file = std::fs::File::open(format!("/proc/self/task/{tid}/stat")).ok()?;
    let mut buf = [0u8; 512];
    let len = file.read(&mut buf).ok()?;
    let runnable = parse_state(std::str::from_utf8(&buf[..len]).ok()?)? == 'R';
    Some(ThreadState { cpu, runnable })
}

/// The thread's CPU-time clock, exact to the moment (the kernel adds the slice it is running).
#[cfg(target_os = "linux")]
fn cpu_time(tid: u32) -> Option<Duration> {
    // The clock id of a thread's CPU time (the kernel's ABI, as glibc's
    // pthread_getcpuclockid builds it): !tid << 3, per-thread (4), scheduler clock (2).
    let clock = (!(tid as libc::clockid_t) << 3) | 4 | 2;
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid pointer; an unknown clock (a thread gone) is EINVAL, not UB.
    if unsafe { libc::clock_gettime(clock, &mut now) } != 0 {
        return None;
    }
    Some(Duration::new(now.tv_sec as u64, now.tv_nsec as u32))
}

#[cfg(not(target_os = "linux"))]
fn cpu_time(_tid: u32) -> Option<Duration> {
    None
}

/// The state letter of a `stat` line: the field after the command name, which is in
/// parentheses and may itself hold spaces and parentheses.
fn parse_state(line: &str) -> Option<char> {
    let after_name = &line[line.rfind(')')? + 1..];
    after_name.split_ascii_whitespace().next()?.chars().next()
}

/// Whether a thread seen at `before` and then at `after`, `elapsed` apart, was preempted: it
/// is runnable and used less than half of that time, so it spent the rest waiting for a CPU.
/// A sleeping thread blocks; one that used half the time or more computes.
pub(crate) fn was_preempted(before: ThreadState, after: ThreadState, elapsed: Duration) -> bool {
    after.runnable && after.cpu.saturating_sub(before.cpu) < elapsed / 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(cpu_us: u64, runnable: bool) -> ThreadState {
        ThreadState {
            cpu: Duration::from_micros(cpu_us),
            runnable,
        }
    }

    #[test]
    fn parses_the_state_after_the_command_name() {
        assert_eq!(parse_state("123 (net_websocket) R 1 2 3"), Some('R'));
        assert_eq!(parse_state("123 (a) b (c)) S 1 2"), Some('S'));
        assert_eq!(parse_state("123 (x)"), None);
        assert_eq!(parse_state("no name"), None);
    }

    #[test]
    fn a_runnable_thread_that_did_not_run_was_preempted() {
        let step = Duration::from_millis(1);
        // Runnable, and ran a tenth of the time: it waited for a CPU.
        assert!(was_preempted(state(100, true), state(200, true), step));
        // Asleep (a handler that blocks).
        assert!(!was_preempted(state(100, false), state(110, false), step));
        // Ran most of the time (a handler that computes).
        assert!(!was_preempted(state(100, true), state(1_000, true), step));
        // A clock that went backwards (a reused thread id) counts as no CPU used.
        assert!(was_preempted(state(900, true), state(0, true), step));
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn this_threads_state_can_be_read() {
        let tid = this_thread_id();
        assert_ne!(tid, 0);
        let before = read(tid).expect("state of this thread");
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_millis(20) {
            std::hint::black_box(0u64);
        }
        let after = read(tid).expect("state of this thread");
        assert!(after.runnable, "{after:?}");
        assert!(
            after.cpu >= before.cpu + Duration::from_millis(5),
            "{before:?} then {after:?}"
        );
        assert_eq!(read(u32::MAX), None);
    }

    /// Pins the calling thread to `cpu`.
    #[cfg(target_os = "linux")]
    fn pin_to(cpu: usize) {
        // SAFETY: a zeroed cpu_set_t is an empty set; the calls get valid pointers.
        unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            libc::CPU_SET(cpu, &mut set);
            assert_eq!(
                libc::sched_setaffinity(0, std::mem::size_of_val(&set), &set),
                0
            );
        }
    }

    /// The first CPU this process may run on.
    #[cfg(target_os = "linux")]
    fn first_cpu() -> usize {
        // SAFETY: as in pin_to.
        unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            assert_eq!(
                libc::sched_getaffinity(0, std::mem::size_of_val(&set), &mut set),
                0
            );
            (0..libc::CPU_SETSIZE as usize)
                .find(|&cpu| libc::CPU_ISSET(cpu, &set))
                .expect("a CPU")
        }
    }

    /// Whether a thread reads as preempted over 50 ms. The thread runs `setup`, then spins
    /// (`spin`) or sleeps until told to stop; `release` runs after the measurement, before the
    /// thread is told.
    #[cfg(target_os = "linux")]
    fn preempted_while(
        setup: impl FnOnce() + Send + 'static,
        spin: bool,
        release: impl FnOnce(),
    ) -> bool {
        use std::sync::mpsc::{channel, TryRecvError};
        let (tid_tx, tid_rx) = channel();
        let (stop_tx, stop_rx) = channel::<()>();
        let thread = std::thread::spawn(move || {
            setup();
            tid_tx.send(this_thread_id()).unwrap();
            if spin {
                while stop_rx.try_recv() == Err(TryRecvError::Empty) {
                    std::hint::spin_loop();
                }
            } else {
                let _ = stop_rx.recv();
            }
        });
        let tid = tid_rx.recv().unwrap();
        std::thread::sleep(Duration::from_millis(5));
        let before = read(tid).expect("thread state");
        let start = std::time::Instant::now();
        std::thread::sleep(Duration::from_millis(50));
        let after = read(tid).expect("thread state");
        let preempted = was_preempted(before, after, start.elapsed());
        release();
        drop(stop_tx);
        thread.join().unwrap();
        preempted
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn a_starved_thread_reads_as_preempted_and_a_sleeping_one_not() {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::Arc;
        let cpu = first_cpu();
        // A thread that wants the CPU but gets almost none of it: SCHED_IDLE beside a thread
        // that spins on the same CPU.
        let hog_stop = Arc::new(AtomicBool::new(false));
        let hog = {
            let stop = hog_stop.clone();
            std::thread::spawn(move || {
                pin_to(cpu);
                while !stop.load(Ordering::Relaxed) {
                    std::hint::spin_loop();
                }
            })
        };
        let starve = move || {
            pin_to(cpu);
            let param = libc::sched_param { sched_priority: 0 };
            // SAFETY: a valid sched_param, for this thread (0).
            let set = unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) };
            assert_eq!(set, 0);
        };
        let starved = preempted_while(starve, true, || hog_stop.store(true, Ordering::Relaxed));
        hog.join().unwrap();
        assert!(
            starved,
            "a thread starved of the CPU did not read as preempted"
        );
        // A handler that blocks: it sleeps until told to stop.
        let sleeping = preempted_while(|| {}, false, || {});
        assert!(!sleeping, "a sleeping thread read as preempted");
    }
}
