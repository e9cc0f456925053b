//! briefbot: news feeds in, short cited topic briefs out, delivered into team messengers.
//!
//! Dependencies point one way: `app` → {`schedule`, `delivery`} → {`ingest`, `storage`,
//! `summarizer`, `engine`, `render`} → `model`. `engine` and `render` are pure so they are fast
//! to test and shared by every platform; `summarizer` only rewrites the text of a brief the
//! engine already built.

pub mod alerts;
pub mod app;
pub mod archive;
pub mod backoff;
pub mod commands;
pub mod config;
pub mod corpus;
pub mod delivery;
pub mod engine;
pub mod env;
pub mod http;
pub mod ingest;
pub mod model;
pub mod periodic;
pub mod platforms;
pub mod redact;
pub mod render;
pub mod schedule;
pub mod storage;
pub mod summarizer;
pub mod telemetry;
pub mod web;
