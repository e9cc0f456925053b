//! Text normalisation shared by classification, merging and summarising.
//!
//! Everything works on lower-cased NFKC text split into word tokens. Scripts without spaces
//! (Chinese, Japanese) are kept as runs of their own so that a Latin term never matches inside
//! them and a CJK term can be found by substring search.

use unicode_normalization::UnicodeNormalization;

/// Lower-cased, NFKC-normalised text; full-width forms become ASCII so "ＡＩ" matches "ai".
pub fn normalise(text: &str) -> String {
    // Most feed text is already NFKC (ASCII always is): the quick check skips the costly
    // decompose-and-recompose for it.
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    if unicode_normalization::is_nfkc_quick(text.chars())
        == unicode_normalization::IsNormalized::Yes
    {
        return text.chars().flat_map(char::to_lowercase).collect();
    }
    text.nfkc().flat_map(char::to_lowercase).collect()
}

/// True for ideographs and kana: scripts written without spaces between words.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF    // Hiragana, Katakana
        | 0x3400..=0x4DBF  // CJK Extension A
        | 0x4E00..=0x9FFF  // CJK Unified Ideographs
        | 0xF900..=0xFAFF  // CJK Compatibility Ideographs
        | 0xAC00..=0xD7AF  // Hangul syllables
        | 0x20000..=0x2FA1F)
}

/// Splits normalised text into word tokens. A '.' or ',' between digits stays inside the
/// number ("2.5", "1,000" → "1000") so amounts survive; everything else that is not
/// alphanumeric separates words. CJK runs become their own tokens.
pub fn tokens(normalised: &str) -> Vec<String> {
    let chars: Vec<char> = normalised.chars().collect();
    let mut out = Vec::new();
    let mut current = String::new();
    let mut current_is_cjk = false;
    for (index, &c) in chars.iter().enumerate() {
        let joins_number = (c == '.' || c == ',')
            && current.chars().last().is_some_and(|p| p.is_ascii_digit())
            && chars.get(index + 1).is_some_and(|n| n.is_ascii_digit());
        if joins_number {
            if c == '.' {
                current.push('.');
            }
            continue;
        }
        if c.is_alphanumeric() {
            let cjk = is_cjk(c);
            if !current.is_empty() && cjk != current_is_cjk {
                out.push(std::mem::take(&mut current));
            }
            current_is_cjk = cjk;
            current.push(c);
        } else if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// A deliberately light stemmer: folds plurals so "chips" meets "chip" and "gpus" meets
/// "gpu", without the surprises of a full Porter stemmer on names and acronyms.
pub fn stem(token: &str) -> String {
    let len = token.chars().count();
    if len <= 3 || !token.is_ascii() || token.bytes().any(|b| b.is_ascii_digit()) {
        return token.to_string();
    }
    if let Some(base) = token.strip_suffix("ies")
        && len > 4
    {
        return format!("{base}y");
    }
    if token.ends_with("ss") || token.ends_with("is") {
        return token.to_string();
    }
    if let Some(base) = token.strip_suffix('s') {
        return base.to_string();
    }
    token.to_string()
}

/// Normalised, stemmed tokens of a text.
pub fn stems(text: &str) -> Vec<String> {
    tokens(&normalise(text)).iter().map(|t| stem(t)).collect()
}

const SCALE_WORDS: &[(&str, f64)] = &[
    ("thousand", 1e3),
    ("k", 1e3),
    ("million", 1e6),
    ("mn", 1e6),
    ("m", 1e6),
    ("mln", 1e6),
    ("billion", 1e9),
    ("bn", 1e9),
    ("b", 1e9),
    ("bln", 1e9),
    ("trillion", 1e12),
    ("tn", 1e12),
    ("t", 1e12),
];

fn scale_of(word: &str) -> Option<f64> {
    SCALE_WORDS
        .iter()
        .find(|(name, _)| *name == word)
        .map(|(_, scale)| *scale)
}

/// Chinese amounts: "10亿美元" is 1 billion dollars, "120亿元" 12 billion yuan; 万 (ten
/// thousand) only counts as an amount with a currency after it.
fn chinese_scale(next: &str) -> Option<f64> {
    if next.starts_with("万亿") {
        Some(1e12)
    } else if next.starts_with('亿') {
        Some(1e8)
    } else if next.starts_with('万') && next.contains('元') {
        Some(1e4)
    } else {
        None
    }
}

/// A number found in text, canonicalised so "$40 billion", "$40B" and "40bn" compare equal.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    pub value: f64,
    /// Written with a scale word or suffix (million, bn, …): an amount, not a count or a year.
    pub scaled: bool,
}

impl Quantity {
    /// A stable feature string for similarity: three significant digits.
    pub fn feature(&self) -> String {
        format!("#{:.3e}", self.value)
    }
}

/// Finds quantities in a token stream (from [`tokens`]).
pub fn quantities(tokens: &[String]) -> Vec<Quantity> {
    let mut out = Vec::new();
    for (index, token) in tokens.iter().enumerate() {
        let digits_end = token
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(token.len());
        if digits_end == 0 {
            continue;
        }
        let Ok(value) = token[..digits_end].parse::<f64>() else {
            continue;
        };
        let suffix = &token[digits_end..];
        let (value, scaled) = if suffix.is_empty() {
            let next = tokens
                .get(index + 1)
                .map(String::as_str)
                .unwrap_or_default();
            match scale_of(next) {
                Some(scale) if scale >= 1e6 || next.len() > 1 => (value * scale, true),
                _ => match chinese_scale(next) {
                    Some(scale) => (value * scale, true),
                    None => (value, false),
                },
            }
        } else if let Some(scale) = scale_of(suffix) {
            (value * scale, true)
        } else {
            // "h100", "5g", "4090ti": product names, not amounts. Their token is the feature.
            continue;
        };
        out.push(Quantity { value, scaled });
    }
    out
}

/// Splits a text into sentences, keeping abbreviations like "U.S." and amounts like "$2.5B"
/// inside their sentence. Works for CJK full stops too.
pub fn sentences(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut start = 0;
    let mut index = 0;
    while index < chars.len() {
        let c = chars[index];
        let ends = match c {
            '。' | '！' | '？' => true,
            '.' | '!' | '?' => {
                let next = chars.get(index + 1).copied();
                let after = chars.get(index + 2).copied();
                let followed_by_space = next.is_some_and(char::is_whitespace) || next.is_none();
                let closing_quote = matches!(next, Some('"' | '\'' | '”' | '’' | ')'));
                let next_starts_sentence =
                    after.is_none_or(|a| a.is_uppercase() || !a.is_alphabetic() || is_cjk(a));
                let abbreviation = c == '.' && is_abbreviation(&chars[start..index]);
                (followed_by_space && next_starts_sentence && !abbreviation) || closing_quote
            }
            _ => false,
        };
        if ends {
            let mut end = index + 1;
            while end < chars.len() && matches!(chars[end], '"' | '\'' | '”' | '’' | ')') {
                end += 1;
            }
            push_sentence(&mut out, &chars[start..end]);
            start = end;
            index = end;
            continue;
        }
        index += 1;
    }
    push_sentence(&mut out, &chars[start..]);
    out
}

fn push_sentence(out: &mut Vec<String>, chars: &[char]) {
    let sentence: String = chars.iter().collect();
    let sentence = sentence.trim();
    if !sentence.is_empty() {
        out.push(sentence.to_string());
    }
}

fn is_abbreviation(before: &[char]) -> bool {
    let word: String = before
        .iter()
        .rev()
        .take_while(|c| !c.is_whitespace())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    const KNOWN: &[&str] = &[
        "Mr", "Mrs", "Ms", "Dr", "Prof", "Inc", "Corp", "Co", "Ltd", "Jr", "Sr", "St", "vs", "No",
        "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "e.g",
        "i.e", "etc", "approx", "est",
    ];
    let bare = word.trim_start_matches(['(', '"', '\'']);
    // "U.S", "U.K", "a.m": single letters separated by dots.
    let dotted = bare.len() >= 3 && bare.split('.').all(|part| part.chars().count() == 1);
    dotted || KNOWN.contains(&bare)
}

/// `text` cut to at most `max_chars` characters, the closing "…" included, at a word boundary
/// when that keeps more than half of the text (a hard cut reads better than a stub; text
/// without spaces, like Chinese, is cut mid-run). The one plain-text cut: ingest (titles and
/// summaries), extractive summaries, prompts and button labels share it. Platform renderers
/// have their own cuts because each must keep its markup's escapes and entities whole.
pub fn truncate_words(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let budget = max_chars.saturating_sub(1);
    let cut = text
        .char_indices()
        .nth(budget)
        .map_or(text, |(end, _)| &text[..end]);
    let word_end = cut
        .char_indices()
        .filter(|(_, c)| c.is_whitespace())
        .map(|(index, _)| index)
        .next_back()
        .filter(|space| cut[..*space].chars().count() > budget / 2);
    let kept = word_end.map_or(cut, |space| &cut[..space]);
    if kept.trim().is_empty() {
        return "…".chars().take(max_chars).collect();
    }
    format!(
        "{}…",
        kept.trim_end_matches([',', ';', ':', ' ', '-', '—'])
            .trim_end()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_keep_amounts_and_split_scripts() {
        assert_eq!(
            tokens(&normalise("DeepSeek-V4 raises $2.5B, AI芯片 1,000 units")),
            [
                "deepseek", "v4", "raises", "2.5b", "ai", "芯片", "1000", "units"
            ]
        );
        assert_eq!(tokens(&normalise("ＡＩ")), ["ai"]);
    }

    #[test]
    fn amounts_written_differently_are_equal() {
        let forms = [
            "$40 billion",
            "$40B",
            "40bn",
            "US$40 bln",
            "40 billion dollars",
        ];
        let features: Vec<String> = forms
            .iter()
            .map(|f| quantities(&tokens(&normalise(f)))[0].feature())
            .collect();
        assert!(features.iter().all(|f| f == &features[0]), "{features:?}");
        assert!(quantities(&tokens("nvidia h100")).is_empty());
        assert!(!quantities(&tokens("in 2026"))[0].scaled);
    }

    #[test]
    fn stemmer_folds_plurals_only() {
        assert_eq!(stem("chips"), "chip");
        assert_eq!(stem("gpus"), "gpu");
        assert_eq!(stem("companies"), "company");
        assert_eq!(stem("business"), "business");
        assert_eq!(stem("ais"), "ais");
        assert_eq!(stem("h100s"), "h100s");
    }

    #[test]
    fn sentences_respect_abbreviations_and_amounts() {
        let text = "The U.S. tightened rules on Monday. Nvidia fell 3.5%! Shares of Acme Inc. rose. 中国发布新规。随后";
        assert_eq!(
            sentences(text),
            [
                "The U.S. tightened rules on Monday.",
                "Nvidia fell 3.5%!",
                "Shares of Acme Inc. rose.",
                "中国发布新规。",
                "随后"
            ]
        );
    }

    #[test]
    fn truncation_cuts_at_a_word() {
        assert_eq!(truncate_words("alpha beta gamma delta", 13), "alpha beta…");
        assert_eq!(truncate_words("short", 10), "short");
        assert_eq!(truncate_words("one two three four", 10), "one two…");
        assert_eq!(truncate_words("一二三四五六七八九十", 4), "一二三…");
        assert_eq!(truncate_words("a, b, c, d, e, f", 6), "a, b…");
        for max in 0..30 {
            let cut = truncate_words("Nvidia's H20 licences: approved, then revoked", max);
            assert!(cut.chars().count() <= max, "{max}: {cut}");
        }
    }
}
