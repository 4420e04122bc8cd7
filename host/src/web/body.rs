//! The request body every handler reads: hyper's, with a deadline for the whole body.
//!
//! hyper bounds only the time to read a request's headers; a client that then sent its body
//! at one byte a second held its connection (and a file descriptor) for as long as it
//! liked. [`Body`] fails with [`BodyError::TimedOut`] once the body has not fully arrived
//! by its deadline, counted from the request's headers (not per read: a trickle of single
//! bytes would reset that), and the server answers 408 (`web::answer`).

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Frame, Incoming, SizeHint};

use super::connections::{Connection, Phase};

/// Why a request body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// The connection failed or the client sent something that is not HTTP.
    #[error("{0}")]
    Read(#[from] hyper::Error),
    /// The body had not arrived by its deadline.
    #[error("the request body did not arrive within {} s", .0.as_secs())]
    TimedOut(Duration),
}

/// A request body with a deadline.
pub struct Body {
    inner: Incoming,
    deadline: Pin<Box<tokio::time::Sleep>>,
    allowed: Duration,
    timed_out: Arc<AtomicBool>,
    connection: Option<Arc<Connection>>,
}

impl Body {
    /// `inner`, which must have arrived within `allowed` from now; `timed_out` is set when
    /// it did not, and `connection` marked as working once it has.
    pub fn new(
        inner: Incoming,
        allowed: Duration,
        timed_out: Arc<AtomicBool>,
        connection: Option<Arc<Connection>>,
    ) -> Body {
        Body {
            inner,
            deadline: Box::pin(tokio::time::sleep(allowed)),
            allowed,
            timed_out,
            connection,
        }
    }
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(None) => {
                if let Some(connection) = &this.connection {
                    connection.set(Phase::Working);
                }
                Poll::Ready(None)
            }
            Poll::Ready(Some(frame)) => Poll::Ready(Some(frame.map_err(BodyError::Read))),
            Poll::Pending => {
                if this.deadline.as_mut().poll(cx).is_ready() {
                    this.timed_out.store(true, Ordering::SeqCst);
                    return Poll::Ready(Some(Err(BodyError::TimedOut(this.allowed))));
                }
                Poll::Pending
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
