//! Ranking: which stories lead a section.
//!
//! Coverage matters most (three outlets reporting something beats one), weighted by how much
//! the operator trusts each outlet; then freshness within the window; then how squarely the
//! story sits in its topic. Logarithmic coverage keeps a story syndicated to ten outlets from
//! burying everything else.

use chrono::{DateTime, Utc};

const COVERAGE_WEIGHT: f64 = 3.0;
const RECENCY_WEIGHT: f64 = 1.5;
const TOPIC_WEIGHT: f64 = 0.3;
/// Topic strength beyond this adds nothing: a story is not more "chips" for saying GPU ten times.
const TOPIC_STRENGTH_CAP: f64 = 6.0;

pub struct RankInput<'a> {
    /// Weight of each distinct outlet covering the story.
    pub outlet_weights: &'a [f64],
    /// Latest publication among the story's items.
    pub latest: DateTime<Utc>,
    pub as_of: DateTime<Utc>,
    pub window_start: DateTime<Utc>,
    pub topic_strength: f64,
}

pub fn score(input: &RankInput) -> f64 {
    let coverage: f64 = input.outlet_weights.iter().sum();
    let window = (input.as_of - input.window_start).num_seconds().max(1) as f64;
    let age = (input.as_of - input.latest)
        .num_seconds()
        .clamp(0, window as i64) as f64;
    let recency = 1.0 - age / window;
    COVERAGE_WEIGHT * coverage.ln_1p()
        + RECENCY_WEIGHT * recency
        + TOPIC_WEIGHT * input.topic_strength.min(TOPIC_STRENGTH_CAP)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn story(outlets: &[f64], hours_old: i64, strength: f64) -> f64 {
        let as_of = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).expect("valid timestamp");
        score(&RankInput {
            outlet_weights: outlets,
            latest: as_of - Duration::hours(hours_old),
            as_of,
            window_start: as_of - Duration::hours(24),
            topic_strength: strength,
        })
    }

    #[test]
    fn coverage_outweighs_freshness_and_trust_counts() {
        assert!(story(&[1.0, 1.0, 1.0], 20, 2.0) > story(&[1.0], 0, 2.0));
        assert!(story(&[2.0], 5, 2.0) > story(&[1.0], 5, 2.0));
        assert!(story(&[1.0], 1, 2.0) > story(&[1.0], 10, 2.0));
        assert!(story(&[1.0], 5, 4.0) > story(&[1.0], 5, 2.0));
        assert_eq!(story(&[1.0], 5, 60.0), story(&[1.0], 5, 6.0));
    }
}
