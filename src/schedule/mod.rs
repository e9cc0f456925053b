//! Scheduling: subscriptions' schedules → rows in the delivery ledger → briefs delivered once.
//!
//! `spec` reads schedules and computes occurrences in each subscription's time zone; `runner`
//! turns due occurrences into ledger rows and works them off; `deliver` sends one row and
//! records why it did or did not go out; `prepare` writes model summaries for briefs due soon;
//! `clock` lets tests hold time still.

pub mod clock;
pub mod deliver;
pub mod heartbeat;
pub mod policy;
pub mod prepare;
pub mod runner;
pub mod shared_briefs;
pub mod spec;
