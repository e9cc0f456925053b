//! GitHub-flavoured Markdown: a heading per section and one bullet per story, each story
//! crediting its outlets with masked links.
//!
//! Every piece of feed text is escaped, so a headline like `**win** [x](javascript:…)` shows
//! exactly those characters instead of bold text and a link, and `@everyone`, `#123` or `$5`
//! cannot become a mention, an issue reference or maths. Links are only ever made to `http(s)`
//! URLs, percent-encoded so that a `)` or a space cannot end the destination early.

use super::{clean_inline, date_line, encode_url, entity_prefix_len, is_web_url};
use super::{outlets, overview, topic_label};
use crate::engine::text::is_cjk;
use crate::model::{Brief, Story};

/// The brief as GitHub-flavoured Markdown, ending with a newline.
pub fn render(brief: &Brief) -> String {
    let mut out = format!("# {}\n\n", escape(&brief.title));
    out.push_str(&format!("_{}_\n\n", escape(&date_line(brief))));
    out.push_str(&escape(&overview(brief)));
    out.push('\n');
    if let Some(editorial) = &brief.editorial {
        out.push_str(&format!("\n{}\n", escape(&editorial.overview)));
    }
    if brief.is_empty() {
        if let Some(topic) = topic_label(brief) {
            out.push_str(&format!("\nTopic: {}\n", escape(topic)));
        }
        push_permalink(&mut out, brief);
        return out;
    }
    for section in brief.sections.iter().filter(|s| !s.stories.is_empty()) {
        out.push_str(&format!("\n## {}\n\n", escape(&section.title)));
        for story in &section.stories {
            out.push_str(&story_line(story));
            out.push('\n');
        }
    }
    if let Some(editorial) = &brief.editorial {
        out.push_str(&format!(
            "\n**Bottom line:** {}\n",
            escape(&editorial.bottom_line)
        ));
    }
    push_permalink(&mut out, brief);
    out
}

/// The link to the brief's archive page, as the last line.
fn push_permalink(out: &mut String, brief: &Brief) {
    if let Some(url) = &brief.permalink {
        out.push_str(&format!("\n[Full brief]({})\n", destination(url.as_str())));
    }
}

/// `- **Entity** — Headline. Summary ([Outlet](url), …)`, all on one line.
fn story_line(story: &Story) -> String {
    let mut parts: Vec<String> = Vec::new();
    let lead = lead(story);
    if !lead.is_empty() {
        parts.push(lead);
    }
    let summary = escape(&story.summary);
    if !summary.is_empty() {
        parts.push(summary);
    }
    let credits = credits(story);
    if !credits.is_empty() {
        parts.push(format!("({credits})"));
    }
    format!("- {}", parts.join(" "))
}

/// The bold key entity and the headline, ending with a full stop. When the headline already
/// starts with the entity, that part of the headline is the bold lead instead of repeating it.
fn lead(story: &Story) -> String {
    let headline = clean_inline(&story.headline);
    let entity = clean_inline(&story.key_entity);
    let mut lead = match entity_prefix_len(&headline, &entity) {
        Some(end) => format!(
            "{}{}",
            bold(&headline[..end]),
            escape_with(&headline[end..], false)
        ),
        None if entity.is_empty() => bold(&headline),
        None if headline.is_empty() => bold(&entity),
        None => format!("{} — {}", bold(&entity), escape_with(&headline, false)),
    };
    let ends_sentence = headline.ends_with(['.', '!', '?', '…', '。', '！', '？']);
    if let Some(last) = headline.chars().last()
        && !ends_sentence
    {
        // A Chinese or Japanese headline takes its own full stop.
        lead.push(if is_cjk(last) { '。' } else { '.' });
    }
    lead
}

fn bold(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    format!("**{}**", escape_with(text, false))
}

/// One masked link per outlet (its first web link); an outlet with no web link is named
/// without one.
fn credits(story: &Story) -> String {
    let credits: Vec<String> = outlets(story)
        .into_iter()
        .map(|(name, links)| {
            let url = links
                .iter()
                .map(|&i| &story.links[i].url)
                .find(|u| is_web_url(u));
            match url {
                Some(url) => format!("[{}]({})", escape(&name), destination(url)),
                None => escape(&name),
            }
        })
        .collect();
    credits.join(", ")
}

/// A URL that stays one link destination: nothing in it can close the `(…)` or start a title.
fn destination(url: &str) -> String {
    encode_url(url, |c| matches!(c, '(' | ')' | '<' | '>' | '"' | '\\'))
}

/// Feed text as Markdown that renders as exactly that text, on one line, safe to place at
/// the start of a line.
pub(crate) fn escape(text: &str) -> String {
    escape_with(&clean_inline(text), true)
}

/// `text` must already be on one line. `line_start` also escapes what only means something
/// at the start of a line: list bullets, numbered items and setext underlines.
fn escape_with(text: &str, line_start: bool) -> String {
    let chars: Vec<char> = text.chars().collect();
    let marker = if line_start {
        block_marker(&chars)
    } else {
        None
    };
    let mut out = String::with_capacity(text.len() + 8);
    for (index, &c) in chars.iter().enumerate() {
        let next = chars.get(index + 1).copied();
        let needs_escape = match c {
            // Emphasis, code, links, HTML and autolinks, tables, strikethrough, GitHub maths,
            // mentions and issue references, headings.
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '$' | '@' | '#' => true,
            // Only "&name;" and "&#123;" are entities; a lone "&" is just an ampersand.
            '&' => next.is_some_and(|n| n.is_ascii_alphanumeric() || n == '#'),
            _ => marker == Some(index),
        };
        if needs_escape {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Index of the character that would turn the start of a line into a block: a `-`/`+` bullet,
/// a `=` underline, or the `.`/`)` after an item number.
fn block_marker(chars: &[char]) -> Option<usize> {
    match chars.first()? {
        '-' | '+' | '=' => Some(0),
        c if c.is_ascii_digit() => {
            let digits = chars.iter().take_while(|c| c.is_ascii_digit()).count();
            matches!(chars.get(digits), Some('.' | ')')).then_some(digits)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn escapes_inline_markup() {
        assert_eq!(
            escape("**bold** _it_ `code`"),
            r"\*\*bold\*\* \_it\_ \`code\`"
        );
        assert_eq!(
            escape("[x](javascript:alert(1))"),
            r"\[x\](javascript:alert(1))"
        );
        assert_eq!(
            escape("<script>a|b~c</script>"),
            r"\<script\>a\|b\~c\</script\>"
        );
        assert_eq!(escape(r"back\slash"), r"back\\slash");
        assert_eq!(
            escape("@everyone fixes #12 for $5"),
            r"\@everyone fixes \#12 for \$5"
        );
    }

    #[test]
    fn escapes_entities_but_not_lone_ampersands() {
        assert_eq!(escape("Chips & Hardware"), "Chips & Hardware");
        assert_eq!(escape("AT&T &amp; &#60;"), r"AT\&T \&amp; \&\#60;");
    }

    #[test]
    fn escapes_block_markers_only_at_line_start() {
        assert_eq!(escape("- item"), r"\- item");
        assert_eq!(escape("+ item"), r"\+ item");
        assert_eq!(escape("=== underline"), r"\=== underline");
        assert_eq!(escape("2026. A year"), r"2026\. A year");
        assert_eq!(escape("3) third"), r"3\) third");
        assert_eq!(escape("# Heading"), r"\# Heading");
        assert_eq!(escape("GPT-5 costs 2.5x more."), "GPT-5 costs 2.5x more.");
        assert_eq!(escape("2026 was big"), "2026 was big");
        assert_eq!(escape_with("- not a bullet", false), "- not a bullet");
    }

    #[test]
    fn newlines_collapse_into_spaces() {
        assert_eq!(escape("one\n\n- two\r\n# three"), r"one - two \# three");
    }

    #[test]
    fn destinations_cannot_end_early() {
        let url = "https://en.wikipedia.test/wiki/Foo_(bar) baz<x>\"q\"\\";
        assert_eq!(
            destination(url),
            "https://en.wikipedia.test/wiki/Foo_%28bar%29%20baz%3Cx%3E%22q%22%5C"
        );
    }

    #[test]
    fn only_web_links_become_links() {
        let links = vec![
            link("javascript:alert(1)", "Evil [Feed]"),
            link("https://good.test/a", "Good"),
            link("data:text/html,x", "Data"),
        ];
        let line = story_line(&story("", "H", "", links));
        assert_eq!(
            line,
            r"- **H**. (Evil \[Feed\], [Good](https://good.test/a), Data)"
        );
    }

    #[test]
    fn outlet_with_several_links_uses_its_first_web_link() {
        let links = vec![
            link("ftp://a.test", "A"),
            link("https://a.test/2", "A"),
            link("https://a.test/3", "A"),
        ];
        let line = story_line(&story("", "H", "", links));
        assert_eq!(line, "- **H**. ([A](https://a.test/2))");
    }

    #[test]
    fn leads_with_the_bold_key_entity() {
        let line =
            |entity: &str, headline: &str| story_line(&story(entity, headline, "Summary.", vec![]));
        assert_eq!(
            line("Nvidia", "Blackwell ships"),
            "- **Nvidia** — Blackwell ships. Summary."
        );
        assert_eq!(
            line("Nvidia", "NVIDIA's Blackwell ships"),
            "- **NVIDIA**'s Blackwell ships. Summary."
        );
        assert_eq!(
            line("", "Is AI a bubble?"),
            "- **Is AI a bubble?** Summary."
        );
        assert_eq!(line("Nvidia", ""), "- **Nvidia** Summary.");
        assert_eq!(line("", ""), "- Summary.");
        assert_eq!(line("", "- Dash"), "- **- Dash**. Summary.");
        assert_eq!(line("台积电", "台积电扩产"), "- **台积电**扩产。 Summary.");
    }

    #[test]
    fn summary_at_line_start_cannot_nest_a_list() {
        let out = story_line(&story("", "", "- nested? 1. no", vec![]));
        assert_eq!(out, r"- \- nested? 1. no");
    }

    #[test]
    fn hostile_headline_renders_as_text() {
        let hostile = "**bold** [x](javascript:alert(1)) @everyone <script>";
        let line = story_line(&story(
            "",
            hostile,
            "a\nb",
            vec![link("https://ok.test", "OK")],
        ));
        assert_eq!(
            line,
            r"- **\*\*bold\*\* \[x\](javascript:alert(1)) \@everyone \<script\>**. a b ([OK](https://ok.test))"
        );
    }

    #[test]
    fn the_permalink_is_the_last_line() {
        let mut brief = one_story_brief(story("", "H", "", vec![]));
        brief.permalink = url::Url::parse("https://b.example/x/briefs/7?a=(1)").ok();
        assert!(
            render(&brief).ends_with("\n\n[Full brief](https://b.example/x/briefs/7?a=%281%29)\n"),
            "{}",
            render(&brief)
        );
    }

    #[test]
    fn empty_topic_brief_names_the_topic() {
        let mut brief = brief(vec![("chips", "Chips & Hardware", vec![])], 0);
        brief.topic = Some("chips".to_string());
        let expected = "# AI Morning Brief\n\n_Monday, 2 March 2026 · 07:00 UTC · last 24 hours_\n\nNo stories in \
                        this window.\n\nTopic: Chips & Hardware\n";
        assert_eq!(render(&brief), expected);
    }
}
