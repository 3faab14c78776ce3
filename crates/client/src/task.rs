//! A connection's task from Connect to its end: attempts (see `establish`), the driver of each
//! open connection, and with reconnection on, the waits between them. Close and Destroy
//! interrupt it at any point.
use crate::connection::Shared;
use crate::driver::Driver;
use crate::establish::{establish, Established, Opened, Request};
use crate::handler::Reporter;
use crate::outbox::{Interrupt, Outgoing};
use net_websocket_protocol::{Config, Connection as Protocol, Role};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::VecDeque;
use std::future::poll_fn;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};

pub(crate) struct Task {
    pub(crate) shared: Arc<Shared>,
    pub(crate) request: Request,
    pub(crate) reporter: Reporter,
    /// Handshake keys and the seeds of each connection's masking keys.
    pub(crate) rng: StdRng,
}

impl Task {
    pub(crate) async fn run(mut self) {
        // What a lost connection took from the outbox and had not yet encoded: sent after the
        // next open. (Messages sent while connecting simply stay in the outbox.)
        let mut batch = VecDeque::new();
        loop {
            let options = &self.shared.options;
            let outbox = &self.shared.outbox;
            let attempt = tokio::select! {
                r = establish(&self.request, options, &mut self.reporter, &mut self.rng) => Ok(r),
                i = poll_fn(|cx| outbox.poll_interrupt(cx)) => Err(i),
            };
            match attempt {
                Ok(Ok(Established::Plain(opened))) => self.drive(opened, &mut batch).await,
                Ok(Ok(Established::Tls(opened))) => self.drive(opened, &mut batch).await,
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

    /// Reports the open and runs the connection until it ends.
    async fn drive<S>(&mut self, opened: Opened<S>, batch: &mut VecDeque<Outgoing>)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send,
    {
        self.reporter.opened(&opened.accepted);
        let config = Config {
            max_message_size: self.shared.options.max_message_size,
        };
        let mut masks = StdRng::from_rng(&mut self.rng);
        let mut protocol = Protocol::new(
            Role::Client,
            config,
            opened.accepted.deflate,
            Box::new(move |buf: &mut [u8]| masks.fill_bytes(buf)),
        );
        protocol.receive_data(&opened.leftover);
        Driver::new(
            opened.stream,
            protocol,
            &self.shared,
            batch,
            &mut self.reporter,
            opened.endpoint,
        )
        .run()
        .await;
    }
}
