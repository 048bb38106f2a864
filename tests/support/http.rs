//! A tiny HTTP server on loopback for tests: a metrics page for a server
//! to scrape, or a stand-in for a server that errs, stalls or records what
//! it is sent.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

/// A tiny HTTP server on loopback: each request is answered by `answer`
/// from its request line, headers and body.
pub struct Listener {
    /// The port it listens on.
    pub port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET /path HTTP/1.1`.
    pub line: String,
    /// Each header line as sent.
    pub headers: Vec<String>,
    /// The body (a form, for a POST).
    pub body: String,
}

impl Listener {
    /// Answers every request with what `answer` returns: a whole HTTP
    /// response, or `None` to hold the connection open without a word.
    pub fn start(answer: impl Fn(&Request) -> Option<String> + Send + 'static) -> Listener {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        listener.set_nonblocking(true).expect("nonblocking");
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let _ = stream.set_nonblocking(false);
                        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                        if let Some(request) = read_request(&stream) {
                            match answer(&request) {
                                Some(response) => {
                                    let mut stream = stream;
                                    let _ = stream.write_all(response.as_bytes());
                                }
                                // Never answer: hold the connection open.
                                None => {
                                    let held = stream;
                                    thread::spawn(move || {
                                        thread::sleep(Duration::from_secs(30));
                                        drop(held);
                                    });
                                }
                            }
                        }
                    }
                    Err(_) => thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Listener {
            port,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn read_request(stream: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut headers = Vec::new();
    let mut length = 0;
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end().to_string();
        if h.is_empty() {
            break;
        }
        if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        headers.push(h);
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        line: line.trim_end().to_string(),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// A whole HTTP response.
pub fn http(status: &str, content_type: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}
