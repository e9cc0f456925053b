//! Chat platforms: thin glue between a client library and `commands`, `render` and the
//! `Messenger` seam. Each platform lives in its own folder.
pub mod discord;
pub mod mattermost;
pub mod slack;
pub mod slash;
pub mod telegram;
