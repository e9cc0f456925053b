//! The entity gazetteer: finds the labs, models, chips, regulators and places an item names,
//! under any of their names ("Seoul" and "South Korea", "NVDA" and "英伟达" are one entity).
//!
//! One name places an item better than any word list: a mention of a chip product says
//! "chips" whatever the verbs around it, and two reports that name the same entities in
//! different languages or by capital and country can still be found to tell one story.

use std::collections::HashMap;

use super::terms::{Field, TermSet};
use crate::config::{EntityConfig, EntityKind};

/// Names this short written in capitals (`US`, `EU`, `FTC`) are acronyms only in capitals:
/// "us" and "eu" in running text are other words.
const ACRONYM_MAX_CHARS: usize = 5;

#[derive(Debug, Clone, Default)]
pub struct Gazetteer {
    entities: Vec<(String, EntityKind)>,
    /// Every name of each entity, for finding how a headline wrote it.
    names_of: Vec<Vec<String>>,
    /// Case-insensitive names, and the entity each raw name belongs to.
    names: TermSet,
    /// Acronyms, matched against the words written in capitals only.
    acronyms: TermSet,
    owner: HashMap<String, usize>,
}

/// An entity found in an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntityRef(pub usize);

impl Gazetteer {
    pub fn new(configs: &[EntityConfig]) -> Self {
        let mut entities = Vec::new();
        let mut owner = HashMap::new();
        let mut names_of = Vec::new();
        let mut names = Vec::new();
        let mut acronyms = Vec::new();
        for config in configs {
            let index = entities.len();
            entities.push((config.id.clone(), config.kind));
            names_of.push(config.names.clone());
            for name in &config.names {
                let name = name.trim();
                if name.is_empty() || owner.contains_key(name) {
                    continue;
                }
                owner.insert(name.to_string(), index);
                if is_acronym(name) {
                    acronyms.push(name.to_string());
                } else {
                    names.push(name.to_string());
                }
            }
        }
        Self {
            entities,
            names_of,
            names: TermSet::new(&names),
            acronyms: TermSet::new(&acronyms),
            owner,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entities.is_empty()
    }

    pub fn id(&self, entity: EntityRef) -> &str {
        &self.entities[entity.0].0
    }

    pub fn kind(&self, entity: EntityRef) -> EntityKind {
        self.entities[entity.0].1
    }

    /// The distinct entities a text names, in order of first discovery.
    pub fn find(&self, text: &str) -> Vec<EntityRef> {
        if self.is_empty() {
            return Vec::new();
        }
        self.find_in(&[&Field::new(text)], &[text])
    }

    /// The distinct entities named in fields already prepared (`fields`) from the texts
    /// `raw` (for the acronyms, which only count in capitals).
    pub fn find_in(&self, fields: &[&Field], raw: &[&str]) -> Vec<EntityRef> {
        if self.is_empty() {
            return Vec::new();
        }
        let capitals = Field::new(
            &raw.iter()
                .map(|text| capital_words(text))
                .collect::<Vec<_>>()
                .join(" ; "),
        );
        let mut searches: Vec<(&TermSet, &Field)> =
            fields.iter().map(|field| (&self.names, *field)).collect();
        searches.push((&self.acronyms, &capitals));
        let mut found: Vec<EntityRef> = Vec::new();
        for (set, field) in searches {
            for term in set.longest_matches(field) {
                if let Some(&entity) = self.owner.get(&set.raw[term])
                    && !found.contains(&EntityRef(entity))
                {
                    found.push(EntityRef(entity));
                }
            }
        }
        found
    }
}

impl Gazetteer {
    /// The entity a headline leads with, as the headline writes it ("SK hynix", "EU AI
    /// Office"): the earliest-named entity, companies, labs and products before places. `None`
    /// when the headline names no known entity.
    pub fn lead_entity(&self, headline: &str) -> Option<String> {
        let mut best: Option<(bool, usize, usize, String)> = None;
        for entity in self.find(headline) {
            let is_place = self.kind(entity) == EntityKind::Place;
            for name in &self.names_of[entity.0] {
                let Some((start, surface)) = find_name(headline, name) else {
                    continue;
                };
                // Earlier first; at one position the longer name ("EU AI Office" over "EU").
                let key = (is_place, start, usize::MAX - surface.len());
                if best.as_ref().is_none_or(|(p, s, l, _)| key < (*p, *s, *l)) {
                    best = Some((key.0, key.1, key.2, surface));
                }
            }
        }
        best.map(|(_, _, _, surface)| surface)
    }
}

/// Where `name` occurs in `text` as whole words (any case; CJK anywhere), and how `text`
/// writes it.
fn find_name(text: &str, name: &str) -> Option<(usize, String)> {
    let lower_text = text.to_lowercase();
    let lower_name = name.to_lowercase();
    if lower_text.len() != text.len() || lower_name.is_empty() {
        return None; // lower-casing changed byte offsets: no safe way to map back
    }
    let cjk = lower_name.chars().any(super::text::is_cjk);
    for (start, _) in lower_text.match_indices(&lower_name) {
        let end = start + lower_name.len();
        let boundary_before = text[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let boundary_after = text[end..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric());
        if cjk || (boundary_before && boundary_after) {
            return Some((start, text[start..end].to_string()));
        }
    }
    None
}

fn is_acronym(name: &str) -> bool {
    let letters = name.chars().filter(|c| c.is_alphanumeric()).count();
    letters <= ACRONYM_MAX_CHARS
        && name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '&' || c == '-')
}

/// The words of `text` written entirely in capitals, separated so no phrase spans a gap.
fn capital_words(text: &str) -> String {
    text.split(|c: char| !(c.is_alphanumeric() || c == '&' || c == '-'))
        .filter(|word| {
            word.chars().any(|c| c.is_ascii_uppercase())
                && word
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '&' || c == '-')
        })
        .collect::<Vec<_>>()
        .join(" ; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gazetteer() -> Gazetteer {
        let entity = |id: &str, kind, names: &[&str]| EntityConfig {
            id: id.into(),
            kind,
            names: names.iter().map(|n| n.to_string()).collect(),
        };
        Gazetteer::new(&[
            entity(
                "nvidia",
                EntityKind::Chipmaker,
                &["Nvidia", "NVDA", "英伟达"],
            ),
            entity(
                "united-states",
                EntityKind::Place,
                &["United States", "US", "U.S.", "Washington"],
            ),
            entity(
                "south-korea",
                EntityKind::Place,
                &["South Korea", "Seoul", "韩国"],
            ),
        ])
    }

    fn ids(text: &str) -> Vec<String> {
        let g = gazetteer();
        let mut ids: Vec<String> = g.find(text).iter().map(|e| g.id(*e).to_string()).collect();
        ids.sort();
        ids
    }

    #[test]
    fn any_name_finds_the_entity() {
        assert_eq!(
            ids("NVDA slips as Seoul weighs curbs"),
            ["nvidia", "south-korea"]
        );
        assert_eq!(
            ids("英伟达股价下跌，韩国考虑限制"),
            ["nvidia", "south-korea"]
        );
        assert_eq!(
            ids("Washington and South Korea talk"),
            ["south-korea", "united-states"]
        );
        assert_eq!(ids("The U.S. and nvidia"), ["nvidia", "united-states"]);
    }

    #[test]
    fn lead_entity_is_written_as_the_headline_writes_it() {
        let g = gazetteer();
        assert_eq!(
            g.lead_entity("Seoul and NVDA: talks").as_deref(),
            Some("NVDA")
        );
        assert_eq!(
            g.lead_entity("nvidia wins in South Korea").as_deref(),
            Some("nvidia")
        );
        assert_eq!(
            g.lead_entity("South Korea weighs rules").as_deref(),
            Some("South Korea")
        );
        assert_eq!(g.lead_entity("Nothing known here"), None);
    }

    #[test]
    fn short_acronyms_only_in_capitals() {
        assert_eq!(ids("US export rules"), ["united-states"]);
        assert!(ids("Let us talk about trust").is_empty());
        assert_eq!(ids("US STOCKS RALLY"), ["united-states"]);
    }
}
