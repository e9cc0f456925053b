//! Scheduling: subscriptions' schedules → rows in the delivery ledger → briefs delivered once.

pub mod spec;
