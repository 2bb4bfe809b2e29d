//! One error type for handlers. Pages render it in the user's language; the API answers
//! JSON. Internal errors are logged and shown as a bare 500.

use crate::i18n::Lang;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use onetrip_store::StoreError;

#[derive(Debug)]
pub enum AppError {
    /// 404: what was asked for (already in the user's language).
    NotFound(String),
    /// 400: a parameter and what is wrong with it.
    BadRequest { field: String, message: String },
    /// 503: the database or index is not available.
    Unavailable(String),
    /// 500: logged, never shown.
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => AppError::NotFound(what),
            StoreError::Unavailable(m) => AppError::Unavailable(m),
            other => AppError::Internal(other.to_string()),
        }
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
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message a user sees, in their language.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            AppError::NotFound(what) => format!("{}：{what}", lang.t("error-not-found")),
            AppError::BadRequest { field, message } => {
                format!("{}（{field}）：{message}", lang.t("error-bad-request"))
            }
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
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::BadRequest { field, .. } => Some(field),
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
        (e.status(), axum::Json(body)).into_response()
    }
}
