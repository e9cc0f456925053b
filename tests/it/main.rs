//! The integration tests, one binary so the crate links once: each module is one area
//! (`cli`, `scheduler`, `telegram`, …); `support` holds the fake servers and shared fixtures.
//!
//! Run one area with `cargo test --test it telegram::`, the ignored fan-out measurements with
//! `cargo test --release --test it fanout -- --ignored --nocapture`.

mod support;

mod alerts;
mod archive;
mod brief_history;
mod cli;
mod crash;
mod discord;
mod discord_delivery;
mod discord_fanout;
mod discord_gateway;
mod discord_render;
mod editorial_eval;
mod engine_eval;
mod feed_corpus;
mod fuzz;
mod ingest_http;
mod ingest_scale;
mod mattermost;
mod render_golden;
mod replicas;
mod scheduler;
mod server;
mod service;
mod slack;
mod storage;
mod summarizer;
mod telegram;
mod telegram_fanout;
mod telegram_render;
mod work_webhooks;
