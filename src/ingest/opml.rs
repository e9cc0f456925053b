//! OPML, the format feed readers use to import and export subscription lists.

use std::path::Path;

use super::SourceSpec;

#[derive(Debug, thiserror::Error)]
pub enum OpmlError {
    #[error("cannot read OPML file {path}: {cause}")]
    Read { path: String, cause: std::io::Error },
    #[error("invalid OPML in {path}: {message}")]
    Parse { path: String, message: String },
    #[error("cannot write OPML: {0}")]
    Write(String),
}

/// Every outline with an `xmlUrl`, at any depth (folders are flattened).
pub fn read_sources(path: &Path) -> Result<Vec<SourceSpec>, OpmlError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| OpmlError::Read {
        path: shown.clone(),
        cause: source,
    })?;
    let document = opml::OPML::from_str(&text).map_err(|e| OpmlError::Parse {
        path: shown,
        message: e.to_string(),
    })?;
    let mut sources = Vec::new();
    collect(&document.body.outlines, &mut sources);
    Ok(sources)
}

fn collect(outlines: &[opml::Outline], into: &mut Vec<SourceSpec>) {
    for outline in outlines {
        if let Some(url) = outline
            .xml_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        {
            let name = outline.title.as_deref().unwrap_or(&outline.text).trim();
            into.push(SourceSpec {
                url: url.to_string(),
                name: (!name.is_empty()).then(|| name.to_string()),
                weight: 1.0,
            });
        }
        collect(&outline.outlines, into);
    }
}

/// An OPML document listing the given (name, url) pairs.
pub fn write_sources<'a>(
    title: &str,
    sources: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<String, OpmlError> {
    let mut document = opml::OPML {
        head: Some(opml::Head {
            title: Some(title.to_string()),
            ..opml::Head::default()
        }),
        ..opml::OPML::default()
    };
    for (name, url) in sources {
        document.add_feed(name, url);
    }
    document
        .to_string()
        .map_err(|e| OpmlError::Write(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_then_import_round_trips_and_flattens_folders() {
        let text = write_sources(
            "briefbot",
            [
                ("Outlet & Co", "https://a.example/feed"),
                ("B", "https://b.example/rss"),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let nested = text
            .replace("<body>", "<body><outline text=\"folder\">")
            .replace("</body>", "</outline></body>");
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("feeds.opml");
        std::fs::write(&path, nested).unwrap_or_else(|e| panic!("{e}"));
        let sources = read_sources(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sources.len(), 2);
        assert_eq!(sources[0].url, "https://a.example/feed");
        assert_eq!(sources[0].name.as_deref(), Some("Outlet & Co"));
    }

    #[test]
    fn broken_opml_names_the_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("bad.opml");
        std::fs::write(&path, "<opml><body>").unwrap_or_else(|e| panic!("{e}"));
        let error = read_sources(&path).unwrap_err().to_string();
        assert!(error.contains("bad.opml"), "{error}");
    }
}
