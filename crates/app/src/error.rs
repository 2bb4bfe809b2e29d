//! The one error of every use case: a code a client can act on, the field it concerns, and
//! a message in any of the three languages. Faces render it (a page, JSON, a CLI line);
//! internal errors are logged and shown bare.

use crate::i18n::Lang;
use onetrip_domain::access::GrantError;
use onetrip_domain::message::{Explain, Message};
use onetrip_store::{Conflict, StoreError};

#[derive(Debug, Clone)]
pub enum Error {
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
    fn on_field(self, field: &str) -> Result<T, Error>;
}

impl<T, E: Explain> OnField<T> for Result<T, E> {
    fn on_field(self, field: &str) -> Result<T, Error> {
        self.map_err(|e| Error::invalid(field, e.explain()))
    }
}

impl From<onetrip_domain::access::GrantError> for Error {
    fn from(e: onetrip_domain::access::GrantError) -> Self {
        use onetrip_domain::access::GrantError;
        match e {
            GrantError::AdministratorWithMatters => Error::invalid("matters", e.explain()),
            GrantError::AdministratorUnmask => Error::invalid("unmask", e.explain()),
            GrantError::SecondAdministrator
            | GrantError::Duplicate
            | GrantError::AdministratorWithBusinessRole => Error::conflict("role", e.explain()),
        }
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Error::NotFound(what),
            StoreError::Unavailable(m) => Error::Unavailable(m),
            StoreError::Busy => Error::Unavailable("the database is busy".into()),
            StoreError::Conflict(c) => conflict(c),
            other => Error::Internal(other.to_string()),
        }
    }
}

/// A broken rule as a 409 on the field it concerns.
fn conflict(c: Conflict) -> Error {
    let (field, message) = match c {
        Conflict::Login => ("login", Message::new("conflict-login")),
        Conflict::Document => (
            "document_number",
            Message::new("conflict-document-registered"),
        ),
        Conflict::Administrator => ("role", GrantError::SecondAdministrator.explain()),
        Conflict::AdministratorAlone => {
            ("role", GrantError::AdministratorWithBusinessRole.explain())
        }
        Conflict::LastSecurityAdmin => ("role", Message::new("conflict-last-security-admin")),
        Conflict::NoDraft(code) => ("code", Message::new("conflict-no-draft").text("code", code)),
        Conflict::BaseUnpublished(code) => (
            "base_code",
            Message::new("conflict-base-unpublished").text("code", code),
        ),
        Conflict::Stale => ("case", Message::new("conflict-stale")),
        Conflict::Other(name) => ("", Message::new("conflict-other").text("rule", name)),
    };
    Error::conflict(field, message)
}

impl From<onetrip_vault::VaultError> for Error {
    fn from(e: onetrip_vault::VaultError) -> Self {
        Error::Internal(format!("vault: {e}"))
    }
}

impl Error {
    /// 400 for a parameter.
    pub fn bad_request(field: &str, message: Message) -> Self {
        Error::BadRequest {
            field: field.into(),
            message: Box::new(message),
        }
    }

    /// 422 for a submitted field.
    pub fn invalid(field: &str, message: Message) -> Self {
        Error::Invalid {
            field: field.into(),
            message: Box::new(message),
        }
    }

    /// 409 for a submitted field.
    pub fn conflict(field: &str, message: Message) -> Self {
        Error::Conflict {
            field: field.into(),
            message: Box::new(message),
        }
    }

    /// The message a user sees, in their language.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            Error::NotFound(what) => format!("{}：{what}", lang.t("error-not-found")),
            Error::BadRequest { field, message } => lang.say(
                &Message::new("error-bad-request")
                    .text("field", field)
                    .text("message", lang.say(message)),
            ),
            Error::Invalid { field, message } | Error::Conflict { field, message } => lang.say(
                &Message::new("error-field")
                    .text("field", lang.field(field))
                    .text("message", lang.say(message)),
            ),
            Error::Unauthorized => lang.t("error-unauthorized").into_owned(),
            Error::LoginFailed => lang.t("error-login-failed").into_owned(),
            Error::Forbidden => lang.t("error-forbidden").into_owned(),
            Error::Csrf => lang.t("error-csrf").into_owned(),
            Error::PasswordExpired => lang.t("error-password-expired").into_owned(),
            Error::Refused(message) => lang.say(message),
            Error::TooLarge => lang.t("error-too-large").into_owned(),
            Error::UnsupportedMediaType => lang.t("error-media-type").into_owned(),
            Error::TooMany(seconds) => lang
                .t_n("error-too-many", usize::try_from(*seconds).unwrap_or(60))
                .into_owned(),
            Error::LockedOut(seconds) => lang
                .t_n(
                    "error-locked-out",
                    usize::try_from(seconds.div_ceil(60)).unwrap_or(15),
                )
                .into_owned(),
            Error::Unavailable(_) => lang.t("error-unavailable").into_owned(),
            Error::Internal(_) => lang.t("error-internal").into_owned(),
        }
    }

    pub fn log(&self) {
        match self {
            Error::Internal(m) => tracing::error!(error = %m, "internal error"),
            Error::Unavailable(m) => tracing::warn!(error = %m, "unavailable"),
            _ => {}
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Error::NotFound(_) => "not_found",
            Error::BadRequest { .. } => "bad_request",
            Error::Invalid { .. } => "invalid",
            Error::Conflict { .. } => "conflict",
            Error::Unauthorized => "unauthorized",
            Error::LoginFailed => "login_failed",
            Error::Forbidden => "forbidden",
            Error::Csrf => "csrf",
            Error::PasswordExpired => "password_expired",
            Error::Refused(_) => "refused",
            Error::TooLarge => "too_large",
            Error::UnsupportedMediaType => "unsupported_media_type",
            Error::TooMany(_) => "too_many_attempts",
            Error::LockedOut(_) => "locked_out",
            Error::Unavailable(_) => "unavailable",
            Error::Internal(_) => "internal",
        }
    }

    /// 403 with the reason the action is refused.
    pub fn refused(message: Message) -> Self {
        Error::Refused(Box::new(message))
    }

    /// Seconds a client should wait before trying again (`Retry-After`), if any.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Error::TooMany(s) | Error::LockedOut(s) => Some((*s).max(1)),
            Error::Unavailable(_) => Some(1),
            _ => None,
        }
    }

    pub fn field(&self) -> Option<&str> {
        match self {
            Error::BadRequest { field, .. }
            | Error::Invalid { field, .. }
            | Error::Conflict { field, .. } => Some(field),
            _ => None,
        }
    }
}
