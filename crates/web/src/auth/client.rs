//! The client's address: the peer, or the first untrusted hop of `X-Forwarded-For` when the
//! peer is a trusted proxy.

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use std::net::{IpAddr, SocketAddr};

/// The address a request came from, as audit records and rate limits use it.
pub fn client_ip(parts: &Parts, trusted: &[IpAddr]) -> IpAddr {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    // Walk from the nearest hop back; the first address that is not a trusted proxy is the
    // client (anything further left could be forged by the client itself).
    forwarded
        .iter()
        .rev()
        .find(|ip| !trusted.contains(ip))
        .copied()
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(peer: [u8; 4], xff: Option<&str>) -> Parts {
        let mut b = Request::builder();
        if let Some(x) = xff {
            b = b.header("x-forwarded-for", x);
        }
        let (mut parts, ()) = b
            .body(())
            .map(|r| r.into_parts())
            .unwrap_or_else(|_| Request::new(()).into_parts());
        parts
            .extensions
            .insert(ConnectInfo(SocketAddr::from((peer, 40000))));
        parts
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy = IpAddr::from([10, 0, 0, 1]);
        let p = parts([10, 0, 0, 1], Some("203.0.113.9, 198.51.100.4"));
        assert_eq!(client_ip(&p, &[proxy]), IpAddr::from([198, 51, 100, 4]));
        let direct = parts([192, 0, 2, 5], Some("203.0.113.9"));
        assert_eq!(client_ip(&direct, &[proxy]), IpAddr::from([192, 0, 2, 5]));
        let none = parts([10, 0, 0, 1], None);
        assert_eq!(client_ip(&none, &[proxy]), proxy);
    }
}

/// The client's address as an extractor.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl axum::extract::FromRequestParts<crate::state::AppState> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &crate::state::AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(
            parts,
            &state.security.config.trusted_proxies,
        )))
    }
}
