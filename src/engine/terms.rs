//! Term matching shared by classification and the entity gazetteer: whole words after
//! light plural folding, multi-word terms as phrases, and CJK terms as substrings (those
//! scripts put no spaces between words).

use std::collections::HashMap;

use super::text;

#[derive(Debug, Clone)]
pub enum Term {
    /// Stemmed word sequence, matched on token boundaries.
    Words(Vec<String>),
    /// Normalised text containing CJK characters, matched as a substring.
    Substring(String),
}

impl Term {
    pub fn compile(raw: &str) -> Option<Self> {
        let normalised = text::normalise(raw.trim());
        if normalised.is_empty() {
            return None;
        }
        if normalised.chars().any(text::is_cjk) {
            return Some(Self::Substring(normalised.replace(' ', "")));
        }
        let words: Vec<String> = text::tokens(&normalised)
            .iter()
            .map(|t| text::stem(t))
            .collect();
        (!words.is_empty()).then_some(Self::Words(words))
    }
}

/// A set of terms with an index on each term's first word, so matching costs one hash lookup
/// per token instead of one comparison per term.
#[derive(Debug, Clone, Default)]
pub struct TermSet {
    terms: Vec<Term>,
    /// The terms as configured, for explanations.
    pub raw: Vec<String>,
    by_first_word: HashMap<String, Vec<usize>>,
    substrings: Vec<usize>,
}

impl TermSet {
    pub fn new(raw_terms: &[String]) -> Self {
        let mut set = Self::default();
        for raw in raw_terms {
            let Some(term) = Term::compile(raw) else {
                continue;
            };
            // "gpu" and "gpus" fold to one stem: count it once, not twice.
            let duplicate = set.terms.iter().any(|known| match (known, &term) {
                (Term::Words(a), Term::Words(b)) => a == b,
                (Term::Substring(a), Term::Substring(b)) => a == b,
                _ => false,
            });
            if duplicate {
                continue;
            }
            let index = set.terms.len();
            match &term {
                Term::Words(words) => set
                    .by_first_word
                    .entry(words[0].clone())
                    .or_default()
                    .push(index),
                Term::Substring(_) => set.substrings.push(index),
            }
            set.terms.push(term);
            set.raw.push(raw.clone());
        }
        set
    }

    /// Indices of the distinct terms found in a field.
    pub fn matches(&self, field: &Field) -> Vec<usize> {
        let mut found = Vec::new();
        for (position, token) in field.stems.iter().enumerate() {
            // A product name with a version glued on ("trainium3", "gaudi3") still names the
            // product: look the bare name up too.
            let bare = token.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
            let versioned = (bare.len() >= 3 && bare.len() < token.len())
                .then(|| self.by_first_word.get(bare))
                .flatten();
            let exact = self.by_first_word.get(token);
            for &index in exact.into_iter().chain(versioned).flatten() {
                let Term::Words(words) = &self.terms[index] else {
                    continue;
                };
                let rest = &field.stems[position + 1..];
                let tail_matches = words.len() == 1 || rest.starts_with(&words[1..]);
                if tail_matches && !found.contains(&index) {
                    found.push(index);
                }
            }
        }
        // Building a substring searcher per needle costs more than the search: skip it for
        // text without CJK, which is most of it.
        if field.compact.is_empty() {
            return found;
        }
        for &index in &self.substrings {
            if let Term::Substring(needle) = &self.terms[index]
                && field.compact.contains(needle.as_str())
            {
                found.push(index);
            }
        }
        found
    }
}

impl TermSet {
    /// Like [`TermSet::matches`], but a match inside a longer one at the same place does not
    /// count: "North Korea" is not also "Korea", "美国商务部" not also "商务部".
    pub fn longest_matches(&self, field: &Field) -> Vec<usize> {
        // (term, is_substring, start, end): word spans in tokens, substring spans in bytes.
        let mut spans: Vec<(usize, bool, usize, usize)> = Vec::new();
        for (position, token) in field.stems.iter().enumerate() {
            let bare = token.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
            let versioned = (bare.len() >= 3 && bare.len() < token.len())
                .then(|| self.by_first_word.get(bare))
                .flatten();
            for &index in self
                .by_first_word
                .get(token)
                .into_iter()
                .chain(versioned)
                .flatten()
            {
                let Term::Words(words) = &self.terms[index] else {
                    continue;
                };
                let rest = &field.stems[position + 1..];
                if words.len() == 1 || rest.starts_with(&words[1..]) {
                    spans.push((index, false, position, position + words.len()));
                }
            }
        }
        let substrings = if field.compact.is_empty() {
            &[][..]
        } else {
            &self.substrings[..]
        };
        for &index in substrings {
            if let Term::Substring(needle) = &self.terms[index] {
                for (start, _) in field.compact.match_indices(needle.as_str()) {
                    spans.push((index, true, start, start + needle.len()));
                }
            }
        }
        let mut found = Vec::new();
        for &(index, substring, start, end) in &spans {
            let inside_longer = spans.iter().any(|&(_, other_substring, s, e)| {
                other_substring == substring && s <= start && end <= e && e - s > end - start
            });
            if !inside_longer && !found.contains(&index) {
                found.push(index);
            }
        }
        found
    }
}

/// One field of an item, prepared once for every topic.
#[derive(Debug, Clone)]
pub struct Field {
    stems: Vec<String>,
    /// Normalised text without spaces, for CJK substring terms; empty when the text has no
    /// CJK at all, so English text costs no substring searches.
    compact: String,
}

impl Field {
    pub fn new(raw: &str) -> Self {
        let normalised = text::normalise(raw);
        let stems = text::tokens(&normalised)
            .iter()
            .map(|t| text::stem(t))
            .collect();
        let compact = if normalised.chars().any(text::is_cjk) {
            normalised.split_whitespace().collect()
        } else {
            String::new()
        };
        Self { stems, compact }
    }

    /// A field from tokens already normalised and split (`text::tokens`).
    pub fn from_tokens(tokens: &[String]) -> Self {
        let stems = tokens.iter().map(|t| text::stem(t)).collect();
        let compact = if tokens.iter().any(|t| t.chars().any(text::is_cjk)) {
            tokens.concat()
        } else {
            String::new()
        };
        Self { stems, compact }
    }

    /// The stemmed tokens (see `text::stem`), in order.
    pub fn stems(&self) -> &[String] {
        &self.stems
    }
}
