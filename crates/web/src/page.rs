//! The frame of every page ([`Chrome`]: language, text size, the signed-in account) and
//! rendering a page or an error page in it.

use crate::error::Answer;
use crate::params::{Params, Prefs};
use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use onetrip_app::i18n::Lang;
use onetrip_app::Error;

/// What every page's frame needs: language, text size, the links that switch them.
#[derive(Clone)]
pub struct Chrome {
    pub lang: Lang,
    pub large: bool,
    pub kiosk: bool,
    pub user: Option<std::sync::Arc<crate::params::UserBar>>,
    path: String,
    query: Vec<(String, String)>,
}

impl Chrome {
    pub(crate) fn new(prefs: Prefs, uri: &Uri) -> Chrome {
        let query = Params::parse(uri.query())
            .0
            .into_iter()
            .filter(|(k, _)| k != "lang" && k != "text")
            .collect();
        Chrome {
            lang: prefs.lang,
            large: prefs.large,
            kiosk: prefs.kiosk,
            user: prefs.user,
            path: uri.path().to_string(),
            query,
        }
    }

    /// The message for a key.
    pub fn t(&self, key: &str) -> std::borrow::Cow<'static, str> {
        self.lang.t(key)
    }

    /// The label of an enumeration value, e.g. `label("matter-type", "public_service")`.
    pub fn label(&self, prefix: &str, key: &str) -> std::borrow::Cow<'static, str> {
        let mut full = String::with_capacity(prefix.len() + key.len() + 1);
        full.push_str(prefix);
        full.push('-');
        full.push_str(key);
        self.lang.t(&full)
    }

    /// A message with a count.
    pub fn n(
        &self,
        key: &str,
        n: impl std::borrow::Borrow<usize>,
    ) -> std::borrow::Cow<'static, str> {
        self.lang.t_n(key, *n.borrow())
    }

    /// This page with one preference changed.
    pub fn with(&self, key: &str, value: &str) -> String {
        let mut parts: Vec<String> = self
            .query
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect();
        parts.push(format!("{key}={value}"));
        format!("{}?{}", self.path, parts.join("&"))
    }

    /// An instant as the hall's clock shows it (China Standard Time), to the minute.
    pub fn local(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        onetrip_domain::clock::china_time(*at)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    pub fn langs(&self) -> [Lang; 3] {
        Lang::ALL
    }
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

impl<S: Send + Sync> FromRequestParts<S> for Chrome {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Chrome::new(Prefs::of(parts), &parts.uri))
    }
}

/// A page, rendered.
pub fn render<T: Template>(page: &T) -> Answer {
    Ok(Html(page.render()?).into_response())
}

/// A page answered with `status` (e.g. a form shown again with its problems).
pub fn render_with<T: Template>(status: StatusCode, page: &T) -> Answer {
    Ok((status, Html(page.render()?)).into_response())
}

/// A page answered with an error's status and headers (a form shown again with why it was
/// refused).
pub fn render_refused<T: Template>(e: &Error, page: &T) -> Answer {
    let html = Html(page.render()?).into_response();
    Ok(crate::error::refused_with(e, html))
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    c: &'a Chrome,
    status: u16,
    message: String,
}

/// An error as a page in the visitor's language.
pub fn error_page(c: &Chrome, status: StatusCode, e: &Error) -> Response {
    let page = ErrorPage {
        c,
        status: status.as_u16(),
        message: e.message(c.lang),
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "error page template");
            status.into_response()
        }
    }
}

/// A QR code of `text`, as an SVG element at least 240 px square.
pub(crate) fn qr_svg(text: &str) -> Result<String, Error> {
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .build())
}
