//! The console destination: prints briefs to stdout, so the whole schedule → ledger → delivery
//! loop is visible on the embedded defaults with no platform configured.

use std::io::Write;

use futures::future::BoxFuture;

use super::{MessageIds, Messenger, Outgoing, SendError};
use crate::model::Destination;
use crate::render::{self, Format};

#[derive(Debug, Default)]
pub struct Console;

impl Messenger for Console {
    fn platform(&self) -> crate::model::Platform {
        crate::model::Platform::Console
    }

    fn send<'a>(&'a self, outgoing: Outgoing<'a>) -> BoxFuture<'a, Result<MessageIds, SendError>> {
        Box::pin(async move {
            if outgoing.delivered_parts > 0 {
                return Ok(Vec::new());
            }
            let text = render::render(outgoing.brief, Format::Text);
            {
                let mut out = std::io::stdout().lock();
                writeln!(
                    out,
                    "──── delivery {} → {} ────\n{text}",
                    outgoing.delivery_id, outgoing.destination
                )
                .and_then(|_| out.flush())
                .map_err(|e| SendError::Transient {
                    reason: format!("cannot write to stdout: {e}"),
                })?;
            }
            let id = format!("console-{}", outgoing.delivery_id);
            outgoing.progress.part_delivered(&id).await;
            Ok(vec![id])
        })
    }

    fn notify<'a>(
        &'a self,
        _destination: &'a Destination,
        text: &'a str,
    ) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move {
            let mut out = std::io::stdout().lock();
            writeln!(out, "──── notice ────\n{text}")
                .and_then(|_| out.flush())
                .map_err(|e| SendError::Transient {
                    reason: format!("cannot write to stdout: {e}"),
                })
        })
    }
}
