//! A connection's task from Connect to its end: attempts (see `establish`), the driver of each
//! open connection, and with reconnection on, the waits between them. Close and Destroy
//! interrupt it at any point.
use crate::connection::{Command, Shared};
use crate::driver::Driver;
use crate::establish::{establish, Established, Opened, Request};
use crate::handler::Reporter;
use net_websocket_protocol::{Config, Connection as Protocol, Role};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::VecDeque;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;

pub(crate) struct Task {
    pub(crate) shared: Arc<Shared>,
    pub(crate) commands: mpsc::UnboundedReceiver<Command>,
    pub(crate) request: Request,
    pub(crate) reporter: Reporter,
    /// Handshake keys and the seeds of each connection's masking keys.
    pub(crate) rng: StdRng,
}

/// What interrupted an attempt or a wait.
enum Interrupt {
    /// Close was called: report onClose(1006).
    Cancelled,
    /// Destroy, or the handle was dropped: report nothing.
    Aborted,
}

impl Task {
    pub(crate) async fn run(mut self) {
        // Messages sent while connecting (or reconnecting), and those a lost connection had
        // not yet encoded: sent after the next open.
        let mut pending = VecDeque::new();
        loop {
            let options = &self.shared.options;
            let attempt = tokio::select! {
                r = establish(&self.request, options, &mut self.reporter, &mut self.rng) => Ok(r),
                i = collect_until_interrupt(&mut self.commands, &mut pending) => Err(i),
            };
            match attempt {
                Ok(Ok(Established::Plain(opened))) => self.drive(opened, &mut pending).await,
                Ok(Ok(Established::Tls(opened))) => self.drive(opened, &mut pending).await,
                Ok(Err(error)) => self.reporter.end(Some(&error), None),
                Err(Interrupt::Cancelled) => return self.reporter.cancelled(),
                Err(Interrupt::Aborted) => return,
            }
            let Some(delay) = self.reporter.take_retry() else {
                return;
            };
            let waited = tokio::select! {
                _ = tokio::time::sleep(delay) => None,
                i = collect_until_interrupt(&mut self.commands, &mut pending) => Some(i),
            };
            match waited {
                None => {}
                Some(Interrupt::Cancelled) => return self.reporter.cancelled(),
                Some(Interrupt::Aborted) => return,
            }
        }
    }

    /// Reports the open and runs the connection until it ends.
    async fn drive<S>(&mut self, opened: Opened<S>, pending: &mut VecDeque<Command>)
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
            &mut self.commands,
            pending,
            &mut self.reporter,
            opened.endpoint,
        )
        .run()
        .await;
    }
}

/// Queues messages sent while connecting or waiting, until Close or Destroy interrupts.
async fn collect_until_interrupt(
    commands: &mut mpsc::UnboundedReceiver<Command>,
    pending: &mut VecDeque<Command>,
) -> Interrupt {
    loop {
        match commands.recv().await {
            Some(Command::Close(..)) => return Interrupt::Cancelled,
            Some(Command::Abort) | None => return Interrupt::Aborted,
            Some(command) => pending.push_back(command),
        }
    }
}
