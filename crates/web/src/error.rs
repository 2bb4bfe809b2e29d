//! One error type for handlers. Pages render it in the user's language; the API answers
//! JSON. Internal errors are logged and shown as a bare 500.

use crate::i18n::Lang;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use onetrip_domain::message::{Explain, Message};
use onetrip_store::StoreError;

#[derive(Debug)]
pub enum AppError {
    /// 404: what was asked for (already in the user's language).
    NotFound(String),
    /// 400: a parameter and what is wrong with it.
    BadRequest {
        field: String,
        message: Box<Message>,
    },
    /// 422: a submitted field is not valid.
    Invalid {
        field: String,
        message: Box<Message>,
    },
    /// 409: the submission collides with existing data.
    Conflict {
        field: String,
        message: Box<Message>,
    },
    /// 401: not signed in (or the session ended).
    Unauthorized,
    /// 401: wrong account or password; the same answer for both.
    LoginFailed,
    /// 403: signed in, but not allowed.
    Forbidden,
    /// 403: a state-changing request without this session's token or from another origin.
    Csrf,
    /// 403: the password policy requires a new password before anything else.
    PasswordExpired,
    /// 403: signed in and allowed the route, but this action is refused, and why.
    Refused(Box<Message>),
    /// 413: the body is larger than the route takes.
    TooLarge,
    /// 415: the body is not of the type the route takes (e.g. JSON).
    UnsupportedMediaType,
    /// 429: too many attempts from this address; seconds to wait.
    TooMany(u64),
    /// 429: sign-in from this address is paused after repeated failures; seconds to wait.
    LockedOut(u64),
    /// 503: the database or index is not available.
    Unavailable(String),
    /// 500: logged, never shown.
    Internal(String),
}

/// Names the submitted field a domain validator's error belongs to: `parse(x).on_field("name")?`
/// is a 422 that says what is wrong with that field, in the user's language.
pub trait OnField<T> {
    fn on_field(self, field: &str) -> Result<T, AppError>;
}

impl<T, E: Explain> OnField<T> for Result<T, E> {
    fn on_field(self, field: &str) -> Result<T, AppError> {
        self.map_err(|e| AppError::invalid(field, e.explain()))
    }
}

impl From<onetrip_domain::access::GrantError> for AppError {
    fn from(e: onetrip_domain::access::GrantError) -> Self {
        use onetrip_domain::access::GrantError;
        match e {
            GrantError::AdministratorWithMatters => AppError::invalid("matters", e.explain()),
            GrantError::AdministratorUnmask => AppError::invalid("unmask", e.explain()),
            GrantError::SecondAdministrator
            | GrantError::Duplicate
            | GrantError::AdministratorWithBusinessRole => AppError::conflict("role", e.explain()),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => AppError::NotFound(what),
            StoreError::Unavailable(m) => AppError::Unavailable(m),
            StoreError::Busy => AppError::Unavailable(e.to_string()),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<onetrip_vault::VaultError> for AppError {
    fn from(e: onetrip_vault::VaultError) -> Self {
        AppError::Internal(format!("vault: {e}"))
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template: {e}"))
    }
}

impl From<onetrip_search::SearchError> for AppError {
    fn from(e: onetrip_search::SearchError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl AppError {
    /// 400 for a parameter.
    pub fn bad_request(field: &str, message: Message) -> Self {
        AppError::BadRequest {
            field: field.into(),
            message: Box::new(message),
        }
    }

    /// 422 for a submitted field.
    pub fn invalid(field: &str, message: Message) -> Self {
        AppError::Invalid {
            field: field.into(),
            message: Box::new(message),
        }
    }

    /// 409 for a submitted field.
    pub fn conflict(field: &str, message: Message) -> Self {
        AppError::Conflict {
            field: field.into(),
            message: Box::new(message),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Unauthorized | AppError::LoginFailed => StatusCode::UNAUTHORIZED,
            AppError::Forbidden
            | AppError::Csrf
            | AppError::PasswordExpired
            | AppError::Refused(_) => StatusCode::FORBIDDEN,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::TooMany(_) | AppError::LockedOut(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message a user sees, in their language.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            AppError::NotFound(what) => format!("{}：{what}", lang.t("error-not-found")),
            AppError::BadRequest { field, message } => lang.say(
                &Message::new("error-bad-request")
                    .text("field", field)
                    .text("message", lang.say(message)),
            ),
            AppError::Invalid { field, message } | AppError::Conflict { field, message } => lang
                .say(
                    &Message::new("error-field")
                        .text("field", lang.field(field))
                        .text("message", lang.say(message)),
                ),
            AppError::Unauthorized => lang.t("error-unauthorized").into_owned(),
            AppError::LoginFailed => lang.t("error-login-failed").into_owned(),
            AppError::Forbidden => lang.t("error-forbidden").into_owned(),
            AppError::Csrf => lang.t("error-csrf").into_owned(),
            AppError::PasswordExpired => lang.t("error-password-expired").into_owned(),
            AppError::Refused(message) => lang.say(message),
            AppError::TooLarge => lang.t("error-too-large").into_owned(),
            AppError::UnsupportedMediaType => lang.t("error-media-type").into_owned(),
            AppError::TooMany(seconds) => lang
                .t_n("error-too-many", usize::try_from(*seconds).unwrap_or(60))
                .into_owned(),
            AppError::LockedOut(seconds) => lang
                .t_n(
                    "error-locked-out",
                    usize::try_from(seconds.div_ceil(60)).unwrap_or(15),
                )
                .into_owned(),
            AppError::Unavailable(_) => lang.t("error-unavailable").into_owned(),
            AppError::Internal(_) => lang.t("error-internal").into_owned(),
        }
    }

    pub fn log(&self) {
        match self {
            AppError::Internal(m) => tracing::error!(error = %m, "internal error"),
            AppError::Unavailable(m) => tracing::warn!(error = %m, "unavailable"),
            _ => {}
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound(_) => "not_found",
            AppError::BadRequest { .. } => "bad_request",
            AppError::Invalid { .. } => "invalid",
            AppError::Conflict { .. } => "conflict",
            AppError::Unauthorized => "unauthorized",
            AppError::LoginFailed => "login_failed",
            AppError::Forbidden => "forbidden",
            AppError::Csrf => "csrf",
            AppError::PasswordExpired => "password_expired",
            AppError::Refused(_) => "refused",
            AppError::TooLarge => "too_large",
            AppError::UnsupportedMediaType => "unsupported_media_type",
            AppError::TooMany(_) => "too_many_attempts",
            AppError::LockedOut(_) => "locked_out",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    /// 403 with the reason the action is refused.
    pub fn refused(message: Message) -> Self {
        AppError::Refused(Box::new(message))
    }

    /// Seconds a client should wait before trying again (`Retry-After`), if any.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::TooMany(s) | AppError::LockedOut(s) => Some((*s).max(1)),
            AppError::Unavailable(_) => Some(1),
            _ => None,
        }
    }

    /// The response headers every rendering of this error carries.
    pub fn headers(&self) -> Vec<(axum::http::HeaderName, axum::http::HeaderValue)> {
        self.retry_after()
            .map(|s| {
                (
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from(s),
                )
            })
            .into_iter()
            .collect()
    }

    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::BadRequest { field, .. }
            | AppError::Invalid { field, .. }
            | AppError::Conflict { field, .. } => Some(field),
            _ => None,
        }
    }
}

/// An error answered as JSON: `{"error": {"code", "message", "field"}}`.
pub struct ApiError(pub AppError, pub Lang);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into(), Lang::default())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let ApiError(e, lang) = self;
        e.log();
        let body = serde_json::json!({
            "error": { "code": e.code(), "message": e.message(lang), "field": e.field() }
        });
        let mut response = (e.status(), axum::Json(body)).into_response();
        response.headers_mut().extend(e.headers());
        response
    }
}
