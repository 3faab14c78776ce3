//! A connection's task from Connect to its end: attempts (see `establish`), the driver of each
//! open connection, and with reconnection on, the waits between them. Close and Destroy
//! interrupt it at any point.
use crate::connection::Shared;
use crate::driver::Driver;
use crate::error::{Cause, Error};
use crate::establish::{establish, Established, Opened, Request};
use crate::handler::Reporter;
use crate::outbox::{Interrupt, Outgoing};
use net_websocket_protocol::handshake::ResponseHead;
use std::collections::VecDeque;
use std::future::{poll_fn, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite};

pub(crate) struct Task {
    pub(crate) shared: Arc<Shared>,
    pub(crate) request: Request,
    pub(crate) reporter: Reporter,
}

impl Task {
    /// Runs the connection to its end. A panic in it (a bug of ours, or in the handler) ends
    /// the connection like any failure, reported with [`Cause::Internal`], instead of
    /// leaving it forever "connecting" or "open" with nobody told.
    pub(crate) async fn run(mut self) {
        let outcome = CatchUnwind(Box::pin(self.attempts())).await;
        if let Err(panic) = outcome {
            let error = Error::new(&self.request.target.endpoint(), Cause::Internal { panic });
            self.reporter.panicked(&error);
        }
    }

    async fn attempts(&mut self) {
        // What a lost connection took from the outbox and had not yet encoded: sent after the
        // next open. (Messages sent while connecting simply stay in the outbox.)
        let mut batch = VecDeque::new();
        loop {
            let options = &self.shared.options;
            let outbox = &self.shared.outbox;
            // Boxed: connecting takes a few KiB of state that an open connection should not
            // keep in its task.
            let reporter = &mut self.reporter;
            let mut on_response = |head: &ResponseHead| reporter.response(head);
            let connecting = Box::pin(establish(&self.request, options, &mut on_response));
            let attempt = tokio::select! {
                r = connecting => Ok(r),
                i = poll_fn(|cx| outbox.poll_interrupt(cx)) => Err(i),
            };
            match attempt {
                Ok(Ok(Established::Plain(opened))) => self.open(opened, &mut batch).run().await,
                Ok(Ok(Established::Tls(opened))) => self.open(opened, &mut batch).run().await,
                Ok(Err(error)) => self.reporter.end(Some(&error), None),
                Err(Interrupt::Cancelled) => return self.reporter.cancelled(),
                Err(Interrupt::Aborted) => return,
            }
            let Some(delay) = self.reporter.take_retry() else {
                return;
            };
            let outbox = &self.shared.outbox;
            let waited = tokio::select! {
                _ = tokio::time::sleep(delay) => None,
                i = poll_fn(|cx| outbox.poll_interrupt(cx)) => Some(i),
            };
            match waited {
                None => {}
                Some(Interrupt::Cancelled) => return self.reporter.cancelled(),
                Some(Interrupt::Aborted) => return,
            }
        }
    }

    /// Reports the open and makes the driver that runs the connection until it ends. (Not
    /// async: the connection's task keeps only the driver, not what was needed to make it.)
    fn open<'a, S>(
        &'a mut self,
        opened: Opened<S>,
        batch: &'a mut VecDeque<Outgoing>,
    ) -> Driver<'a, S>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send,
    {
        self.reporter.opened(&opened.accepted);
        let protocol = opened.start_protocol(&self.shared.options);
        Driver::new(
            opened.stream,
            protocol,
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
