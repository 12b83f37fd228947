//! The gRPC transport: cleartext HTTP/2 with prior knowledge over one duplex byte stream, which
//! in a BuildKit frontend container is the process's stdin (daemon → frontend) and stdout
//! (frontend → daemon). The frontend is the gRPC client. Nothing else may be written to stdout.

use std::io;
use std::sync::{Arc, Mutex};

use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tonic::transport::{Channel, Endpoint, Uri};

/// The largest gRPC message either side may send (BuildKit's 16 MiB).
pub const MAX_MESSAGE_SIZE: usize = 16 << 20;

/// The connection could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The HTTP/2 handshake over the stream failed.
    #[error("failed to connect to the BuildKit gateway: {0}")]
    Connect(#[from] tonic::transport::Error),
    /// stdin or stdout could not be opened for async I/O.
    #[error("failed to open stdio for the gateway connection: {0}")]
    Stdio(io::Error),
}

/// Connects a gRPC channel over `stream`. The stream carries exactly one connection: if the
/// channel ever tries to reconnect, the connector fails instead of blocking.
pub async fn connect<S>(stream: S) -> Result<Channel, TransportError>
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let slot = Arc::new(Mutex::new(Some(stream)));
    let connector = tower::service_fn(move |_: Uri| {
        let slot = Arc::clone(&slot);
        async move {
            let taken = slot
                .lock()
                .map_err(|_| io::Error::other("stream lock poisoned"))?
                .take();
            taken.map(TokioIo::new).ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotConnected,
                    "the gateway stream carries one connection and it has ended",
                )
            })
        }
    });
    // The authority is only a name in the HTTP/2 headers; no network is used.
    let channel = Endpoint::from_static("http://localhost")
        .connect_with_connector(connector)
        .await?;
    Ok(channel)
}

/// Connects over this process's stdin and stdout.
pub async fn connect_stdio() -> Result<Channel, TransportError> {
    let stream = stdio::open().map_err(TransportError::Stdio)?;
    connect(stream).await
}

mod stdio {
    //! stdin + stdout as one async duplex stream. Pipes (what BuildKit gives a frontend
    //! container) are driven by the reactor; anything else falls back to tokio's blocking
    //! stdio handles.

    use std::fs::File;
    use std::io;
    use std::os::fd::AsFd;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
    use tokio::net::unix::pipe;

    type Reader = Pin<Box<dyn AsyncRead + Send>>;
    type Writer = Pin<Box<dyn AsyncWrite + Send>>;

    /// stdin and stdout joined.
    pub(super) struct Stdio {
        reader: Reader,
        writer: Writer,
    }

    pub(super) fn open() -> io::Result<Stdio> {
        let stdin = File::from(io::stdin().as_fd().try_clone_to_owned()?);
        let stdout = File::from(io::stdout().as_fd().try_clone_to_owned()?);
        let reader: Reader = match pipe::Receiver::from_file(stdin) {
            Ok(r) => Box::pin(r),
            Err(_) => Box::pin(tokio::io::stdin()),
        };
        let writer: Writer = match pipe::Sender::from_file(stdout) {
            Ok(w) => Box::pin(w),
            Err(_) => Box::pin(tokio::io::stdout()),
        };
        Ok(Stdio { reader, writer })
    }

    impl AsyncRead for Stdio {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            self.reader.as_mut().poll_read(cx, buf)
        }
    }

    impl AsyncWrite for Stdio {
        fn poll_write(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.writer.as_mut().poll_write(cx, buf)
        }

        fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            self.writer.as_mut().poll_flush(cx)
        }

        fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            self.writer.as_mut().poll_shutdown(cx)
        }
    }
}
