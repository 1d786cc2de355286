//! A weak network on loopback: a TCP proxy between a client and the test
//! server that cuts each connection after a number of bytes — of the
//! request (the phone's upload breaks off) or of the answer (the phone
//! never hears it). Cut points are drawn from a seeded generator, so a
//! failing run can be repeated.

use rand::{rngs::StdRng, Rng, SeedableRng};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Where a connection is cut.
#[derive(Clone, Copy, Debug)]
pub enum Cut {
    /// After this many bytes of the request (client → server); both sides
    /// are then closed.
    Request { min: usize, max: usize },
    /// After this many bytes of the answer (server → client).
    Answer { min: usize, max: usize },
}

pub struct FlakyProxy {
    pub base: String,
    cuts: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FlakyProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FlakyProxy {
    /// Proxies to `upstream` (`http://127.0.0.1:PORT`). Requests shorter
    /// than the cut pass whole (small requests such as `HEAD` get through).
    pub async fn start(upstream: &str, cut: Cut, seed: u64) -> FlakyProxy {
        let target = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let rng = Arc::new(Mutex::new(StdRng::seed_from_u64(seed)));
        let cuts = Arc::new(AtomicUsize::new(0));
        let counter = cuts.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(&target).await else {
                    continue;
                };
                let at = {
                    let mut r = rng.lock().unwrap();
                    match cut {
                        Cut::Request { min, max } | Cut::Answer { min, max } => {
                            r.gen_range(min..=max)
                        }
                    }
                };
                let counter = counter.clone();
                tokio::spawn(async move {
                    if pump(client, server, cut, at).await {
                        counter.fetch_add(1, Ordering::SeqCst);
                    }
                });
            }
        });
        FlakyProxy { base, cuts, task }
    }

    /// Connections cut so far.
    pub fn cuts(&self) -> usize {
        self.cuts.load(Ordering::SeqCst)
    }
}

/// Copies both ways until either side ends or the cut is reached;
/// answers whether it cut.
async fn pump(client: TcpStream, server: TcpStream, cut: Cut, at: usize) -> bool {
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let (up_limit, down_limit) = match cut {
        Cut::Request { .. } => (Some(at), None),
        Cut::Answer { .. } => (None, Some(at)),
    };
    let up = async move {
        let cut = copy_until(&mut cr, &mut sw, up_limit).await;
        let _ = sw.shutdown().await;
        cut
    };
    let down = async move {
        let cut = copy_until(&mut sr, &mut cw, down_limit).await;
        let _ = cw.shutdown().await;
        cut
    };
    // Whichever direction is cut closes the whole connection.
    tokio::select! {
        c = up => c,
        c = down => c,
    }
}

/// Copies until EOF, an error, or `limit` bytes; true when the limit cut it.
async fn copy_until<R, W>(r: &mut R, w: &mut W, limit: Option<usize>) -> bool
where
    R: AsyncReadExt + Unpin,
    W: AsyncWriteExt + Unpin,
{
    let mut buf = vec![0u8; 16 * 1024];
    let mut sent = 0usize;
    loop {
        let n = match r.read(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => n,
        };
        let n = match limit {
            Some(l) if sent + n >= l => {
                let _ = w.write_all(&buf[..l - sent]).await;
                let _ = w.flush().await;
                return true;
            }
            _ => n,
        };
        if w.write_all(&buf[..n]).await.is_err() {
            return false;
        }
        sent += n;
    }
}
