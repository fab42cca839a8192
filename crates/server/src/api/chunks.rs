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
