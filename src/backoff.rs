//! Doubling backoff, shared by the delivery policy (transient send failures) and ingestion
//! (failing feeds).

use std::time::Duration;

/// `first` doubled `doublings` times, never above `cap`, without overflowing.
pub fn doubling(first: Duration, doublings: u32, cap: Duration) -> Duration {
    first
        .saturating_mul(2u32.saturating_pow(doublings.min(30)))
        .min(cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_and_never_overflows() {
        let first = Duration::from_secs(30);
        let cap = Duration::from_secs(3600);
        assert_eq!(doubling(first, 0, cap), first);
        assert_eq!(doubling(first, 2, cap), Duration::from_secs(120));
        assert_eq!(doubling(first, 10, cap), cap);
        assert_eq!(
            doubling(Duration::MAX, u32::MAX, Duration::MAX),
            Duration::MAX
        );
    }
}
