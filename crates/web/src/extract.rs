//! Request bodies whose refusals speak the caller's language: a JSON body that is missing,
//! of another type, too large or malformed fails as 415, 413, 400 or 422 naming the field,
//! as does a form; [`crate::answer`] answers either as JSON or as a page.

use crate::error::{Error, Failure};
use axum::body::Bytes;
use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use onetrip_domain::message::Message;
use serde::de::DeserializeOwned;

/// A JSON request body for the API.
pub struct JsonBody<T>(pub T);

/// A form body for a page.
pub struct FormBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Failure;

    /// Parses with plain serde_json, and only a body that fails goes through axum's path-
    /// tracking parser for the field to name (it costs several times more per body).
    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(is_json);
        if !json {
            return Err(Failure(Error::UnsupportedMediaType));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|r| match r.status() {
                StatusCode::PAYLOAD_TOO_LARGE => Failure(Error::TooLarge),
                _ => Failure(Error::bad_request(
                    "body",
                    Message::new("invalid-json").text("detail", short(&r.body_text())),
                )),
            })?;
        if let Ok(value) = serde_json::from_slice(&bytes) {
            return Ok(JsonBody(value));
        }
        match axum::Json::<T>::from_bytes(&bytes) {
            Ok(axum::Json(value)) => Ok(JsonBody(value)),
            Err(rejection) => Err(Failure(json_refusal(&rejection))),
        }
    }
}

impl<S, T> FromRequest<S> for FormBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Failure;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(request, state).await {
            Ok(axum::Form(value)) => Ok(FormBody(value)),
            Err(rejection) => Err(Failure(form_refusal(&rejection))),
        }
    }
}

/// The field a deserializer's message names (`missing field `x``, or the path that
/// `serde_path_to_error` puts before the reason; `body` for the body as a whole) and the
/// reason without axum's preamble or the path, at most 200 characters.
fn field_of(detail: &str) -> (String, String) {
    let reason = detail.rsplit("target type: ").next().unwrap_or(detail);
    let short = |s: &str| s.chars().take(200).collect::<String>();
    if let Some(rest) = reason.split("missing field `").nth(1) {
        let field = rest.split('`').next().unwrap_or("body").to_string();
        return (field, short(reason));
    }
    match reason.split_once(": ") {
        Some((path, rest))
            if !path.is_empty()
                && !path.starts_with('[')
                && path
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '[' | ']')) =>
        {
            (path.to_string(), short(rest))
        }
        Some((path, rest)) if path.starts_with('[') => ("body".to_string(), short(rest)),
        _ => ("body".to_string(), short(reason)),
    }
}

/// Whether a content type is JSON: `application/json` or `application/…+json`, with any
/// parameters.
fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// A JSON body's refusal as the API answers it.
fn json_refusal(rejection: &JsonRejection) -> Error {
    let detail = rejection.body_text();
    match rejection {
        JsonRejection::MissingJsonContentType(_) => Error::UnsupportedMediaType,
        JsonRejection::JsonDataError(_) => {
            let (field, reason) = field_of(&detail);
            Error::invalid(
                &field,
                Message::new("invalid-json-field").text("detail", reason),
            )
        }
        JsonRejection::JsonSyntaxError(_) => Error::bad_request(
            "body",
            Message::new("invalid-json").text("detail", short(&detail)),
        ),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => Error::TooLarge,
        _ => Error::bad_request(
            "body",
            Message::new("invalid-json").text("detail", short(&detail)),
        ),
    }
}

/// A form's refusal as a page answers it.
fn form_refusal(rejection: &FormRejection) -> Error {
    match rejection {
        FormRejection::InvalidFormContentType(_) => Error::UnsupportedMediaType,
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => Error::TooLarge,
        other => Error::bad_request(
            "body",
            Message::new("invalid-form").text("detail", short(&other.body_text())),
        ),
    }
}

/// The deserializer's reason without axum's preamble, at most 200 characters.
fn short(detail: &str) -> String {
    let reason = detail.rsplit("target type: ").next().unwrap_or(detail);
    reason.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::{field_of, is_json};

    #[test]
    fn json_is_known_by_its_media_type() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        assert!(is_json("application/problem+json"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("application/jsonx"));
        assert!(!is_json(""));
    }

    #[test]
    fn the_field_at_fault_is_named() {
        let field = |d: &str| field_of(d).0;
        assert_eq!(
            field("Failed to deserialize the JSON body into the target type: missing field `login` at line 1 column 2"),
            "login"
        );
        assert_eq!(
            field_of("Failed to deserialize the JSON body into the target type: days: invalid type: string \"x\", expected u32 at line 1 column 12"),
            ("days".to_string(), "invalid type: string \"x\", expected u32 at line 1 column 12".to_string())
        );
        assert_eq!(
            field("Failed to deserialize the JSON body into the target type: invalid type: integer `1`, expected a map"),
            "body"
        );
        assert_eq!(
            field("Failed to deserialize the JSON body into the target type: [0]: invalid type: integer `1`, expected a string"),
            "body"
        );
    }
}
