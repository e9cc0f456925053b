//! The listeners' HTTP server (`briefbot::http::server`) against the attacks a public endpoint
//! meets: clients that send headers a byte at a time or not at all, too many connections,
//! oversized bodies and handlers that never finish.

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::routing::post;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use briefbot::http::server::{self, Limits};

async fn start(limits: Limits) -> (String, tokio::sync::oneshot::Sender<()>) {
    let router = Router::new()
        .route("/echo", post(|body: Bytes| async move { body }))
        .route(
            "/slow",
            post(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                "late"
            }),
        );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address").to_string();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server::serve(listener, router, limits, async {
        let _ = stopped.await;
    }));
    (address, stop)
}

fn request(host: &str, path: &str, body: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// Reads until the peer closes the connection or `limit` passes; what was read, and whether
/// it closed.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, bool) {
    let mut seen = Vec::new();
    let mut buffer = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&seen).into(), true),
            Ok(Ok(read)) => seen.extend_from_slice(&buffer[..read]),
            Err(_) => return (String::from_utf8_lossy(&seen).into(), false),
        }
    }
}

#[tokio::test]
async fn slow_and_silent_clients_are_cut_off_at_the_header_deadline() {
    let limits = Limits {
        header_read: Duration::from_secs(1),
        ..Limits::default()
    };
    let (address, _stop) = start(limits).await;
    // A request head that never finishes.
    let mut slow = TcpStream::connect(&address).await.expect("connect");
    slow.write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    // A connection that never says anything.
    let mut silent = TcpStream::connect(&address).await.expect("connect");
    for stream in [&mut slow, &mut silent] {
        let (_, closed) = read_until_closed(stream, Duration::from_secs(5)).await;
        assert!(closed, "held open past the header deadline");
    }
    // Served normally meanwhile.
    let mut fine = TcpStream::connect(&address).await.expect("connect");
    fine.write_all(request(&address, "/echo", "hi").as_bytes())
        .await
        .expect("write");
    let (answer, _) = read_until_closed(&mut fine, Duration::from_millis(500)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("hi"), "{answer}");
}

#[tokio::test]
async fn connections_past_the_cap_wait_for_a_free_slot() {
    let limits = Limits {
        header_read: Duration::from_secs(2),
        connections: 2,
        ..Limits::default()
    };
    let (address, _stop) = start(limits).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        held.push(TcpStream::connect(&address).await.expect("connect"));
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut third = TcpStream::connect(&address)
        .await
        .expect("the kernel queues it");
    third
        .write_all(request(&address, "/echo", "three").as_bytes())
        .await
        .expect("write");
    let (early, _) = read_until_closed(&mut third, Duration::from_millis(800)).await;
    assert_eq!(early, "", "served while two connections held every slot");
    // The two idle ones reach their header deadline; the third is served then.
    let (late, _) = read_until_closed(&mut third, Duration::from_secs(5)).await;
    assert!(late.starts_with("HTTP/1.1 200"), "{late}");
}

#[tokio::test]
async fn oversized_bodies_and_endless_handlers_get_an_answer() {
    let limits = Limits {
        request: Duration::from_secs(1),
        body_bytes: 1024,
        ..Limits::default()
    };
    let (address, _stop) = start(limits).await;
    let mut big = TcpStream::connect(&address).await.expect("connect");
    big.write_all(request(&address, "/echo", &"x".repeat(1025)).as_bytes())
        .await
        .expect("write");
    let (answer, _) = read_until_closed(&mut big, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");

    let mut slow = TcpStream::connect(&address).await.expect("connect");
    slow.write_all(request(&address, "/slow", "").as_bytes())
        .await
        .expect("write");
    let (answer, _) = read_until_closed(&mut slow, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

#[test]
fn secrets_compare_whole() {
    assert!(server::secrets_match(b"s3cret", b"s3cret"));
    assert!(!server::secrets_match(b"s3cre", b"s3cret"));
    assert!(!server::secrets_match(b"s3creT", b"s3cret"));
    assert!(!server::secrets_match(b"", b"s3cret"));
}
