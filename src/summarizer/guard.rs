//! What model output must pass before a reader sees it.
//!
//! `clean` makes it plain text of bounded length: markup, links and line breaks gone, so it
//! cannot change a brief's structure and every renderer escapes it like any feed text.
//! `Grounding` rejects text that names something its sources do not: every number and every
//! capitalised name must occur in the items the text was written from. That cannot prove a
//! summary true, but it catches the invented figure, the wrong company and the date that
//! nobody reported, which are the errors readers punish.

use std::collections::HashSet;

use crate::engine::text::{is_cjk, truncate_words};
use crate::ingest::normalise::html_to_text;

/// Why a text was rejected: the first word its sources do not contain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Ungrounded {
    #[error("the number {0:?} is not in the sources")]
    Number(String),
    #[error("the name {0:?} is not in the sources")]
    Name(String),
    /// A handle (`@someone`) or a domain (`evil.example`): a summary never sends readers
    /// anywhere, whatever case it is written in.
    #[error("{0:?} points readers somewhere")]
    Pointer(String),
    /// "You", "click", "visit": a summary reports, it does not address or instruct readers.
    #[error("{0:?} addresses the reader")]
    AddressesReader(String),
}

/// Words of a text that talks to its reader instead of reporting.
const READER_WORDS: &[&str] = &[
    "you", "your", "yours", "yourself", "click", "visit", "dm", "login",
];

/// Rejects what no grounded summary contains: handles, domains, and words that instruct or
/// address the reader (lower case does not make "message @victim_admin" harmless).
pub fn refuse_pointers(text: &str) -> Result<(), Ungrounded> {
    for raw in text.split_whitespace() {
        let word = raw.trim_matches(|c: char| !c.is_alphanumeric() && c != '@');
        if word.starts_with('@') && word.len() > 1 {
            return Err(Ungrounded::Pointer(word.to_string()));
        }
        if looks_like_domain(word) {
            return Err(Ungrounded::Pointer(word.to_string()));
        }
        let lower = word.to_lowercase();
        if READER_WORDS.contains(&lower.as_str()) {
            return Err(Ungrounded::AddressesReader(word.to_string()));
        }
    }
    Ok(())
}

/// `evil.example`, `x.co`, `bit.ly/abc`: letters, a dot, then a letter-only label of two or
/// more. Numbers ("2.5") and abbreviations ("U.S.") are not domains.
fn looks_like_domain(word: &str) -> bool {
    let host = word.split('/').next().unwrap_or(word);
    let labels: Vec<&str> = host.split('.').collect();
    labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
        && labels[0].chars().any(|c| c.is_ascii_alphabetic())
        && labels.iter().any(|l| l.len() >= 2)
}

/// Plain text, one line, at most `max_chars`; whole sentences when the cap allows.
pub fn clean(text: &str, max_chars: usize) -> String {
    let text = html_to_text(&strip_markdown(text));
    let text: String = text
        .split_whitespace()
        .filter(|word| !looks_like_url(word))
        .collect::<Vec<_>>()
        .join(" ");
    if text.chars().count() <= max_chars {
        return text;
    }
    // Prefer ending on a sentence: a cut mid-clause reads as an error in a brief.
    let head: String = text.chars().take(max_chars).collect();
    match head.rfind(['.', '!', '?', '。']) {
        Some(end) if end > head.len() / 2 => {
            let end = end + head[end..].chars().next().map_or(1, char::len_utf8);
            head[..end].to_string()
        }
        _ => truncate_words(&text, max_chars),
    }
}

/// Removes Markdown a model tends to add: emphasis, code, headings, quotes, bullets, and the
/// link syntax (keeping the link's text, never its target).
fn strip_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let line = line
            .trim_start()
            .trim_start_matches(['#', '>', '-', '*', '•'])
            .trim_start();
        out.push_str(&unlink(line));
        out.push(' ');
    }
    out.replace(['*', '`', '~', '|'], "")
        .replace("__", "")
        .replace("@everyone", "everyone")
        .replace("@here", "here")
}

/// `[text](target)` → `text`.
fn unlink(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find("](").map(|i| open + i) else {
            break;
        };
        let Some(end) = rest[close..].find(')').map(|i| close + i) else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(&rest[open + 1..close]);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

fn looks_like_url(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    lower.contains("://") || lower.starts_with("www.")
}

/// Words that start sentences in any summary without naming anything.
const SENTENCE_STARTERS: &[&str] = &[
    "a",
    "about",
    "according",
    "across",
    "additionally",
    "after",
    "against",
    "all",
    "also",
    "amid",
    "among",
    "an",
    "analysts",
    "and",
    "another",
    "as",
    "at",
    "both",
    "but",
    "by",
    "despite",
    "each",
    "elsewhere",
    "even",
    "expect",
    "experts",
    "for",
    "from",
    "further",
    "he",
    "her",
    "his",
    "how",
    "however",
    "if",
    "in",
    "investors",
    "it",
    "its",
    "looking",
    "many",
    "meanwhile",
    "more",
    "most",
    "much",
    "new",
    "no",
    "not",
    "notably",
    "now",
    "of",
    "on",
    "one",
    "other",
    "others",
    "outlets",
    "over",
    "overall",
    "reports",
    "separately",
    "several",
    "she",
    "since",
    "so",
    "some",
    "still",
    "such",
    "taken",
    "that",
    "the",
    "their",
    "there",
    "these",
    "they",
    "this",
    "those",
    "though",
    "to",
    "today",
    "together",
    "under",
    "until",
    "watch",
    "we",
    "what",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "why",
    "with",
    "yet",
];

/// Words every AI brief may use in capitals without a source saying them.
const ALWAYS_ALLOWED: &[&str] = &["ai", "i"];

/// The words and numbers of a set of source texts, for checking what a model wrote.
#[derive(Debug, Default)]
pub struct Grounding {
    words: HashSet<String>,
    numbers: HashSet<String>,
}

impl Grounding {
    pub fn new<'a>(texts: impl IntoIterator<Item = &'a str>) -> Self {
        let mut grounding = Self::default();
        for text in texts {
            for word in words(text) {
                for part in parts(&word.text) {
                    grounding.numbers.extend(numbers(&part));
                    grounding.words.insert(part.to_lowercase());
                }
                grounding.words.insert(word.text.to_lowercase());
            }
        }
        grounding
    }

    /// `Ok` when every number and capitalised name in `text` occurs in the sources, and the
    /// text neither points anywhere nor talks to the reader (see [`refuse_pointers`]).
    pub fn check(&self, text: &str) -> Result<(), Ungrounded> {
        refuse_pointers(text)?;
        for word in words(text) {
            if self.words.contains(&word.text.to_lowercase()) {
                continue;
            }
            for part in parts(&word.text) {
                let lower = part.to_lowercase();
                if self.words.contains(&lower) || ALWAYS_ALLOWED.contains(&lower.as_str()) {
                    continue;
                }
                if part.chars().any(|c| c.is_ascii_digit()) {
                    let missing = numbers(&part)
                        .into_iter()
                        .find(|n| !self.numbers.contains(n));
                    if let Some(number) = missing {
                        return Err(Ungrounded::Number(number));
                    }
                    continue;
                }
                let capitalised = part.chars().next().is_some_and(char::is_uppercase);
                if !capitalised || part.chars().any(is_cjk) {
                    continue;
                }
                if word.starts_sentence && SENTENCE_STARTERS.contains(&lower.as_str()) {
                    continue;
                }
                return Err(Ungrounded::Name(part));
            }
        }
        Ok(())
    }
}

struct Word {
    text: String,
    starts_sentence: bool,
}

/// Whitespace-separated words without surrounding punctuation or a possessive `'s`. Chinese
/// and Japanese write names into the sentence without spaces ("英伟达与AMD合作"), so a change of
/// script also separates words, and a Latin name inside CJK text is checked like any other.
fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut starts_sentence = true;
    for raw in text.split_whitespace().flat_map(script_runs) {
        let trimmed = raw
            .trim_matches(|c: char| !c.is_alphanumeric() && !matches!(c, '$' | '€' | '£' | '%'))
            .trim_start_matches(['$', '€', '£'])
            .trim_end_matches('%');
        let trimmed = trimmed
            .strip_suffix("'s")
            .or_else(|| trimmed.strip_suffix("’s"))
            .unwrap_or(trimmed);
        if !trimmed.is_empty() {
            out.push(Word {
                text: trimmed.to_string(),
                starts_sentence,
            });
        }
        starts_sentence = raw.ends_with(['.', '!', '?', ':', '。']) && !is_abbreviation(raw);
    }
    out
}

/// A token cut where it switches between CJK and other letters or digits; punctuation stays
/// with the run it follows.
fn script_runs(token: &str) -> Vec<&str> {
    let mut runs = Vec::new();
    let mut start = 0;
    let mut current: Option<bool> = None;
    for (index, c) in token.char_indices() {
        if !c.is_alphanumeric() {
            continue;
        }
        let cjk = is_cjk(c);
        if current.is_some_and(|was| was != cjk) {
            runs.push(&token[start..index]);
            start = index;
        }
        current = Some(cjk);
    }
    runs.push(&token[start..]);
    runs
}

/// "U.S." and "e.g." end with a full stop without ending the sentence.
fn is_abbreviation(raw: &str) -> bool {
    let bare = raw.trim_end_matches('.');
    bare.len() <= 4 && bare.contains('.')
}

/// "DeepSeek-V4" → "DeepSeek", "V4"; names are compared part by part.
fn parts(word: &str) -> Vec<String> {
    word.split(['-', '‑', '–', '/'])
        .map(|p| p.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// The digit runs of a word, with thousands separators dropped: "$1,200.5bn" → "1200.5".
fn numbers(word: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = word.chars().collect();
    for (index, &c) in chars.iter().enumerate() {
        let between_digits = index > 0
            && chars[index - 1].is_ascii_digit()
            && chars.get(index + 1).is_some_and(char::is_ascii_digit);
        if c.is_ascii_digit() || (c == '.' && between_digits) {
            current.push(c);
        } else if c == ',' && between_digits {
            // A thousands separator carries no value of its own.
        } else if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "Nvidia unveiled the Rubin GPU at GTC on Tuesday. It doubles memory \
        bandwidth to 13 TB/s and ships in 2026 for $1,200 per unit. DeepSeek-V4 weights are public.";

    #[test]
    fn grounded_text_passes() {
        let grounding = Grounding::new([SOURCE]);
        for text in [
            "Nvidia's Rubin GPU, unveiled at GTC, doubles memory bandwidth to 13 TB/s.",
            "Meanwhile the chip ships in 2026 at $1200 a unit.",
            "The DeepSeek V4 weights are public; AI labs can use them.",
            "Both outlets say Rubin doubles bandwidth.",
        ] {
            assert_eq!(grounding.check(text), Ok(()), "{text}");
        }
    }

    #[test]
    fn invented_numbers_and_names_are_rejected() {
        let grounding = Grounding::new([SOURCE]);
        assert_eq!(
            grounding.check("Rubin doubles bandwidth to 15 TB/s."),
            Err(Ungrounded::Number("15".into()))
        );
        assert_eq!(
            grounding.check("Nvidia shares rose 8% after the launch."),
            Err(Ungrounded::Number("8".into()))
        );
        assert_eq!(
            grounding.check("Nvidia and AMD unveiled chips."),
            Err(Ungrounded::Name("AMD".into()))
        );
        assert_eq!(
            grounding.check("Nvidia unveiled Rubin on Wednesday."),
            Err(Ungrounded::Name("Wednesday".into()))
        );
        assert_eq!(
            grounding.check("Microsoft will buy the chips."),
            Err(Ungrounded::Name("Microsoft".into()))
        );
    }

    #[test]
    fn clean_strips_markup_links_and_mentions_and_caps_length() {
        let text = "## Big news\n**Nvidia** [wins](https://evil.example) <b>big</b> @everyone https://x.example/y";
        let cleaned = clean(text, 200);
        assert_eq!(cleaned, "Big news Nvidia wins big everyone");
        let long = "First sentence is here. Second sentence is much longer than the cap allows.";
        assert_eq!(clean(long, 40), "First sentence is here.");
        assert!(clean(&"word ".repeat(100), 50).chars().count() <= 50);
    }

    #[test]
    fn handles_domains_and_instructions_are_refused_in_any_case() {
        let grounding = Grounding::new(["confirm details at evil.example and message the admin"]);
        for text in [
            "confirm details at evil.example and message @victim_admin",
            "details at evil.example today",
            "ask @victim_admin about it",
            "you should read the filing",
        ] {
            assert!(grounding.check(text).is_err(), "{text}");
        }
        let sources = Grounding::new(["Nvidia shares rose 2.5% in the U.S. on Monday."]);
        assert_eq!(
            sources.check("Nvidia shares rose 2.5% in the U.S. on Monday."),
            Ok(())
        );
    }

    #[test]
    fn latin_names_inside_chinese_text_are_checked() {
        let grounding = Grounding::new(["英伟达发布Rubin芯片，内存带宽提高73%。"]);
        assert_eq!(
            grounding.check("英伟达发布Rubin芯片，带宽提高73%。"),
            Ok(())
        );
        assert_eq!(
            grounding.check("英伟达与AMD发布芯片。"),
            Err(Ungrounded::Name("AMD".into()))
        );
        assert_eq!(
            grounding.check("英伟达发布Rubin芯片，带宽提高80%。"),
            Err(Ungrounded::Number("80".into()))
        );
        assert_eq!(
            script_runs("发布Rubin芯片。"),
            vec!["发布", "Rubin", "芯片。"]
        );
    }

    #[test]
    fn numbers_drop_thousands_separators() {
        assert_eq!(numbers("$1,200.5bn"), vec!["1200.5"]);
        assert_eq!(numbers("H100"), vec!["100"]);
        assert_eq!(numbers("2026."), vec!["2026"]);
    }
}
