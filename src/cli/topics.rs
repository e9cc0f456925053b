//! `briefbot topics`

use std::process::ExitCode;

use briefbot::config::Config;

pub fn run(config: &Config) -> anyhow::Result<ExitCode> {
    print!("{}", topic_list(config));
    Ok(ExitCode::SUCCESS)
}

/// The topic list, also shown when a user asks for a topic that does not exist.
pub fn topic_list(config: &Config) -> String {
    let mut out = String::new();
    for topic in &config.topics {
        out.push_str(&format!("  {:<10} {}", topic.id, topic.title));
        if !topic.aliases.is_empty() {
            out.push_str(&format!(" (also: {})", topic.aliases.join(", ")));
        }
        out.push('\n');
        if !topic.description.is_empty() {
            out.push_str(&format!("  {:<10} {}\n", "", topic.description));
        }
    }
    out
}
