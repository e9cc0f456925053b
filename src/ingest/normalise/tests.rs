use super::*;

#[test]
fn tracking_params_are_sorted_for_binary_search() {
    let mut sorted = TRACKING_PARAMS.to_vec();
    sorted.sort_unstable();
    assert_eq!(sorted, TRACKING_PARAMS);
}

#[test]
fn canonical_link_drops_tracking_params_and_keeps_the_rest_in_order() {
    let link =
        "https://Example.COM:443/a/b?z=1&utm_source=x&b=2&UTM_Medium=y&fbclid=abc&a=%20q#top";
    assert_eq!(
        canonical_link(link, None).as_deref(),
        Some("https://example.com/a/b?z=1&b=2&a=%20q")
    );
}

#[test]
fn canonical_link_drops_an_all_tracking_query_and_the_fragment() {
    let link =
        "http://example.com:80/story?utm_campaign=x&ref=home&gclid=1&mc_cid=2&mc_eid=3#comments";
    assert_eq!(
        canonical_link(link, None).as_deref(),
        Some("http://example.com/story")
    );
}

#[test]
fn canonical_link_resolves_relative_links() {
    let base = Some("https://news.example/section/feed.xml");
    assert_eq!(
        canonical_link("../2026/story.html", base).as_deref(),
        Some("https://news.example/2026/story.html")
    );
    assert_eq!(
        canonical_link("/about", base).as_deref(),
        Some("https://news.example/about")
    );
    assert_eq!(
        canonical_link("//cdn.example/x", base).as_deref(),
        Some("https://cdn.example/x")
    );
    assert_eq!(
        canonical_link("https://other.example/y", base).as_deref(),
        Some("https://other.example/y")
    );
    assert_eq!(canonical_link("relative/only", None), None);
}

#[test]
fn canonical_link_rejects_other_schemes_and_garbage() {
    for bad in [
        "javascript:alert(1)",
        " JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "mailto:someone@example.com",
        "vbscript:msgbox(1)",
        "ftp://example.com/file",
        "http://",
        "",
        "   ",
    ] {
        assert_eq!(
            canonical_link(bad, Some("https://example.com/")),
            None,
            "{bad}"
        );
    }
    assert_eq!(canonical_link("x", Some("javascript:alert(1)")), None);
}

#[test]
fn canonical_link_strips_credentials() {
    assert_eq!(
        canonical_link("https://user:pw@example.com/a", None).as_deref(),
        Some("https://example.com/a")
    );
}

#[test]
fn html_to_text_decodes_entities_once() {
    assert_eq!(
        html_to_text("AT&amp;T &eacute;t&#233; &#x2014; &nbsp;ok"),
        "AT&T été — ok"
    );
    assert_eq!(
        html_to_text("<b>Fish &amp;amp; chips</b>"),
        "Fish &amp; chips"
    );
    assert_eq!(html_to_text("Fish &amp;amp; chips"), "Fish &amp; chips");
    assert_eq!(html_to_text("1 < 2 and 3 > 2"), "1 < 2 and 3 > 2");
}

#[test]
fn html_to_text_drops_scripts_styles_and_embeds() {
    let html = "<p>Hello<script>alert('x')</script> <style>p{}</style>world<iframe src=x>frame</iframe>\
                <noscript><img src=x onerror=alert(1)></noscript><object>obj</object></p>";
    assert_eq!(html_to_text(html), "Hello world");
}

#[test]
fn html_to_text_spaces_block_boundaries() {
    assert_eq!(
        html_to_text("<p>One.</p><p>Two.</p><div>Three</div><br>Four<li>Five</li><h2>Six</h2>"),
        "One. Two. Three Four Five Six"
    );
    assert_eq!(
        html_to_text("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>"),
        "a b c"
    );
    assert_eq!(
        html_to_text("in<b>line</b> <a href='x'>link</a>"),
        "inline link"
    );
}

#[test]
fn html_to_text_removes_invisible_characters_and_collapses_space() {
    let text = "  a\u{200b}b\u{202e}c\u{2066}d\u{0007}e\u{feff}\n\n\t f\u{e0041}  ";
    assert_eq!(html_to_text(text), "abcde f");
    assert_eq!(html_to_text("don\u{92}t"), "don’t");
    assert_eq!(
        html_to_text("👨\u{200d}👩\u{200d}👧"),
        "👨\u{200d}👩\u{200d}👧"
    );
}

#[test]
fn html_to_text_never_emits_markup() {
    assert_eq!(
        html_to_text("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "‹script›alert(1)‹/script›"
    );
    assert_eq!(
        html_to_text("<p>&lt;b&gt;bold&lt;/b&gt;</p>"),
        "‹b›bold‹/b›"
    );
    assert_eq!(
        html_to_text("<<b>script>"),
        "<script>".replace('<', "‹").replace('>', "›")
    );
}

#[test]
fn both_html_paths_agree_on_ordinary_markup() {
    let html = "<div class=x><h2>Title</h2><p>Para <a href=\"/a?b=1&amp;c=2\" title='x > y'>link</a> &amp; more&nbsp;text.</p>\
                <script>var a = '<p>';</script><style>p{}</style><!-- note --><ul><li>one</li><li>two</li></ul>\
                <img src=x alt=\"pic\"><br/>Tail &lt;b&gt;</div>";
    let linear = defang_markup(collapse(&strip_tags_linear(html)));
    assert_eq!(linear, html_to_text(html));
    assert_eq!(linear, "Title Para link & more text. one two Tail ‹b›");
}

#[test]
fn many_tags_take_the_linear_path() {
    let html = "<p>x</p>".repeat(MAX_TAGS_FOR_HTML5EVER + 1);
    assert!(start_tags_exceed(&html, MAX_TAGS_FOR_HTML5EVER));
    assert_eq!(
        html_to_text(&html),
        vec!["x"; MAX_TAGS_FOR_HTML5EVER + 1].join(" ")
    );
    assert_eq!(
        html_to_text(&("<b>".repeat(300) + "a<script>x</script>b<scr")),
        "ab"
    );
    assert_eq!(
        html_to_text(&("<i>".repeat(300) + "<STYLE>p{}</Style >c")),
        "c"
    );
}

#[test]
fn html_to_text_survives_hostile_input() {
    let started = std::time::Instant::now();
    let deep = "<div>".repeat(50_000) + "deep" + &"</div>".repeat(50_000);
    assert_eq!(html_to_text(&deep), "deep");
    for nest in [
        "<ul><li>",
        "<dl><dd>",
        "<form><div>",
        "<table><b>",
        "<div></x>",
    ] {
        let _ = html_to_text(&nest.repeat(40_000));
    }
    for input in [
        "<",
        "&",
        "&#",
        "&#x110000;",
        "&#0;",
        "<!--",
        "<![CDATA[x",
        "</",
        "<a href='",
        "\0",
    ] {
        let _ = html_to_text(input);
        let _ = html_to_text(&input.repeat(10_000));
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn html_to_text_is_nfc() {
    assert_eq!(html_to_text("e\u{301}"), "\u{e9}");
}

#[test]
fn first_words_marks_a_cut() {
    assert_eq!(first_words("a b c d", 2), "a b…");
    assert_eq!(first_words("a b", 2), "a b");
}
