//! Handlers fail with the use cases' [`Error`], wrapped as a [`Failure`]: a response that
//! carries the error for [`crate::answer::render_failures`] to answer in the request's
//! language (JSON under `/api/`, a page elsewhere).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{AppendHeaders, IntoResponse, Response};
pub use onetrip_app::Error;

/// A handler's failure.
#[derive(Debug)]
pub struct Failure(pub Error);

/// What a handler answers.
pub type Answer<T = Response> = Result<T, Failure>;

macro_rules! failure_from {
    ($($t:ty),* $(,)?) => {$(
        impl From<$t> for Failure {
            fn from(e: $t) -> Self {
                Failure(e.into())
            }
        }
    )*};
}

failure_from!(
    Error,
    onetrip_store::StoreError,
    onetrip_vault::VaultError,
    onetrip_domain::access::GrantError,
);

impl From<askama::Error> for Failure {
    fn from(e: askama::Error) -> Self {
        Failure(Error::Internal(format!("template: {e}")))
    }
}

impl From<onetrip_search::SearchError> for Failure {
    fn from(e: onetrip_search::SearchError) -> Self {
        Failure(Error::Internal(e.to_string()))
    }
}

/// The HTTP status of an error.
pub fn status(e: &Error) -> StatusCode {
    match e {
        Error::NotFound(_) => StatusCode::NOT_FOUND,
        Error::BadRequest { .. } => StatusCode::BAD_REQUEST,
        Error::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        Error::Conflict { .. } => StatusCode::CONFLICT,
        Error::Unauthorized | Error::LoginFailed => StatusCode::UNAUTHORIZED,
        Error::Forbidden | Error::Csrf | Error::PasswordExpired | Error::Refused(_) => {
            StatusCode::FORBIDDEN
        }
        Error::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Error::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Error::TooMany(_) | Error::LockedOut(_) => StatusCode::TOO_MANY_REQUESTS,
        Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The headers every answer to this error carries (`Retry-After`).
pub fn headers(e: &Error) -> AppendHeaders<Vec<(header::HeaderName, HeaderValue)>> {
    AppendHeaders(
        e.retry_after()
            .map(|s| (header::RETRY_AFTER, HeaderValue::from(s)))
            .into_iter()
            .collect(),
    )
}

/// A page that shows why `e` refused a form, with its status and headers.
pub fn refused_with(e: &Error, page: Response) -> Response {
    (status(e), headers(e), page).into_response()
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let mut response = (status(&self.0), headers(&self.0)).into_response();
        response.extensions_mut().insert(self.0);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use onetrip_store::{Conflict, StoreError};

    #[test]
    fn a_full_write_queue_is_a_503_that_says_when_to_try_again() {
        let response = Failure::from(StoreError::Busy).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
        assert!(matches!(
            response.extensions().get::<Error>(),
            Some(Error::Unavailable(_))
        ));
    }

    #[test]
    fn every_broken_rule_is_a_409_on_a_field_never_a_500() {
        for c in [
            Conflict::Login,
            Conflict::Document,
            Conflict::Administrator,
            Conflict::AdministratorAlone,
            Conflict::LastSecurityAdmin,
            Conflict::NoDraft("x".into()),
            Conflict::BaseUnpublished("x".into()),
            Conflict::Stale,
            Conflict::Other("some_new_rule".into()),
        ] {
            let e: Error = StoreError::Conflict(c.clone()).into();
            assert_eq!(status(&e), StatusCode::CONFLICT, "{c:?}");
            assert!(e.field().is_some(), "{c:?}");
        }
    }
}
