//! A circuit breaker for the model endpoint: after `threshold` failures in a row every summary
//! goes straight to the extractive fallback for `cooldown`, then one trial call decides whether
//! the endpoint is back. A dead endpoint then costs one timeout per cooldown instead of one
//! per story.

use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Closed {
        failures: u32,
    },
    Open {
        until: Instant,
    },
    /// The cooldown is over and one call is in flight to test the endpoint.
    Trial,
}

#[derive(Debug)]
pub struct Breaker {
    state: State,
    threshold: u32,
    cooldown: Duration,
}

impl Breaker {
    pub fn new(threshold: u32, cooldown: Duration) -> Self {
        Self {
            state: State::Closed { failures: 0 },
            threshold: threshold.max(1),
            cooldown,
        }
    }

    /// Whether a call may go out now. After the cooldown exactly one caller gets `true`.
    pub fn allow(&mut self, now: Instant) -> bool {
        match self.state {
            State::Closed { .. } => true,
            State::Open { until } if now >= until => {
                self.state = State::Trial;
                true
            }
            State::Open { .. } | State::Trial => false,
        }
    }

    pub fn succeeded(&mut self) {
        self.state = State::Closed { failures: 0 };
    }

    /// Records a failed call; returns true when this failure opened the breaker.
    pub fn failed(&mut self, now: Instant) -> bool {
        let failures = match self.state {
            State::Closed { failures } => failures + 1,
            // The trial failed: straight back to open.
            State::Trial => self.threshold,
            State::Open { .. } => return false,
        };
        if failures >= self.threshold {
            self.state = State::Open {
                until: now + self.cooldown,
            };
            true
        } else {
            self.state = State::Closed { failures };
            false
        }
    }

    pub fn is_open(&self) -> bool {
        !matches!(self.state, State::Closed { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_the_threshold_and_lets_one_trial_through_after_the_cooldown() {
        let start = Instant::now();
        let mut breaker = Breaker::new(3, Duration::from_secs(60));
        assert!(!breaker.failed(start));
        assert!(!breaker.failed(start));
        assert!(breaker.allow(start));
        assert!(breaker.failed(start), "the third failure opens it");
        assert!(!breaker.allow(start + Duration::from_secs(59)));
        assert!(breaker.allow(start + Duration::from_secs(60)), "one trial");
        assert!(
            !breaker.allow(start + Duration::from_secs(60)),
            "only one trial at a time"
        );
        assert!(
            breaker.failed(start + Duration::from_secs(61)),
            "trial failed"
        );
        assert!(!breaker.allow(start + Duration::from_secs(62)));
        assert!(breaker.allow(start + Duration::from_secs(121)));
        breaker.succeeded();
        assert!(!breaker.is_open());
        assert!(breaker.allow(start + Duration::from_secs(122)));
    }

    #[test]
    fn a_success_resets_the_count() {
        let now = Instant::now();
        let mut breaker = Breaker::new(2, Duration::from_secs(60));
        breaker.failed(now);
        breaker.succeeded();
        assert!(
            !breaker.failed(now),
            "one failure after a success is not two in a row"
        );
    }
}
