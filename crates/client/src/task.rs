//! A connection's task from Connect to its end: attempts (see `establish`), the driver of each
//! open connection, and with reconnection on, the waits between them. Close and Destroy
//! interrupt it at any point.
use crate::driver::Driver;
use crate::error::{Cause, Error};
use crate::establish::{establish, Opened, Request};
use crate::handler::Reporter;
use crate::outbox::{Interrupt, Outgoing};
use crate::shared::Shared;
use crate::transport::Transport;
use crate::wire::Wire;
use net_websocket_protocol::handshake::ResponseHead;
use std::collections::VecDeque;
use std::future::{poll_fn, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

pub(crate) struct Task {
    pub(crate) shared: Arc<Shared>,
    pub(crate) request: Request,
    pub(crate) reporter: Reporter,
}

impl Task {
    /// Runs the connection to its end. A panic in it (a bug of ours, or in the handler) ends
    /// the connection like any failure, reported with [`Cause::Internal`], instead of
    /// leaving it forever "connecting" or "open" with nobody told.
    /// (Not an `async fn`, which would keep the task in its state twice; see `Driver::run`.)
    #[allow(clippy::manual_async_fn)] // on purpose: see above
    pub(crate) fn run(mut self) -> impl Future<Output = ()> + Send {
        async move {
            let outcome = CatchUnwind(Box::pin(self.attempts())).await;
            if let Err(panic) = outcome {
                let error = Error::new(&self.request.target.endpoint(), Cause::Internal { panic });
                self.reporter.panicked(&error);
            }
        }
    }

    async fn attempts(&mut self) {
        // What a lost connection took from the outbox and had not yet encoded: sent after the
        // next open. (Messages sent while connecting simply stay in the outbox.)
        let mut batch = VecDeque::new();
        loop {
            // The attempt's result is matched inside the let-else's initializer: a match on a
            // local would keep the local (400 bytes, an opened connection's size) in the
            // task's state for as long as the driver runs, though what it held moved out.
            let Some(opened) = ({
                let options = &self.shared.options;
                let outbox = &self.shared.outbox;
                // Boxed: connecting takes a few KiB of state that an open connection should
                // not keep in its task.
                let reporter = &mut self.reporter;
                let mut on_response = |head: &ResponseHead| reporter.response(head);
                let connecting = Box::pin(establish(&self.request, options, &mut on_response));
                let attempt = tokio::select! {
                    r = connecting => Ok(r),
                    i = poll_fn(|cx| outbox.poll_interrupt(cx)) => Err(i),
                };
                match attempt {
                    Ok(Ok(opened)) => Some(opened),
                    Ok(Err(error)) => {
                        self.reporter.end(Some(&error), None);
                        None
                    }
                    Err(Interrupt::Cancelled) => return self.reporter.cancelled(),
                    Err(Interrupt::Aborted) => return,
                }
            }) else {
                if self.wait_to_retry().await {
                    continue;
                }
                return;
            };
            self.open(opened, &mut batch).run().await;
            if !self.wait_to_retry().await {
                return;
            }
        }
    }

    /// With reconnection on, waits out the delay before the next attempt: true when it is
    /// due, false when there is none (or Close or Destroy came first).
    async fn wait_to_retry(&mut self) -> bool {
        let Some(delay) = self.reporter.take_retry() else {
            return false;
        };
        let outbox = &self.shared.outbox;
        let waited = tokio::select! {
            _ = tokio::time::sleep(delay) => None,
            i = poll_fn(|cx| outbox.poll_interrupt(cx)) => Some(i),
        };
        match waited {
            None => true,
            Some(Interrupt::Cancelled) => {
                self.reporter.cancelled();
                false
            }
            Some(Interrupt::Aborted) => false,
        }
    }

    /// Reports the open and makes the driver that runs the connection until it ends. (Not
    /// async: the connection's task keeps only the driver, not what was needed to make it.)
    fn open<'a>(
        &'a mut self,
        opened: Opened<Transport>,
        batch: &'a mut VecDeque<Outgoing>,
    ) -> Driver<'a, Transport> {
        self.reporter.opened(&opened.accepted);
        let session = opened.start_session(&self.shared.options, self.shared.meter.clone());
        Driver::new(
            Wire::new(opened.stream),
            session,
            &self.shared,
            batch,
            &mut self.reporter,
            opened.endpoint,
        )
    }
}

/// Polls a future, turning a panic in it into `Err` with the panic's message.
struct CatchUnwind<F>(Pin<Box<F>>);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, String>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.0.as_mut();
        match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(crate::panic_message(&*payload).to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{connect, Accepted, Cause, End, Handler, MessageData, MessageKind, Options};
    use crate::{ProxySetting, Target};
    use std::sync::mpsc;
    use std::time::Duration;

    #[derive(Debug, PartialEq)]
    enum Seen {
        Open,
        Message(Vec<u8>),
        End {
            internal: Option<String>,
            close: Option<(u16, String)>,
        },
    }

    struct Recorder(mpsc::Sender<Seen>);

    impl Handler for Recorder {
        fn on_open(&mut self, _: &Accepted) {
            let _ = self.0.send(Seen::Open);
        }
        fn on_message(&mut self, _: MessageKind, data: MessageData<'_>) {
            let _ = self.0.send(Seen::Message(data.to_vec()));
        }
        fn on_end(&mut self, end: End<'_>) {
            let internal = end.error.and_then(|e| match e.cause() {
                Cause::Internal { panic } => Some(panic.clone()),
                _ => None,
            });
            let close = end.close.map(|(code, reason)| (code, reason.to_owned()));
            let _ = self.0.send(Seen::End { internal, close });
        }
    }

    fn echo_server() -> std::net::SocketAddr {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                net_websocket_tools::echo::serve(listener).await;
            });
        });
        rx.recv().unwrap()
    }

    /// While a connection is open its task keeps the driver and little more: not the
    /// attempt's result, whose stream the driver took (a match on it once kept ~400 bytes
    /// alive in every open connection), nor a second copy of anything.
    #[test]
    fn an_open_connection_task_is_its_driver_and_little_more() {
        struct Silent;
        impl Handler for Silent {
            fn on_open(&mut self, _: &crate::Accepted) {}
            fn on_message(&mut self, _: MessageKind, _: crate::MessageData<'_>) {}
            fn on_end(&mut self, _: End<'_>) {}
        }
        let target = Target::parse("ws://127.0.0.1:9/").unwrap();
        let shared = std::sync::Arc::new(crate::shared::Shared::new(Options::default().into()));
        let mut task = super::Task {
            request: crate::establish::Request::capture(target, &[]),
            reporter: crate::handler::Reporter::new(Box::new(Silent), shared.clone()),
            shared,
        };
        let attempts = std::mem::size_of_val(&task.attempts());
        let driver = std::mem::size_of::<crate::driver::Driver<crate::transport::Transport>>();
        assert!(
            attempts <= driver + 256,
            "the task's state is {attempts} bytes for a driver of {driver}"
        );
    }

    /// Clients made from one `Arc<Options>` share it: a connection holds a reference, not a
    /// copy, and gives it back when it ends.
    #[test]
    fn connections_share_the_options_they_were_given() {
        let url = format!("ws://{}/", echo_server());
        let options = std::sync::Arc::new(Options {
            proxy: ProxySetting::Off,
            ..Options::default()
        });
        let next = |rx: &mpsc::Receiver<Seen>| rx.recv_timeout(Duration::from_secs(20)).unwrap();
        let (tx, rx) = mpsc::channel();
        let first = connect(&url, &[], options.clone(), Box::new(Recorder(tx.clone()))).unwrap();
        let second = connect(&url, &[], options.clone(), Box::new(Recorder(tx))).unwrap();
        assert_eq!(std::sync::Arc::strong_count(&options), 3, "not copied");
        assert_eq!((next(&rx), next(&rx)), (Seen::Open, Seen::Open));
        second.send(MessageKind::Binary, b"both").unwrap();
        assert_eq!(next(&rx), Seen::Message(b"both".to_vec()));
        drop((first, second));
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while std::sync::Arc::strong_count(&options) > 1 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(std::sync::Arc::strong_count(&options), 1, "given back");
    }

    /// A panic inside the connection's task (a bug of ours, forced by the test-only hook) ends
    /// that connection like any failure: reported once, with the panic and close 1006; the
    /// handle refuses sends, and a new connection works.
    #[test]
    fn a_panic_in_the_task_is_reported_once_and_nothing_else_is_hurt() {
        let url = format!("ws://{}/", echo_server());
        assert!(Target::parse(&url).is_ok());
        let options = || Options {
            proxy: ProxySetting::Off,
            ..Options::default()
        };
        let next = |rx: &mpsc::Receiver<Seen>| rx.recv_timeout(Duration::from_secs(20)).unwrap();
        let (tx, rx) = mpsc::channel();
        let connection = connect(&url, &[], options(), Box::new(Recorder(tx))).unwrap();
        assert_eq!(next(&rx), Seen::Open);
        connection.panic_in_task_for_tests();
        assert_eq!(
            next(&rx),
            Seen::End {
                internal: Some("test hook: a panic in the connection's task".into()),
                close: Some((1006, "internal error".into())),
            }
        );
        assert!(!connection.is_active());
        assert!(connection.send(MessageKind::Text, b"late").is_err());
        assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());

        let (tx, rx) = mpsc::channel();
        let again = connect(&url, &[], options(), Box::new(Recorder(tx))).unwrap();
        assert_eq!(next(&rx), Seen::Open);
        again.send(MessageKind::Binary, b"again").unwrap();
        assert_eq!(next(&rx), Seen::Message(b"again".to_vec()));
    }
}
