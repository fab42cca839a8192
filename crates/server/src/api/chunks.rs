//! A streamed answer's body: the chunks a task sends on a channel, in order. An error ends the
//! transfer as failed (the client sees a cut connection, never a short answer taken for whole).

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Bytes;
use http_body::Frame;

/// What a producing task sends: a chunk, or the error that ends the answer.
pub type Chunk = Result<Bytes, std::io::Error>;

/// The body over the receiving end of a channel of [`Chunk`]s.
pub struct Chunks(pub tokio::sync::mpsc::Receiver<Chunk>);

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        self.0.poll_recv(cx).map(|b| b.map(|b| b.map(Frame::data)))
    }
}

/// What streams an answer: the next chunk, or `None` at its end.
pub trait ChunkSource: Send + 'static {
    fn next_chunk(
        &mut self,
    ) -> impl std::future::Future<Output = Result<Option<Vec<u8>>, simpul_core::CoreError>> + Send;
}

impl ChunkSource for simpul_core::export::Export {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, simpul_core::CoreError> {
        simpul_core::export::Export::next_chunk(self).await
    }
}

impl ChunkSource for simpul_core::misp::feed::MispFeed {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, simpul_core::CoreError> {
        simpul_core::misp::feed::MispFeed::next_chunk(self).await
    }
}

/// The body of a streamed answer: `first` (read before the status was sent, so a failure there
/// was still a status), then what `run` makes, from a task; a failure part-way (logged as
/// `what` failing) cuts the transfer.
pub fn stream<S: ChunkSource>(first: Option<Vec<u8>>, mut run: S, what: &'static str) -> Chunks {
    let (tx, rx) = tokio::sync::mpsc::channel::<Chunk>(4);
    tokio::spawn(async move {
        let mut next = first;
        while let Some(chunk) = next {
            if tx.send(Ok(Bytes::from(chunk))).await.is_err() {
                return; // the client went away
            }
            next = match run.next_chunk().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::error!(error = %e, "{what} failed part-way");
                    let _ = tx
                        .send(Err(std::io::Error::other(format!("{what} failed"))))
                        .await;
                    return;
                }
            };
        }
    });
    Chunks(rx)
}
