//! The bot's background chores (ingesting, pruning, feed-health notices, summarising ahead of
//! time) share one shape: do a round, then wait for the interval or for shutdown, whichever
//! comes first. Kept here once so every chore stops the same way:
//!
//! ```text
//! let mut rounds = Rounds::every(interval, stopped);
//! while rounds.next().await {
//!     // one round; never cut short by a shutdown
//! }
//! ```

use std::time::Duration;

use tokio::sync::watch;

pub struct Rounds {
    interval: Duration,
    stop: watch::Receiver<bool>,
    started: bool,
}

impl Rounds {
    pub fn every(interval: Duration, stop: watch::Receiver<bool>) -> Self {
        Self {
            interval,
            stop,
            started: false,
        }
    }

    /// Whether to run another round: at once the first time, then after `interval` from the
    /// end of the previous round; `false` as soon as `stop` turns true or its sender is gone.
    pub async fn next(&mut self) -> bool {
        if self.started {
            tokio::select! {
                _ = tokio::time::sleep(self.interval) => {}
                changed = self.stop.changed() => {
                    if changed.is_err() {
                        return false;
                    }
                }
            }
        }
        self.started = true;
        !*self.stop.borrow_and_update()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn rounds_repeat_until_stopped_and_a_stop_ends_the_wait() {
        let (stop, stopped) = watch::channel(false);
        let chore = tokio::spawn(async move {
            let mut rounds = Rounds::every(Duration::from_secs(60), stopped);
            let mut started = Vec::new();
            while rounds.next().await {
                started.push(tokio::time::Instant::now());
            }
            (started, tokio::time::Instant::now())
        });
        let begin = tokio::time::Instant::now();
        tokio::time::sleep(Duration::from_secs(150)).await;
        stop.send(true).expect("chore listening");
        let (started, ended) = chore.await.expect("chore did not panic");
        let seconds: Vec<u64> = started.iter().map(|at| (*at - begin).as_secs()).collect();
        assert_eq!(seconds, [0, 60, 120]);
        // The stop ended the wait that would have run until 180 s.
        assert_eq!((ended - begin).as_secs(), 150);
    }

    #[tokio::test(start_paused = true)]
    async fn a_chore_stopped_before_it_starts_runs_no_round() {
        let (stop, stopped) = watch::channel(false);
        stop.send(true).expect("receiver alive");
        let mut rounds = Rounds::every(Duration::from_secs(60), stopped);
        assert!(!rounds.next().await);
    }
}
