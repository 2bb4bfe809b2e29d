//! Per-address login rate limit: a token bucket per client address, refilled continuously.
//! Sized so that a whole hall behind one NAT address keeps working, while a flood from one
//! address is slowed long before it could matter; lockout is counted per account.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// Addresses remembered at most; the oldest buckets are dropped beyond this.
const MAX_ADDRESSES: usize = 100_000;

pub struct RateLimiter {
    per_minute: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> Self {
        RateLimiter {
            per_minute: f64::from(per_minute.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one attempt for `ip`. `Err(seconds)` says how long until the next is allowed.
    pub fn take(&self, ip: IpAddr) -> Result<(), u64> {
        self.take_at(ip, Instant::now())
    }

    fn take_at(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        let ip = network(ip);
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        if buckets.len() >= MAX_ADDRESSES {
            let full = self.per_minute;
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * full / 60.0 < full
            });
        }
        let (tokens, at) = buckets.entry(ip).or_insert((self.per_minute, now));
        let refilled = (*tokens + now.duration_since(*at).as_secs_f64() * self.per_minute / 60.0)
            .min(self.per_minute);
        if refilled >= 1.0 {
            *tokens = refilled - 1.0;
            *at = now;
            Ok(())
        } else {
            let wait = (1.0 - refilled) * 60.0 / self.per_minute;
            Err(wait.ceil() as u64)
        }
    }
}

/// The address a limit counts: IPv4 as it is, IPv6 by its /64 network (one subscriber's
/// block), as the lockout counts it.
fn network(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            IpAddr::from([s[0], s[1], s[2], s[3], 0, 0, 0, 0])
        }
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_is_allowed_then_slowed_then_refilled() {
        let l = RateLimiter::new(60);
        let ip = IpAddr::from([192, 0, 2, 1]);
        let t = Instant::now();
        for _ in 0..60 {
            assert_eq!(l.take_at(ip, t), Ok(()));
        }
        assert_eq!(l.take_at(ip, t), Err(1));
        assert_eq!(
            l.take_at(IpAddr::from([192, 0, 2, 2]), t),
            Ok(()),
            "other addresses unaffected"
        );
        assert_eq!(l.take_at(ip, t + Duration::from_secs(1)), Ok(()));
    }

    #[test]
    fn an_ipv6_subscriber_block_shares_one_bucket() {
        let l = RateLimiter::new(1);
        let t = Instant::now();
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        assert_eq!(l.take_at(a, t), Ok(()));
        assert!(l.take_at(b, t).is_err(), "the same /64");
        assert_eq!(l.take_at("2001:db8:1:3::1".parse().unwrap(), t), Ok(()));
    }
}
