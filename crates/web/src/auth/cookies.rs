//! The cookies of signing in: the session id (`HttpOnly`, `SameSite=Lax`, `Secure` and
//! `__Host-` over HTTPS) and the sealed device cookie that recognises the owner's browser.

use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::http::HeaderValue;
use onetrip_app::login::SignedIn;
use onetrip_app::Security;

/// The cookie's name: `__Host-` prefixed when cookies are `Secure`.
pub fn cookie_name(security: &Security) -> &'static str {
    if security.config.secure_cookies {
        "__Host-onetrip-session"
    } else {
        "onetrip-session"
    }
}

/// The session id in the request's cookie, if any.
pub fn session_cookie<'a>(parts: &'a Parts, security: &Security) -> Option<&'a str> {
    crate::params::cookie(&parts.headers, cookie_name(security))
        .filter(|v| !v.is_empty() && v.len() <= 64)
}

/// `Set-Cookie` for a new session id.
pub fn set_cookie(security: &Security, id: &str) -> HeaderValue {
    let secure = if security.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let max_age = security.config.absolute.num_seconds();
    HeaderValue::from_str(&format!(
        "{}={id}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}",
        cookie_name(security)
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The device cookie's name: `__Host-` prefixed when cookies are `Secure`.
pub fn device_cookie_name(security: &Security) -> &'static str {
    if security.config.secure_cookies {
        "__Host-onetrip-device"
    } else {
        "onetrip-device"
    }
}

/// The sealed device cookie a request carries, if any.
pub fn device_cookie<'a>(
    headers: &'a axum::http::HeaderMap,
    security: &Security,
) -> Option<&'a str> {
    crate::params::cookie(headers, device_cookie_name(security)).filter(|v| v.len() <= 512)
}

/// The `Set-Cookie` headers of a complete sign-in: the session, and the device (kept a
/// year: the account's owner is recognised on it even while someone guesses elsewhere).
pub fn signed_in_cookies(
    security: &Security,
    done: &SignedIn,
) -> axum::response::AppendHeaders<[(axum::http::HeaderName, HeaderValue); 2]> {
    let secure = if security.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let device = HeaderValue::from_str(&format!(
        "{}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000{secure}",
        device_cookie_name(security),
        done.device
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""));
    axum::response::AppendHeaders([
        (SET_COOKIE, set_cookie(security, &done.cookie)),
        (SET_COOKIE, device),
    ])
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_cookie(security: &Security) -> (axum::http::HeaderName, HeaderValue) {
    let secure = if security.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    (
        SET_COOKIE,
        HeaderValue::from_str(&format!(
            "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}",
            cookie_name(security)
        ))
        .unwrap_or_else(|_| HeaderValue::from_static("")),
    )
}
