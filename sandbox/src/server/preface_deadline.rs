//! A deadline on a connection's first bytes. hyper's own header-read timeout covers HTTP/1 once the protocol is
//! known, but telling HTTP/1 from HTTP/2 (prior knowledge) waits for up to the 24 bytes of the HTTP/2 preface
//! with no limit: a client that connects and sends nothing, or the start of the preface and then nothing, would
//! hold its connection forever. This wrapper fails a read still pending at the deadline while everything read so
//! far is a prefix of the preface; it steps aside for good once the bytes read are not (an HTTP/1 request) or once
//! the whole preface has arrived.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

const H2_PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

pub(super) struct PrefaceDeadline<S> {
    inner: S,
    /// Armed until the protocol is told.
    deadline: Option<Pin<Box<Sleep>>>,
    seen: usize,
}

impl<S> PrefaceDeadline<S> {
    pub(super) fn new(inner: S, timeout: Duration) -> Self {
        PrefaceDeadline {
            inner,
            deadline: Some(Box::pin(tokio::time::sleep(timeout))),
            seen: 0,
        }
    }

    /// Notes bytes just read; disarms once they tell the protocol.
    fn saw(&mut self, bytes: &[u8]) {
        if self.deadline.is_none() {
            return;
        }
        let want = &H2_PREFACE[self.seen.min(H2_PREFACE.len())..];
        let n = bytes.len().min(want.len());
        if bytes[..n] != want[..n] {
            self.deadline = None;
            return;
        }
        self.seen += n;
        if self.seen >= H2_PREFACE.len() {
            self.deadline = None;
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for PrefaceDeadline<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let filled = buf.filled()[before..].to_vec();
                this.saw(&filled);
                Poll::Ready(Ok(()))
            }
            Poll::Pending => {
                let expired = this
                    .deadline
                    .as_mut()
                    .is_some_and(|deadline| deadline.as_mut().poll(cx).is_ready());
                if expired {
                    Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the client sent no request in time",
                    )))
                } else {
                    Poll::Pending
                }
            }
            other => other,
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for PrefaceDeadline<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn silence_and_a_partial_preface_time_out() {
        for sent in [&b""[..], b"PRI * HT"] {
            let (mut client, server) = tokio::io::duplex(64);
            let mut guarded = PrefaceDeadline::new(server, Duration::from_millis(50));
            client.write_all(sent).await.expect("write");
            let mut buf = [0u8; 64];
            let mut got = 0;
            let error = loop {
                match guarded.read(&mut buf[got..]).await {
                    Ok(n) => got += n,
                    Err(e) => break e,
                }
            };
            assert_eq!(error.kind(), io::ErrorKind::TimedOut);
            assert_eq!(&buf[..got], sent);
        }
    }

    #[tokio::test]
    async fn an_http1_request_or_a_whole_preface_disarms_it() {
        for sent in [&b"GET /gat"[..], b"POST", &H2_PREFACE[..]] {
            let (mut client, server) = tokio::io::duplex(64);
            let mut guarded = PrefaceDeadline::new(server, Duration::from_millis(10));
            client.write_all(sent).await.expect("write");
            let mut buf = [0u8; 64];
            let mut got = 0;
            while got < sent.len() {
                got += guarded.read(&mut buf[got..]).await.expect("read");
            }
            assert!(guarded.deadline.is_none(), "{sent:?}");
            // Past the deadline, a later read still waits for data instead of failing.
            tokio::time::sleep(Duration::from_millis(30)).await;
            client.write_all(b"x").await.expect("write");
            assert_eq!(guarded.read(&mut buf).await.expect("read"), 1);
        }
    }
}
