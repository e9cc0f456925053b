//! Hostile feeds (issue 12, rows 3–5): each is parsed under a ceiling on peak memory and on
//! how its parse time grows with its size.
//!
//! Memory is counted by a global allocator that keeps a per-thread tally, so the figures are
//! exact and unaffected by tests running beside this one. Time is the parsing thread's CPU
//! time, compared between a feed and one four times its size, each the best of five runs: on a
//! loaded 2-core machine absolute times vary too much to assert on, but linear work grows
//! about fourfold and quadratic work sixteenfold. The tests here take turns, so that they do
//! not load the machine for each other.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Mutex;
use std::time::Duration;

use super::super::{MAX_DEPTH, ParseError, parse_feed};

/// Counts what each thread has allocated and not yet freed, and the most it ever had.
struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn count(delta: isize) {
    // `try_with`: the allocator runs during thread teardown too, after the slots are gone.
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

// SAFETY: every call goes straight to the system allocator; the counting touches only
// thread-locals that need no allocation (const-initialised `Cell`s without destructors).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's guarantees for `alloc` are passed on unchanged.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            count(layout.size() as isize);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            count(layout.size() as isize);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout`, as the caller guarantees.
        unsafe { System.dealloc(ptr, layout) };
        count(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`, and `new_size` is valid as the caller guarantees.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            count(new_size as isize - layout.size() as isize);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

static TAKING_TURNS: Mutex<()> = Mutex::new(());

/// CPU time this thread has used.
fn thread_cpu_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid timespec for the call to fill in.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(status, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(
        u64::try_from(now.tv_sec).unwrap_or(0),
        u32::try_from(now.tv_nsec).unwrap_or(0),
    )
}

/// The CPU time parsing `xml` took and the most memory it held at once beyond what was live
/// before.
fn measure(xml: &str) -> (Duration, usize) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|peak| peak.set(base));
    let started = thread_cpu_time();
    let parsed = parse_feed(xml.as_bytes(), super::URL);
    let elapsed = thread_cpu_time().saturating_sub(started);
    let peak = PEAK.with(Cell::get) - base;
    drop(parsed);
    (elapsed, usize::try_from(peak).unwrap_or(0))
}

/// Asserts that parsing `make(4n)` takes under eight times as long as parsing `make(n)`
/// (linear work: about four; quadratic: about sixteen), and that neither holds more than
/// `memory_per_byte` bytes per input byte plus `memory_slack` at any moment.
fn assert_bounded(
    what: &str,
    make: impl Fn(usize) -> String,
    n: usize,
    memory_per_byte: usize,
    memory_slack: usize,
) {
    let _turn = TAKING_TURNS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let small = make(n);
    let large = make(4 * n);
    let (mut small_time, mut small_peak) = (Duration::MAX, usize::MAX);
    let (mut large_time, mut large_peak) = (Duration::MAX, usize::MAX);
    // Alternating, so that a spell of load falls on both sizes alike.
    for _ in 0..5 {
        let (time, peak) = measure(&small);
        (small_time, small_peak) = (small_time.min(time), small_peak.min(peak));
        let (time, peak) = measure(&large);
        (large_time, large_peak) = (large_time.min(time), large_peak.min(peak));
    }
    let ratio = large_time.as_secs_f64() / small_time.as_secs_f64().max(1e-6);
    eprintln!(
        "{what}: {} bytes in {small_time:.2?} (peak {small_peak} bytes), {} bytes in {large_time:.2?} (peak {large_peak} bytes): {ratio:.1}x",
        small.len(),
        large.len()
    );
    for (xml, peak) in [(&small, small_peak), (&large, large_peak)] {
        let ceiling = xml.len() * memory_per_byte + memory_slack;
        assert!(
            peak <= ceiling,
            "{what}: {} bytes of feed held {peak} bytes at once (ceiling {ceiling})",
            xml.len()
        );
    }
    assert!(
        ratio < 8.0,
        "{what}: four times the input took {ratio:.1} times as long ({small_time:?} → {large_time:?})"
    );
}

/// Row 4: deep nesting, then as many end tags that match nothing open. Past the first stray
/// end tag no XML reader gets further, so all of it goes through the repair.
fn stray_end_tags(size: usize) -> String {
    let head = "<rss version=\"2.0\"><channel><title>t</title><item><title>i</title></x>";
    let depth = size.saturating_sub(head.len()) / 7;
    let mut xml = String::with_capacity(size + 32);
    xml.push_str(head);
    xml.push_str(&"<b>".repeat(depth));
    xml.push_str(&"</i>".repeat(depth));
    xml.push_str("</item></channel></rss>");
    xml
}

#[test]
fn stray_end_tags_are_repaired_in_linear_time() {
    assert_bounded("stray end tags", stray_end_tags, 40_000, 16, 1 << 20);
}

const ATOM_HEAD: &str = r#"<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://feeds.example/"><title>t</title><entry><title>e</title><link href="a"/></entry>"#;

/// Row 3: relative `xml:base` nested as deep as the size allows. Each level's base is one
/// segment longer than its parent's, and feed-rs kept a copy of every one.
fn nested_relative_bases(size: usize) -> String {
    let open = r#"<x xml:base="d/">"#;
    let depth = size.saturating_sub(ATOM_HEAD.len()) / (open.len() + 4);
    format!(
        "{ATOM_HEAD}{}{}</feed>",
        open.repeat(depth),
        "</x>".repeat(depth)
    )
}

/// Row 3 within the depth limit: 200 levels, each base a long segment longer.
fn long_nested_bases(size: usize) -> String {
    let depth = 200;
    let segment = "d".repeat(size.saturating_sub(ATOM_HEAD.len()) / depth);
    let open = format!(r#"<x xml:base="{segment}/">"#);
    format!(
        "{ATOM_HEAD}{}{}</feed>",
        open.repeat(depth),
        "</x>".repeat(depth)
    )
}

/// One long base over many elements: feed-rs copied it for each element.
fn one_long_base(size: usize) -> String {
    let path = "d".repeat(size / 2);
    let head = format!(
        r#"<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://feeds.example/{path}/"><title>t</title><entry><title>e</title><link href="a"/></entry>"#
    );
    let elements = size.saturating_sub(head.len()) / 4;
    format!("{head}{}</feed>", "<x/>".repeat(elements))
}

#[test]
fn nested_relative_bases_are_refused_as_too_deep() {
    assert_bounded(
        "nested xml:base",
        nested_relative_bases,
        50_000,
        16,
        1 << 20,
    );
    let refused = parse_feed(nested_relative_bases(50_000).as_bytes(), super::URL);
    assert!(
        matches!(refused, Err(ParseError::TooDeep { limit: MAX_DEPTH })),
        "{refused:?}"
    );
}

#[test]
fn long_nested_bases_within_the_depth_limit_stay_small() {
    assert_bounded("long xml:base", long_nested_bases, 250_000, 16, 1 << 20);
    let feed = parse_feed(long_nested_bases(250_000).as_bytes(), super::URL).expect("a feed");
    assert_eq!(
        feed.items[0].link.as_deref(),
        Some("https://feeds.example/a")
    );
}

#[test]
fn one_long_base_over_many_elements_is_read_in_linear_time() {
    assert_bounded("one long xml:base", one_long_base, 400_000, 16, 1 << 20);
}

/// One long base over 5,000 items of RSS 0.90, which feed-rs finds no items in: the tolerant
/// scan reads them, and it copied the base into every item.
fn long_base_over_scanned_items(size: usize) -> String {
    let path = "d".repeat(size / 2);
    let items: String = (0..5_000)
        .map(|i| format!("<item><title>i{i}</title><link>a{i}</link></item>"))
        .collect();
    format!(
        r#"<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://my.netscape.com/rdf/simple/0.9/" xml:base="https://feeds.example/{path}/"><channel><title>t</title></channel>{items}</rdf:RDF>"#
    )
}

#[test]
fn long_base_over_scanned_items_is_not_copied_per_item() {
    assert_bounded(
        "xml:base over scanned items",
        long_base_over_scanned_items,
        60_000,
        16,
        1 << 20,
    );
}

/// Row 5: empty items, as many as the size allows; `broken` puts a bare `&` before them, so
/// that they go through the repair.
fn empty_items(size: usize, broken: bool) -> String {
    let title = if broken { "t & u" } else { "t" };
    let head =
        format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{title}</title>");
    let items = size.saturating_sub(head.len()) / 13;
    format!("{head}{}</channel></rss>", "<item></item>".repeat(items))
}

#[test]
fn items_past_the_cap_are_never_built() {
    assert_bounded(
        "empty items",
        |n| empty_items(n, false),
        500_000,
        16,
        1 << 20,
    );
    assert_bounded(
        "empty items, repaired",
        |n| empty_items(n, true),
        500_000,
        16,
        1 << 20,
    );
}

/// Row 5 in JSON Feed: empty items, as many as the size allows.
fn empty_json_items(size: usize) -> String {
    let head = r#"{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{}"#;
    let items = size.saturating_sub(head.len()) / 3;
    format!("{head}{}]}}", ",{}".repeat(items))
}

#[test]
fn json_items_past_the_cap_are_never_built() {
    assert_bounded("empty JSON items", empty_json_items, 1_000_000, 16, 1 << 20);
}

/// One item with as many attributes as the size allows, after a bare `&`, so it is repaired:
/// the repair checked each attribute against every one written before it.
fn many_attributes(size: usize) -> String {
    let attributes: String = (0..size / 12).map(|i| format!(r#" a{i}="x""#)).collect();
    format!(
        r#"<rss version="2.0"><channel><title>t & u</title><item{attributes}><title>i</title></item></channel></rss>"#
    )
}

#[test]
fn many_attributes_are_repaired_in_linear_time() {
    assert_bounded("many attributes", many_attributes, 60_000, 16, 1 << 20);
}
