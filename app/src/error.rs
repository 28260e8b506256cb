//! `AppError`: the one error type server functions return. Policy: a browser sees a code it
//! can translate (and field errors it can place), never internal detail; internal causes are
//! logged on the server with the request id and answered as `Internal` (HTTP 500).

use crate::domain::declaration::FieldError;
use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case", tag = "kind", content = "detail")]
pub enum AppError {
    /// Not signed in, or the session expired (401).
    #[error("unauthenticated")]
    Unauthenticated,
    /// Signed in but not allowed (403).
    #[error("forbidden")]
    Forbidden,
    /// Nothing here for this caller (404); also used where "forbidden" would leak existence.
    #[error("not found")]
    NotFound,
    /// The input was understood but refused, field by field (422).
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// A business rule refused the action; the code names the rule (409, or what
    /// `refusal_status` gives a refused upload).
    #[error("refused: {0}")]
    Refused(String),
    /// The request could not be read: wrong types, unknown fields, malformed body (400).
    #[error("bad request")]
    BadRequest,
    /// Too many attempts (429).
    #[error("too many requests")]
    TooManyRequests,
    /// The server has as many requests in hand as it can serve well; this one was not started
    /// and nothing of it was done (503, with `Retry-After`). Try again in a moment.
    #[error("busy")]
    Busy,
    /// The server failed; details are in the server log only (500).
    #[error("internal error")]
    Internal,
    /// The browser could not reach the server.
    #[error("network")]
    Network,
}

impl AppError {
    pub fn refused(code: &str) -> Self {
        Self::Refused(code.to_string())
    }

    pub fn field(field: &str, code: crate::domain::declaration::FieldErrorCode) -> Self {
        Self::Invalid(vec![FieldError {
            field: field.into(),
            code,
        }])
    }

    /// Logs an internal cause and returns the opaque error for the browser.
    #[cfg(feature = "ssr")]
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::Internal
    }

    pub fn http_status(&self) -> u16 {
        match self {
            Self::Unauthenticated => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::Invalid(_) => 422,
            Self::Refused(code) => refusal_status(code),
            Self::BadRequest => 400,
            Self::TooManyRequests => 429,
            Self::Busy => 503,
            Self::Internal | Self::Network => 500,
        }
    }

    /// The translation key of the general message for this error.
    pub fn message_key(&self) -> String {
        match self {
            Self::Refused(code) => format!("refused.{code}"),
            Self::Unauthenticated => "error.unauthenticated".into(),
            Self::Forbidden => "error.forbidden".into(),
            Self::NotFound => "error.not_found".into(),
            Self::Invalid(_) => "error.invalid".into(),
            Self::BadRequest => "error.bad_request".into(),
            Self::TooManyRequests => "error.too_many".into(),
            Self::Busy => "error.busy".into(),
            Self::Internal => "error.internal".into(),
            Self::Network => "error.network".into(),
        }
    }
}

/// The HTTP status of a refusal. A rule's refusal is a conflict (409); a refused upload or
/// body says what was wrong with it in HTTP's own words. One table, so a refusal has the same
/// status from a server function, a raw upload handler or the body limit.
fn refusal_status(code: &str) -> u16 {
    match code {
        "file_too_large" | "body_too_large" => 413,
        "file_type" => 415,
        "file_empty" => 422,
        _ => 409,
    }
}

/// Raw handlers (uploads, downloads, imports) return `Result<_, AppError>`: the refusal is
/// answered with its status and the same JSON body a server function's error has.
#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        let status = axum::http::StatusCode::from_u16(self.http_status())
            .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::Json(self)).into_response()
    }
}

/// A multipart body that could not be read: too large (413, `file_too_large`) or malformed (400),
/// the same for every upload route.
#[cfg(feature = "ssr")]
impl From<axum::extract::multipart::MultipartError> for AppError {
    fn from(e: axum::extract::multipart::MultipartError) -> Self {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            AppError::refused("file_too_large")
        } else {
            AppError::BadRequest
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::Deserialization(_)
            | ServerFnErrorErr::MissingArg(_) => Self::BadRequest,
            ServerFnErrorErr::Request(_) => Self::Network,
            ServerFnErrorErr::UnsupportedRequestMethod(_) => Self::BadRequest,
            _ => Self::Internal,
        }
    }
}
