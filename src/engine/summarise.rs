//! Extractive summarising: a story's headline, its key entity and one or two whole sentences
//! taken from what the outlets wrote. Nothing is invented; every word comes from a feed.

use std::collections::HashSet;

use super::text;

/// What the summariser needs from each member item of a story.
pub struct Member<'a> {
    pub title: &'a str,
    pub summary: &'a str,
    /// How representative this item is of the story (see `merge::centrality`).
    pub centrality: f32,
    pub source_weight: f64,
}

/// Index of the member whose title becomes the headline: the most central one, then the most
/// trusted outlet; members arrive oldest first, so remaining ties favour the first report.
pub fn headline_member(members: &[Member]) -> usize {
    let mut best = 0;
    for (index, member) in members.iter().enumerate().skip(1) {
        let current = &members[best];
        let better = member.centrality > current.centrality + 1e-4
            || ((member.centrality - current.centrality).abs() <= 1e-4
                && member.source_weight > current.source_weight);
        if better {
            best = index;
        }
    }
    best
}

fn word_set(text: &str) -> HashSet<String> {
    text::stems(text)
        .into_iter()
        .filter(|w| w.chars().count() > 2 || w.chars().any(text::is_cjk))
        .collect()
}

fn overlap(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    a.intersection(b).count() as f64 / a.len().min(b.len()) as f64
}

/// One or two whole sentences, at most `max_chars`. The first is the sentence that best
/// carries what the reports share, with a preference for leads (news puts the event first); the
/// second, when it fits and adds something, is the one that follows it in the same report, so
/// the summary reads as written. Sentences in another script than the headline are left out,
/// so an English brief does not switch to Chinese mid-summary.
pub fn summary(members: &[Member], headline: &str, max_chars: usize) -> String {
    let story_words: Vec<HashSet<String>> = members
        .iter()
        .map(|m| word_set(&format!("{} {}", m.title, m.summary)))
        .collect();
    let headline_words = word_set(headline);
    let headline_is_cjk = headline.chars().any(text::is_cjk);
    let usable = |sentence: &str| {
        let is_cjk = sentence.chars().any(text::is_cjk);
        let words = word_set(sentence);
        let long_enough = is_cjk || sentence.chars().count() >= 25;
        let repeats_headline =
            overlap(&words, &headline_words) > 0.85 && words.len() <= headline_words.len() + 2;
        // A sentence with a bare web address sends readers somewhere the story's own links do
        // not (messengers make it clickable): never the summary.
        let has_address =
            sentence.contains("://") || sentence.to_ascii_lowercase().contains("www.");
        (is_cjk == headline_is_cjk && long_enough && !repeats_headline && !has_address)
            .then_some(words)
    };

    let mut best: Option<(f64, usize, usize)> = None;
    let sentences: Vec<Vec<String>> = members.iter().map(|m| text::sentences(m.summary)).collect();
    for (member_index, member) in members.iter().enumerate() {
        for (position, sentence) in sentences[member_index].iter().take(3).enumerate() {
            let Some(words) = usable(sentence) else {
                continue;
            };
            let support: f64 = story_words
                .iter()
                .enumerate()
                .filter(|(other, _)| *other != member_index)
                .map(|(_, other_words)| fraction_shared(&words, other_words))
                .sum();
            // Short sentences ("Shares rose.") share a high fraction of very little.
            let substance = (sentence.chars().count() as f64 / 80.0).min(1.0);
            let lead = if position == 0 { 0.8 } else { 0.0 };
            let score = support * substance
                + lead
                + 0.3 * member.source_weight
                + 0.5 * overlap(&words, &headline_words);
            if best.is_none_or(|(s, _, _)| score > s + 1e-9) {
                best = Some((score, member_index, position));
            }
        }
    }
    let Some((_, member_index, position)) = best else {
        return String::new();
    };
    let first = &sentences[member_index][position];
    if first.chars().count() >= max_chars {
        return text::truncate_words(first, max_chars);
    }
    let mut chosen = first.clone();
    if let Some(next) = sentences[member_index].get(position + 1)
        && let Some(next_words) = usable(next)
        && overlap(&next_words, &word_set(first)) < 0.5
        && chosen.chars().count() + 1 + next.chars().count() <= max_chars
    {
        chosen.push(' ');
        chosen.push_str(next);
    }
    chosen
}

/// Share of `sentence`'s words that another report also uses.
fn fraction_shared(sentence: &HashSet<String>, other: &HashSet<String>) -> f64 {
    if sentence.is_empty() {
        return 0.0;
    }
    sentence.intersection(other).count() as f64 / sentence.len() as f64
}

/// Words that start headlines or are everywhere in AI news: never "the key entity".
const NOT_ENTITIES: &[&str] = &[
    "The",
    "A",
    "An",
    "New",
    "How",
    "Why",
    "What",
    "When",
    "Who",
    "Is",
    "In",
    "On",
    "At",
    "As",
    "For",
    "With",
    "AI",
    "Report",
    "Reports",
    "Exclusive",
    "Update",
    "Breaking",
    "Analysis",
    "Opinion",
    "Watch",
    "Live",
    "Here",
    "This",
    "That",
    "After",
    "Before",
    "Inside",
    "Can",
    "Will",
    "Its",
    "It",
    "Of",
    "And",
    "To",
    "From",
    "By",
    "Says",
    "Today",
    "First",
];

fn is_capitalised(word: &str) -> bool {
    word.chars()
        .next()
        .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
        && word.chars().any(char::is_alphabetic)
}

/// The entity a story is about: a capitalised name from the headline, preferring names that
/// most of the story's reports mention, then the one nearest the start of the headline (news
/// headlines lead with their subject). Empty when the headline has no name (or is in a script
/// without capitals).
pub fn key_entity(members: &[Member], headline: &str) -> String {
    let words: Vec<&str> = headline
        .split(|c: char| {
            c.is_whitespace()
                || matches!(c, ',' | ':' | ';' | '“' | '”' | '"' | '(' | ')' | '‘' | '|')
        })
        .map(|w| {
            w.trim_end_matches(['\'', '’', '.', '!', '?'])
                .trim_end_matches("’s")
                .trim_end_matches("'s")
        })
        .map(|w| w.trim_start_matches(['\'', '‘']))
        .filter(|w| !w.is_empty())
        .collect();
    let reports: Vec<String> = members
        .iter()
        .map(|m| loose(&format!("{} {}", m.title, m.summary)))
        .collect();
    let mut best: Option<(f64, String)> = None;
    for start in 0..words.len() {
        for length in 1..=3 {
            let Some(run) = words.get(start..start + length) else {
                break;
            };
            if !run.iter().all(|w| is_capitalised(w))
                || NOT_ENTITIES.contains(&run[0])
                || NOT_ENTITIES.contains(&run[length - 1])
            {
                continue;
            }
            let phrase = run.join(" ");
            let needle = loose(&phrase);
            let mentions: usize = reports.iter().map(|text| count_word(text, &needle)).sum();
            let reporting = reports
                .iter()
                .filter(|text| count_word(text, &needle) > 0)
                .count();
            // A Title Case headline makes any run of words look like a name; a longer name must
            // be repeated somewhere to count.
            if length > 1 && mentions < 2 {
                continue;
            }
            let score = 2.0 * reporting as f64
                + 0.25 * mentions.min(6) as f64
                + 0.3 * (length as f64 - 1.0)
                - 0.4 * start as f64;
            if best.as_ref().is_none_or(|(s, _)| score > *s) {
                best = Some((score, phrase));
            }
        }
    }
    best.map(|(_, phrase)| phrase).unwrap_or_default()
}

/// Case and hyphens folded, so "DeepSeek-V4" and "DeepSeek V4" count as one name.
fn loose(text: &str) -> String {
    text.replace(['-', '‑'], " ")
}

/// Whole-word occurrences of `phrase` in `text`.
fn count_word(text: &str, phrase: &str) -> usize {
    if phrase.is_empty() {
        return 0;
    }
    text.match_indices(phrase)
        .filter(|(at, _)| {
            let before = text[..*at].chars().next_back();
            let after = text[at + phrase.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member<'a>(title: &'a str, summary: &'a str, centrality: f32) -> Member<'a> {
        Member {
            title,
            summary,
            centrality,
            source_weight: 1.0,
        }
    }

    #[test]
    fn headline_is_the_most_central_title() {
        let members = [
            member("a", "", 0.2),
            member("b", "", 0.9),
            member("c", "", 0.5),
        ];
        assert_eq!(headline_member(&members), 1);
    }

    #[test]
    fn summary_uses_whole_supported_sentences_within_the_cap() {
        let members = [
            member(
                "Nvidia Unveils Rubin GPU",
                "Nvidia unveiled its Rubin GPU at GTC on Tuesday. The chip doubles memory bandwidth. Shares rose.",
                1.0,
            ),
            member(
                "Nvidia shows Rubin",
                "At GTC, Nvidia showed the Rubin GPU, which doubles memory bandwidth over Blackwell.",
                1.0,
            ),
        ];
        let text = summary(&members, "Nvidia Unveils Rubin GPU", 200);
        assert!(text.ends_with('.'), "{text}");
        assert!(text.chars().count() <= 200);
        assert!(text.contains("memory bandwidth"), "{text}");
        let short = summary(&members, "Nvidia Unveils Rubin GPU", 40);
        assert!(short.chars().count() <= 40, "{short}");
    }

    #[test]
    fn key_entity_is_the_repeated_name() {
        let members = [
            member(
                "Nvidia Unveils New Networking Switch",
                "Nvidia said the switch ships in May.",
                1.0,
            ),
            member(
                "Nvidia's Spectrum-X switch arrives",
                "The Spectrum-X line grows.",
                1.0,
            ),
        ];
        assert_eq!(
            key_entity(&members, "Nvidia Unveils New Networking Switch"),
            "Nvidia"
        );
        let members = [member(
            "SK Hynix signs HBM deal",
            "SK Hynix will supply HBM4.",
            1.0,
        )];
        assert_eq!(key_entity(&members, "SK Hynix signs HBM deal"), "SK Hynix");
        assert_eq!(
            key_entity(
                &[member("美国扩大芯片出口管制", "", 1.0)],
                "美国扩大芯片出口管制"
            ),
            ""
        );
        let members = [
            member(
                "DeepSeek-V4 arrives under MIT license",
                "DeepSeek-V4 ships under the MIT license.",
                1.0,
            ),
            member("DeepSeek V4 is out", "DeepSeek V4 weights are public.", 1.0),
        ];
        assert_eq!(
            key_entity(&members, "DeepSeek-V4 arrives under MIT license"),
            "DeepSeek-V4"
        );
    }
}
