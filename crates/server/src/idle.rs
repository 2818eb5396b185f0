//! Connections that go quiet are closed.
//!
//! axum's `serve` gives hyper no timer, so hyper's header-read timeout never
//! runs: a client that connects and sends nothing, or half a request line,
//! or keeps an idle keep-alive connection, would hold a socket (and, with
//! TLS, its buffers) forever; enough of them and the server runs out of file
//! descriptors (slow loris). [`Idle`] wraps a listener so that every
//! connection with no bytes read or written for [`QUIET`] fails and is
//! dropped. Progress either way resets the clock, so a slow tablet uploading
//! a large push or fetching a large pull page is never cut off while data
//! moves.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep, sleep};

/// How long a connection may move no data. Generous for a tablet on poor
/// Wi-Fi between two requests; a browser reconnects transparently after.
pub const QUIET: Duration = Duration::from_secs(30);

/// A listener whose connections close after `quiet` without traffic.
pub struct Idle<L> {
    inner: L,
    quiet: Duration,
}

impl<L> Idle<L> {
    pub fn new(inner: L, quiet: Duration) -> Self {
        Idle { inner, quiet }
    }
}

impl<L: axum::serve::Listener> axum::serve::Listener for Idle<L> {
    type Io = Quiet<L::Io>;
    type Addr = L::Addr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (io, addr) = self.inner.accept().await;
        (Quiet::new(io, self.quiet), addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// One connection with its quiet timer.
pub struct Quiet<S> {
    inner: S,
    quiet: Duration,
    timer: Pin<Box<Sleep>>,
}

impl<S> Quiet<S> {
    fn new(inner: S, quiet: Duration) -> Self {
        Quiet {
            inner,
            quiet,
            timer: Box::pin(sleep(quiet)),
        }
    }

    fn moved(&mut self) {
        self.timer.as_mut().reset(Instant::now() + self.quiet);
    }

    /// What the inner stream answered: data moved, or an error once the
    /// timer has run out while it had nothing (the timer registers the
    /// waker otherwise).
    fn after<T>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        match polled {
            Poll::Ready(r) => {
                self.moved();
                Poll::Ready(r)
            }
            Poll::Pending => match self.timer.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "connection quiet for too long",
                ))),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Quiet<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        this.after(cx, polled)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Quiet<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.after(cx, polled)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_flush(cx);
        this.after(cx, polled)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.after(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt, duplex};

    // Paused time: the runtime jumps to the next timer when all tasks wait,
    // so these run instantly and assert on what happened, not how long.
    #[tokio::test(start_paused = true)]
    async fn a_connection_that_sends_nothing_is_closed() {
        let (server_end, _client) = duplex(64);
        let mut conn = Quiet::new(server_end, QUIET);
        let mut buf = [0u8; 8];
        let err = conn.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    }

    #[tokio::test(start_paused = true)]
    async fn data_that_keeps_moving_keeps_it_open_past_the_limit() {
        let (server_end, mut client) = duplex(64);
        let mut conn = Quiet::new(server_end, QUIET);
        let writer = tokio::spawn(async move {
            for _ in 0..4 {
                tokio::time::sleep(QUIET / 2).await;
                client.write_all(b"x").await.unwrap();
            }
            client
        });
        let mut buf = [0u8; 1];
        for _ in 0..4 {
            conn.read_exact(&mut buf).await.unwrap();
        }
        // Twice the limit has passed in all, and then it goes quiet.
        let _client = writer.await.unwrap();
        let err = conn.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    }
}
