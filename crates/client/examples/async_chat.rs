//! The async API in a few lines: connect, send from one task while another reads, close.
//!
//! ```text
//! cargo run --release --example async_chat -- ws://127.0.0.1:9001/ [MESSAGE...]
//! ```
//!
//! Sends each MESSAGE (default: three greetings) as a text message, prints every text message
//! that comes back, then closes with 1000 and prints the server's close code.
use futures_util::{SinkExt, StreamExt};
use net_websocket_client::{connect_async, Message, Options};

// A current-thread runtime is enough: the connection runs in the tasks that poll it.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .ok_or("usage: async_chat ws://HOST:PORT/PATH [MESSAGE...]")?;
    let mut messages: Vec<String> = args.collect();
    if messages.is_empty() {
        messages = ["hello", "bonjour", "こんにちは"]
            .map(String::from)
            .to_vec();
    }

    let ws = connect_async(&url, Options::default()).await?;
    println!("connected to {} ({})", ws.endpoint(), ws.response().status);
    let (mut sink, mut stream) = ws.split();

    let expected = messages.len();
    let writer = tokio::spawn(async move {
        for text in messages {
            sink.send(Message::Text(text)).await?;
        }
        Ok::<_, net_websocket_client::Error>(sink)
    });

    let mut received = 0;
    while received < expected {
        match stream.next().await {
            Some(Ok(Message::Text(text))) => {
                println!("received: {text}");
                received += 1;
            }
            Some(Ok(_)) => {} // pings, pongs
            Some(Err(e)) => return Err(e.into()),
            None => return Err("the server ended the connection".into()),
        }
    }

    let mut sink = writer.await??;
    sink.send(Message::close(1000, "done")).await?;
    while let Some(message) = stream.next().await {
        if let Message::Close(Some(frame)) = message? {
            println!("closed: {frame}");
        }
    }
    Ok(())
}
