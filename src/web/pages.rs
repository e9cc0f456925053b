//! The archive's HTML pages: one layout (topic navigation, feed links, a small inline style
//! that reads on a 390-pixel phone and in dark mode, no scripts), and the pages inside it.
//! Pure: the handlers in `web` fetch, these only write.

use std::fmt::Write as _;

use super::article::{self, attribute, text};
use super::{FeedFormat, Site, SiteTopic};
use crate::archive::page_path;
use crate::storage::ArchivedBrief;

const STYLE: &str = "\
:root{color-scheme:light dark}\
body{margin:0 auto;max-width:42rem;padding:.75rem 1rem 2rem;font:1.0625rem/1.55 system-ui,-apple-system,'Segoe UI',sans-serif;overflow-wrap:anywhere}\
a{color:#1d4ed8}\
.skip{position:absolute;left:-100vw}.skip:focus{left:1rem}\
header{border-bottom:1px solid #8886;padding-bottom:.5rem}\
.site{margin:0 0 .25rem;font-weight:700}\
nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}\
[aria-current]{font-weight:700;color:inherit}\
h1{font-size:1.6rem;line-height:1.25;margin:1rem 0 .25rem}\
h2{font-size:1.25rem;line-height:1.3;margin:2rem 0 .5rem;border-bottom:1px solid #8886}\
h3{font-size:1.05rem;line-height:1.35;margin:1.1rem 0 .25rem}\
ul.stories{padding-left:1.1rem}\
li p{margin:.25rem 0}\
.date,.sources,.meta,footer{color:#555;font-size:.92rem}\
.overview{font-weight:600}\
.history li{margin:.35rem 0}\
footer{margin-top:3rem;border-top:1px solid #8886;padding-top:.75rem}\
@media (prefers-color-scheme:dark){a{color:#93c5fd}.date,.sources,.meta,footer{color:#bbb}}";

/// A page of briefs: the newest shown whole (on the first page), the rest as links.
pub struct Listing<'a> {
    /// `None`: the full brief's archive (the home page).
    pub topic: Option<&'a SiteTopic>,
    /// From 1.
    pub page: u32,
    /// Newest first.
    pub briefs: &'a [ArchivedBrief],
    /// Whether a page of older briefs follows.
    pub older: bool,
}

/// `/` and `/topics/{id}`.
pub fn listing(site: &Site, listing: &Listing) -> String {
    let name = listing.topic.map_or(site.title.clone(), |t| {
        format!("{} — {}", site.title, t.title)
    });
    let path = listing
        .topic
        .map_or(String::new(), |t| format!("topics/{}", t.id));
    let mut main = String::new();
    let (shown, earlier) = match (listing.page, listing.briefs.split_first()) {
        (1, Some((latest, rest))) => (Some(latest), rest),
        _ => (None, listing.briefs),
    };
    let title = match shown {
        Some(latest) => {
            main.push_str(&brief_article(latest));
            article::title(&latest.brief)
        }
        None => {
            let title = if listing.page == 1 {
                name.clone()
            } else {
                format!("{name}: earlier briefs, page {}", listing.page)
            };
            let _ = writeln!(main, "<h1>{}</h1>", text(&title));
            if listing.briefs.is_empty() {
                main.push_str(&nothing_yet(listing.page));
            }
            title
        }
    };
    if !earlier.is_empty() {
        main.push_str("<section class=\"history\">\n<h2>Earlier briefs</h2>\n<ol>\n");
        for archived in earlier {
            main.push_str(&history_item(site, archived));
        }
        main.push_str("</ol>\n</section>\n");
    }
    main.push_str(&pager(site, &path, listing));
    let feed = listing.topic.map_or("all", |t| t.id.as_str());
    layout(
        site,
        &title,
        listing.topic.map(|t| t.id.as_str()),
        feed,
        None,
        &main,
    )
}

/// `/briefs/{id}`.
pub fn permalink(site: &Site, archived: &ArchivedBrief) -> String {
    let brief = &archived.brief;
    let topic = brief.topic.as_deref().and_then(|id| site.topic(id));
    let mut main = brief_article(archived);
    let (more, more_label) = match topic {
        Some(topic) => (
            site.href(&format!("topics/{}", topic.id)),
            format!("More {} briefs", topic.title),
        ),
        None => (site.href(""), "Newer and older briefs".to_string()),
    };
    let _ = writeln!(
        main,
        "<p class=\"meta\"><a href=\"{}\">{}</a></p>",
        attribute(&more),
        text(&more_label)
    );
    let feed = topic.map_or("all", |t| t.id.as_str());
    let canonical = site
        .public_url
        .as_ref()
        .map(|_| site.href(&page_path(archived.id)));
    layout(
        site,
        &article::title(brief),
        topic.map(|t| t.id.as_str()),
        feed,
        canonical.as_deref(),
        &main,
    )
}

/// What a reader sees for an unknown topic, brief or feed: the message and where to go.
pub fn not_found(site: &Site, message: &str) -> String {
    let mut main = format!(
        "<h1>Not found</h1>\n<p>{}</p>\n<p>Topics here:</p>\n<ul>\n",
        text(message)
    );
    let _ = writeln!(
        main,
        "<li><a href=\"{}\">All topics</a></li>",
        attribute(&site.href(""))
    );
    for topic in &site.topics {
        let _ = writeln!(
            main,
            "<li><a href=\"{}\">{}</a> ({})</li>",
            attribute(&site.href(&format!("topics/{}", topic.id))),
            text(&topic.title),
            text(&topic.id)
        );
    }
    main.push_str("</ul>\n");
    layout(site, "Not found", None, "all", None, &main)
}

/// The archive cannot be read right now (the details are in the log).
pub fn unavailable(site: &Site) -> String {
    let main = "<h1>Temporarily unavailable</h1>\n\
                <p>The archive cannot be read right now. Please try again in a minute.</p>\n";
    layout(site, "Temporarily unavailable", None, "all", None, main)
}

fn brief_article(archived: &ArchivedBrief) -> String {
    format!(
        "<article>\n<h1>{}</h1>\n{}</article>\n",
        text(&article::title(&archived.brief)),
        article::body(&archived.brief, 2)
    )
}

fn nothing_yet(page: u32) -> String {
    if page > 1 {
        return "<p>No briefs this far back.</p>\n".to_string();
    }
    "<p>No brief here yet. A brief is kept here once it goes out on schedule, or when \
     someone asks for one in chat.</p>\n"
        .to_string()
}

fn history_item(site: &Site, archived: &ArchivedBrief) -> String {
    let brief = &archived.brief;
    format!(
        "<li><a href=\"{}\"><time datetime=\"{}\">{}</time></a> · {}</li>\n",
        attribute(&site.href(&page_path(archived.id))),
        brief.as_of.format("%Y-%m-%dT%H:%M:%SZ"),
        brief.as_of.format("%A, %-d %B %Y · %H:%M UTC"),
        text(&article::counts(brief))
    )
}

fn pager(site: &Site, path: &str, listing: &Listing) -> String {
    let link = |page: u32, label: &str| {
        let target = if page == 1 {
            path.to_string()
        } else {
            format!("{path}?page={page}")
        };
        format!("<a href=\"{}\">{label}</a>", attribute(&site.href(&target)))
    };
    let mut links = Vec::new();
    if listing.page > 1 {
        links.push(link(listing.page - 1, "Newer briefs"));
    }
    if listing.older {
        links.push(link(listing.page + 1, "Older briefs"));
    }
    if links.is_empty() {
        return String::new();
    }
    format!(
        "<nav aria-label=\"Pages\"><p>{}</p></nav>\n",
        links.join(" · ")
    )
}

/// The page around `main`. `current` is the topic the page is about, marked in the
/// navigation (`None`: the full brief); `feed` names the feeds linked from it.
fn layout(
    site: &Site,
    title: &str,
    current: Option<&str>,
    feed: &str,
    canonical: Option<&str>,
    main: &str,
) -> String {
    let mut out = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
    );
    let _ = writeln!(out, "<title>{}</title>", text(title));
    if let Some(canonical) = canonical {
        let _ = writeln!(
            out,
            "<link rel=\"canonical\" href=\"{}\">",
            attribute(canonical)
        );
    }
    for format in FeedFormat::ALL {
        let _ = writeln!(
            out,
            "<link rel=\"alternate\" type=\"{}\" title=\"{} ({})\" href=\"{}\">",
            format.media_type(),
            attribute(title),
            format.name(),
            attribute(&site.href(&format!("feeds/{feed}.{}", format.extension())))
        );
    }
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
    out.push_str("<a class=\"skip\" href=\"#main\">Skip to the brief</a>\n<header>\n");
    let _ = writeln!(
        out,
        "<p class=\"site\"><a href=\"{}\">{}</a></p>",
        attribute(&site.href("")),
        text(&site.title)
    );
    out.push_str("<nav aria-label=\"Topics\">\n<ul>\n");
    out.push_str(&nav_item(&site.href(""), "All topics", current.is_none()));
    for topic in &site.topics {
        let href = site.href(&format!("topics/{}", topic.id));
        out.push_str(&nav_item(&href, &topic.title, current == Some(&topic.id)));
    }
    out.push_str("</ul>\n</nav>\n</header>\n<main id=\"main\">\n");
    out.push_str(main);
    out.push_str("</main>\n<footer>\n<p>Follow in a feed reader: ");
    let feeds: Vec<String> = FeedFormat::ALL
        .iter()
        .map(|format| {
            let href = site.href(&format!("feeds/{feed}.{}", format.extension()));
            format!("<a href=\"{}\">{}</a>", attribute(&href), format.name())
        })
        .collect();
    out.push_str(&feeds.join(" · "));
    out.push_str("</p>\n</footer>\n</body>\n</html>\n");
    out
}

fn nav_item(href: &str, label: &str, current: bool) -> String {
    let marker = if current {
        " aria-current=\"page\""
    } else {
        ""
    };
    format!(
        "<li><a href=\"{}\"{marker}>{}</a></li>\n",
        attribute(href),
        text(label)
    )
}
