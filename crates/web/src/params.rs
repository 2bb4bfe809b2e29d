//! Request inputs: the visitor's preferences (language, large text) and query parameters,
//! parsed by hand so that every bad value gets a clear message naming the parameter.

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use onetrip_app::i18n::Lang;
use onetrip_app::Error;
use onetrip_domain::message::Message;
use percent_encoding::percent_decode_str;
use std::collections::BTreeMap;

/// Query parameters, decoded.
#[derive(Debug, Default, Clone)]
pub struct Params(pub BTreeMap<String, String>);

impl Params {
    pub fn parse(query: Option<&str>) -> Params {
        let mut map = BTreeMap::new();
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| {
                percent_decode_str(&s.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            };
            map.insert(decode(k), decode(v));
        }
        Params(map)
    }

    /// A non-empty, trimmed value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    /// A whole number within bounds, or a clear error naming the parameter.
    pub fn number(
        &self,
        key: &str,
        default: usize,
        min: usize,
        max: usize,
    ) -> Result<usize, Error> {
        let Some(raw) = self.get(key) else {
            return Ok(default);
        };
        let bad = || {
            Error::bad_request(
                key,
                Message::new("invalid-integer")
                    .text("value", raw)
                    .text("min", min)
                    .text("max", max),
            )
        };
        let n: usize = raw.parse().map_err(|_| bad())?;
        if (min..=max).contains(&n) {
            Ok(n)
        } else {
            Err(bad())
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Params::parse(parts.uri.query()))
    }
}

/// The visitor's language and text size, from `?lang=` / `?text=`, then cookies, then
/// Accept-Language.
#[derive(Debug, Clone, Default)]
pub struct Prefs {
    pub lang: Lang,
    pub large: bool,
    /// The hall's self-service kiosk: large text always, and every page returns to the
    /// kiosk's start (ending the session) when nobody touches it.
    pub kiosk: bool,
    /// The signed-in account, for the page header (set by the route guard).
    pub user: Option<std::sync::Arc<UserBar>>,
}

/// What the page header shows of the signed-in account.
#[derive(Debug, Clone)]
pub struct UserBar {
    pub name: String,
    /// The session's CSRF token, for the sign-out form.
    pub csrf: String,
}

/// The value of the named cookie in a request's headers.
pub(crate) fn cookie<'a>(headers: &'a header::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

impl Prefs {
    pub fn of(parts: &Parts) -> Prefs {
        let params = Params::parse(parts.uri.query());
        let lang = params
            .get("lang")
            .and_then(Lang::from_tag)
            .or_else(|| cookie(&parts.headers, "lang").and_then(Lang::from_tag))
            .unwrap_or_else(|| {
                parts
                    .headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .map_or(Lang::ZhHans, Lang::from_accept)
            });
        let kiosk = is_kiosk(&parts.headers);
        let large = kiosk
            || match params.get("text") {
                Some(v) => v == "large",
                None => cookie(&parts.headers, "text") == Some("large"),
            };
        let user = parts.extensions.get::<onetrip_app::Signed>().and_then(|s| {
            s.session.as_ref().map(|session| {
                std::sync::Arc::new(UserBar {
                    name: s.account.display_name.clone(),
                    csrf: session.csrf_token.clone(),
                })
            })
        });
        Prefs {
            lang,
            large,
            kiosk,
            user,
        }
    }
}

/// The cookie a kiosk's browser carries.
pub(crate) const KIOSK_COOKIE: &str = "onetrip-kiosk";

/// Whether the request comes from the hall's kiosk.
pub(crate) fn is_kiosk(headers: &axum::http::HeaderMap) -> bool {
    cookie(headers, KIOSK_COOKIE) == Some("1")
}

impl<S: Send + Sync> FromRequestParts<S> for Prefs {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Prefs::of(parts))
    }
}

/// Remembers `?lang=` and `?text=` choices in cookies.
pub async fn remember_prefs(request: Request, next: Next) -> Response {
    let params = Params::parse(request.uri().query());
    let lang = params.get("lang").and_then(Lang::from_tag);
    let text = params
        .get("text")
        .filter(|t| *t == "large" || *t == "normal")
        .map(str::to_string);
    let mut response = next.run(request).await;
    let mut set = |name: &str, value: &str| {
        let c = format!("{name}={value}; Path=/; Max-Age=31536000; SameSite=Lax");
        if let Ok(v) = HeaderValue::from_str(&c) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    };
    if let Some(l) = lang {
        set("lang", l.tag());
    }
    if let Some(t) = text {
        set("text", &t);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_chinese_and_plus() {
        let p = Params::parse(Some("q=%E8%80%81%E4%BA%BA+%E8%A1%A5%E8%B4%B4&page=2"));
        assert_eq!(p.get("q"), Some("老人 补贴"));
        assert_eq!(p.number("page", 1, 1, 9).ok(), Some(2));
        assert!(p.number("q", 1, 1, 9).is_err());
    }

    #[test]
    fn bad_percent_encoding_does_not_fail() {
        let p = Params::parse(Some("q=%E8%80&x"));
        assert!(p.get("q").is_some());
    }
}
