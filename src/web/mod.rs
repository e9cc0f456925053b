//! The web archive: every kept brief as a plain HTML page, and each topic's briefs as Atom,
//! RSS and JSON feeds, read-only, so a reader can look up last Tuesday's brief or subscribe to
//! a topic in a feed reader.
//!
//! Routes (mounted by the shared HTTP server):
//! `/` the latest full brief and earlier ones; `/topics/{id}` the same for one topic;
//! `/briefs/{id}` one brief's permalink; `/feeds/{topic}.atom|.rss|.json` (`all` for the full
//! brief). Pages need no JavaScript and forbid it: every response carries a
//! Content-Security-Policy that allows inline styles and nothing else.
//!
//! The router sets no fallback of its own, so it merges into the shared server's router.

mod article;
mod feeds;
mod pages;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use url::Url;

use crate::config::Config;
use crate::storage::{StorageError, Store};

pub use feeds::FeedFormat;

/// Sent with every page and feed: no scripts, frames, images, forms or plugins, only the
/// page's own inline style.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Briefs listed per page of a topic's history, and entries per feed.
const HISTORY_PAGE: u32 = 20;
const FEED_ENTRIES: u32 = 50;
/// Deepest history page served; the archive is a year of briefs, not a way to make the
/// database skip millions of rows.
const MAX_PAGE: u32 = 1_000;

/// What the pages say about the site: its name, the topics to link to, and where readers
/// reach it from outside.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// The brief's title (`[brief] title`), the name of the site.
    pub title: String,
    /// In the configured order.
    pub topics: Vec<SiteTopic>,
    /// `[http] public_url`, ending in `/`: links in feeds and pages are absolute under it.
    /// `None`: links are relative to the site's root.
    pub public_url: Option<Url>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SiteTopic {
    /// The topic id, as in commands and subscriptions.
    pub id: String,
    /// Its display name (the section heading).
    pub title: String,
}

impl Site {
    /// The site as configured. Fails only when `[http] public_url` (or its environment
    /// override) is not an http(s) URL.
    pub fn from_config(config: &Config) -> Result<Self, String> {
        Ok(Self {
            title: config.brief.title.clone(),
            topics: config
                .topics
                .iter()
                .map(|topic| SiteTopic {
                    id: topic.id.clone(),
                    title: topic.title.clone(),
                })
                .collect(),
            public_url: config.http.public_url()?,
        })
    }

    /// A path of this site (no leading `/`) as a link: absolute under the public URL when
    /// there is one, else from the root.
    pub fn href(&self, path: &str) -> String {
        match self
            .public_url
            .as_ref()
            .and_then(|base| base.join(path).ok())
        {
            Some(url) => url.into(),
            None => format!("/{path}"),
        }
    }

    fn topic(&self, id: &str) -> Option<&SiteTopic> {
        self.topics.iter().find(|t| t.id == id)
    }
}

struct Archive {
    store: Store,
    site: Site,
}

type Shared = State<Arc<Archive>>;

/// The paths `router` serves, for the shared server's check that no two parts overlap.
pub const PATHS: &[&str] = &["/", "/topics/", "/briefs/", "/feeds/"];

/// The archive's pages and feeds, to be merged into the shared HTTP server's router.
pub fn router(store: Store, site: Site) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/topics/{id}", get(topic))
        .route("/briefs/{id}", get(brief))
        .route("/feeds/{file}", get(feed))
        .with_state(Arc::new(Archive { store, site }))
        .layer(axum::middleware::map_response(secure))
}

async fn secure(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

async fn home(State(archive): Shared, uri: Uri) -> Response {
    listing(&archive, None, page_number(&uri)).await
}

async fn topic(State(archive): Shared, Path(id): Path<String>, uri: Uri) -> Response {
    let Some(topic) = archive.site.topic(&id) else {
        let message = format!("There is no topic \"{id}\" here.");
        return not_found(&archive.site, &message);
    };
    listing(&archive, Some(topic), page_number(&uri)).await
}

async fn listing(archive: &Archive, topic: Option<&SiteTopic>, page: u32) -> Response {
    let id = topic.map(|t| t.id.as_str());
    let offset = (page - 1) * HISTORY_PAGE;
    // One more than a page says whether an older page exists.
    match archive
        .store
        .brief_history(id, HISTORY_PAGE + 1, offset)
        .await
    {
        Ok(mut briefs) => {
            let older = briefs.len() > HISTORY_PAGE as usize;
            briefs.truncate(HISTORY_PAGE as usize);
            let listing = pages::Listing {
                topic,
                page,
                briefs: &briefs,
                older,
            };
            html(StatusCode::OK, pages::listing(&archive.site, &listing))
        }
        Err(error) => internal_error(&archive.site, &error),
    }
}

async fn brief(State(archive): Shared, Path(id): Path<String>) -> Response {
    let missing = || not_found(&archive.site, &format!("There is no brief \"{id}\" here."));
    let Ok(number) = id.parse::<i64>() else {
        return missing();
    };
    match archive.store.archived_brief(number).await {
        Ok(Some(archived)) => html(StatusCode::OK, pages::permalink(&archive.site, &archived)),
        Ok(None) => missing(),
        Err(error) => internal_error(&archive.site, &error),
    }
}

async fn feed(State(archive): Shared, Path(file): Path<String>) -> Response {
    let site = &archive.site;
    let parsed = file
        .rsplit_once('.')
        .and_then(|(name, extension)| Some((name, FeedFormat::from_extension(extension)?)));
    let Some((name, format)) = parsed else {
        return not_found(site, &format!("There is no feed \"{file}\" here."));
    };
    let topic = match name {
        "all" => None,
        id => match site.topic(id) {
            Some(topic) => Some(topic),
            None => return not_found(site, &format!("There is no topic \"{id}\" here.")),
        },
    };
    let briefs = match archive
        .store
        .brief_history(topic.map(|t| t.id.as_str()), FEED_ENTRIES, 0)
        .await
    {
        Ok(briefs) => briefs,
        Err(error) => return internal_error(site, &error),
    };
    let body = feeds::render(site, topic, format, &briefs);
    ([(header::CONTENT_TYPE, format.content_type())], body).into_response()
}

/// `?page=N`, from 1 to `MAX_PAGE`; anything else is the first page.
fn page_number(uri: &Uri) -> u32 {
    let query = uri.query().unwrap_or("");
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == "page")
        .and_then(|(_, value)| value.parse::<u32>().ok())
        .unwrap_or(1)
        .clamp(1, MAX_PAGE)
}

fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

fn not_found(site: &Site, message: &str) -> Response {
    html(StatusCode::NOT_FOUND, pages::not_found(site, message))
}

/// A storage failure: logged in full, shown to readers as a plain apology.
fn internal_error(site: &Site, error: &StorageError) -> Response {
    tracing::error!(%error, "the web archive could not read the database");
    html(StatusCode::INTERNAL_SERVER_ERROR, pages::unavailable(site))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers_are_clamped() {
        let page = |uri: &str| page_number(&uri.parse::<Uri>().expect("uri"));
        assert_eq!(page("/"), 1);
        assert_eq!(page("/?page=3"), 3);
        assert_eq!(page("/?x=1&page=2"), 2);
        assert_eq!(page("/?page=0"), 1);
        assert_eq!(page("/?page=-4"), 1);
        assert_eq!(page("/?page=abc"), 1);
        assert_eq!(page("/?page=99999999"), MAX_PAGE);
    }

    #[test]
    fn links_are_absolute_only_under_a_public_url() {
        let mut site = Site {
            title: "B".into(),
            topics: Vec::new(),
            public_url: None,
        };
        assert_eq!(site.href("briefs/3"), "/briefs/3");
        assert_eq!(site.href(""), "/");
        site.public_url = Url::parse("https://x.example/news/").ok();
        assert_eq!(site.href("briefs/3"), "https://x.example/news/briefs/3");
        assert_eq!(site.href(""), "https://x.example/news/");
    }
}
