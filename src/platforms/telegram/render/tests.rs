use super::*;
use crate::model::{Link, Section};
use chrono::{TimeZone, Utc};

fn story(entity: &str, headline: &str, summary: &str, links: Vec<(&str, &str)>) -> Story {
    Story {
        headline: headline.into(),
        summary: summary.into(),
        key_entity: entity.into(),
        published: Utc
            .with_ymd_and_hms(2026, 3, 2, 5, 0, 0)
            .single()
            .unwrap_or_default(),
        topics: vec!["chips".into()],
        links: links
            .into_iter()
            .map(|(url, source)| Link {
                url: url.into(),
                source: source.into(),
                title: String::new(),
            })
            .collect(),
        score: 1.0,
        item_ids: vec![],
        why: None,
    }
}

fn brief(stories: Vec<Story>) -> Brief {
    let as_of = Utc
        .with_ymd_and_hms(2026, 3, 2, 7, 0, 0)
        .single()
        .unwrap_or_default();
    Brief {
        title: "AI Morning Brief".into(),
        topic: None,
        as_of,
        window_start: as_of - chrono::Duration::hours(24),
        sections: vec![Section {
            topic: "chips".into(),
            title: "Chips & Hardware".into(),
            stories,
        }],
        source_count: 1,
        editorial: None,
        permalink: None,
    }
}

fn utf16_len(text: &str) -> usize {
    text.encode_utf16().count()
}

/// The visible text Telegram would count: tags removed, entities decoded.
fn visible(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

#[test]
fn feed_text_cannot_mention_anyone() {
    let span = Span::plain("write to @victim_admin or @everyone");
    let html = span.html();
    assert!(
        !html.contains("@victim_admin") && !html.contains("@everyone"),
        "{html}"
    );
    assert!(html.contains("@\u{2060}victim_admin"));
}

#[test]
fn escapes_text_and_attributes() {
    assert_eq!(escape(r#"a & <b> "q""#), "a &amp; &lt;b&gt; &quot;q&quot;");
    let span = Span::link("https://x.test/?a=\"><script>", "<i>");
    assert_eq!(
        span.html(),
        "<a href=\"https://x.test/?a=%22%3E%3Cscript%3E\">&lt;i&gt;</a>"
    );
}

#[test]
fn story_has_bold_lead_summary_and_linked_sources() {
    let out = render(&brief(vec![story(
        "Nvidia",
        "Blackwell ships",
        "It ships.",
        vec![
            ("https://a.test/1", "Outlet A"),
            ("javascript:alert(1)", "Outlet B"),
        ],
    )]));
    assert_eq!(out.len(), 1);
    assert!(
        out[0].ends_with(
            "<b>Chips &amp; Hardware</b>\n• <b>Nvidia</b> — Blackwell ships\nIt ships.\n\
             <i>Sources: </i><a href=\"https://a.test/1\">Outlet A</a>, Outlet B"
        ),
        "{}",
        out[0]
    );
    assert!(!out[0].contains("javascript"));
}

#[test]
fn headline_starting_with_entity_is_bold_there() {
    let line = lead(&story("Nvidia", "Nvidia's chips ship", "", vec![]));
    assert_eq!(line_html(&line), "• <b>Nvidia</b>'s chips ship");
}

#[test]
fn the_editorial_is_escaped_and_closes_the_brief() {
    let mut brief = brief(vec![]);
    brief.editorial = Some(crate::model::Editorial {
        overview: "Big <b>day</b> & more".into(),
        bottom_line: "Watch <i>this</i>.".into(),
    });
    let html = render(&brief).join("\n");
    assert!(
        html.contains("Big &lt;b&gt;day&lt;/b&gt; &amp; more"),
        "{html}"
    );
    assert!(
        html.ends_with("<b>Bottom line:</b> Watch &lt;i&gt;this&lt;/i&gt;."),
        "{html}"
    );
}

#[test]
fn the_permalink_closes_the_last_message() {
    let mut brief = brief(vec![story("", "A", "", vec![])]);
    brief.permalink = url::Url::parse("https://b.example/briefs/7?x=\"1\"&y=2").ok();
    let html = render(&brief).join("\n");
    assert!(
        html.ends_with(
            "\n\n<a href=\"https://b.example/briefs/7?x=%221%22&amp;y=2\">Full brief</a>"
        ),
        "{html}"
    );
}

#[test]
fn long_briefs_split_between_stories_within_the_limit() {
    let stories: Vec<Story> = (0..40)
        .map(|i| story("", &format!("Story {i}"), &"word ".repeat(30), vec![]))
        .collect();
    let out = render_with_limit(&brief(stories), 500);
    assert!(out.len() > 5);
    for message in &out {
        assert!(utf16_len(&visible(message)) <= 500, "{message}");
    }
    // Every story is whole in one message, and later messages name their section.
    for i in 0..40 {
        let holders = out
            .iter()
            .filter(|m| m.contains(&format!("Story {i}</b>")))
            .count();
        assert_eq!(holders, 1, "story {i}");
    }
    assert!(out[1].starts_with("<b>Chips &amp; Hardware (continued)</b>\n• "));
}

#[test]
fn one_huge_story_is_cut_between_tags() {
    let headline = "x".repeat(30) + &" long".repeat(400);
    let out = render_with_limit(&brief(vec![story("", &headline, "", vec![])]), 300);
    assert!(out.len() > 5);
    for message in &out {
        assert!(utf16_len(&visible(message)) <= 300);
        assert_eq!(
            message.matches("<b>").count(),
            message.matches("</b>").count(),
            "{message}"
        );
    }
}

#[test]
fn length_counts_utf16_units_after_entities() {
    let s = Span::plain("&😀");
    assert_eq!(s.len(), 3);
    assert_eq!(s.html(), "&amp;😀");
    assert_eq!(cut_at("ab cd", 4), 3);
    assert_eq!(cut_at("abcdef", 4), 4);
    assert_eq!(cut_at("😀😀", 3), 4);
}

#[test]
fn mentions_count_their_word_joiner() {
    // Found by the fuzz suite: `@` is sent as `@` and a word joiner, two units.
    let out = render_text(&"@".repeat(3000));
    assert_eq!(out.len(), 2);
    for message in &out {
        assert!(utf16_len(&visible(message)) <= MESSAGE_LIMIT);
    }
    let out = render_with_limit(&brief(vec![story("", "@@ 😀😀", "", vec![])]), 1);
    assert!(out.iter().all(|m| utf16_len(&visible(m)) <= 2), "{out:?}");
}

#[test]
fn an_untitled_section_never_makes_an_empty_message() {
    let mut brief = brief(vec![story("", "abcd", "", vec![])]);
    brief.sections[0].title = String::new();
    let out = render_with_limit(&brief, 2);
    assert!(out.iter().all(|m| !visible(m).is_empty()), "{out:?}");
}

#[test]
fn plain_replies_are_escaped() {
    let out = render_text("Unknown topic \"<b>\".\n\nTopics: a & b");
    assert_eq!(
        out,
        vec!["Unknown topic &quot;&lt;b&gt;&quot;.\n\nTopics: a &amp; b"]
    );
}
