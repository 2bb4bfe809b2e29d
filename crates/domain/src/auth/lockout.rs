//! Lockout against password and code guessing that is not a way to keep the owner out.
//!
//! Wrong passwords and wrong second-factor codes count together, per account and source
//! address and per account. After `lock_after` failures from one address, that address is
//! locked out of the account for `lock_for`; other addresses are not. After `lock_after`
//! failures in all, addresses the account has never signed in from are slowed down (one
//! attempt per delay, growing to [`MAX_SLOWDOWN_SECONDS`]); addresses it has signed in
//! from before are not. A device the account has completed a sign-in on (it holds the
//! account's sealed device cookie) is neither locked nor slowed, whatever its address: an
//! attacker cannot keep the owner out by guessing from the owner's network or from many
//! addresses. A complete sign-in forgets the failures, and the owner is told how many
//! there were.

use chrono::{DateTime, Duration, Utc};

/// The longest wait the slowdown imposes between attempts from unfamiliar addresses.
pub const MAX_SLOWDOWN_SECONDS: i64 = 60;

/// The lockout settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockPolicy {
    /// Failures from one address that lock that address out of the account.
    pub lock_after: i64,
    pub lock_for: Duration,
}

/// What is remembered of one account and one source address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SourceRecord {
    /// Failures since the last lock or success from this address.
    pub failures: i64,
    pub locked_until: Option<DateTime<Utc>>,
    /// The last complete sign-in from this address: a familiar address.
    pub last_success_at: Option<DateTime<Utc>>,
}

/// Whether an attempt may be checked at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    Allowed,
    /// This address is locked out of this account.
    LockedHere {
        until: DateTime<Utc>,
    },
    /// The account is under attack and this address is unfamiliar: wait.
    Slowed {
        until: DateTime<Utc>,
    },
}

/// Decides whether an attempt from an address is checked. `slowed_until` is the account's;
/// `known_device` whether the request comes from a device the account signed in on.
pub fn admit(
    slowed_until: Option<DateTime<Utc>>,
    source: Option<&SourceRecord>,
    known_device: bool,
    now: DateTime<Utc>,
) -> Attempt {
    if known_device {
        return Attempt::Allowed;
    }
    if let Some(until) = source.and_then(|s| s.locked_until).filter(|u| *u > now) {
        return Attempt::LockedHere { until };
    }
    let familiar = source.is_some_and(|s| s.last_success_at.is_some());
    match slowed_until.filter(|u| *u > now) {
        Some(until) if !familiar => Attempt::Slowed { until },
        _ => Attempt::Allowed,
    }
}

/// The counts after one more failure was added (atomically, by the store).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    /// From this address, since its last lock or success.
    pub from_source: i64,
    /// Of the account, from every address, since its last complete sign-in.
    pub of_account: i64,
}

/// What a failure leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Consequence {
    /// Lock this address out of the account until then (and start its count again).
    pub lock_source_until: Option<DateTime<Utc>>,
    /// Slow unfamiliar addresses down until then.
    pub slow_account_until: Option<DateTime<Utc>>,
}

/// The consequence of a failure, given the counts that include it.
pub fn after_failure(counts: Failures, policy: &LockPolicy, now: DateTime<Utc>) -> Consequence {
    let lock_after = policy.lock_after.max(1);
    let lock_source_until = (counts.from_source >= lock_after).then(|| now + policy.lock_for);
    let over = counts.of_account - lock_after;
    let slow_account_until = (over >= 0).then(|| {
        let seconds = 1i64
            .checked_shl(u32::try_from(over).unwrap_or(u32::MAX).min(62))
            .unwrap_or(MAX_SLOWDOWN_SECONDS)
            .min(MAX_SLOWDOWN_SECONDS);
        now + Duration::seconds(seconds)
    });
    Consequence {
        lock_source_until,
        slow_account_until,
    }
}

/// The key an address is counted under: IPv4 as written, IPv6 by its /64 network (one
/// subscriber's block, which an attacker could otherwise walk address by address).
pub fn source_key(address: &str) -> String {
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(std::net::IpAddr::V6(v6)) => v6
            .to_ipv4_mapped()
            .map_or_else(|| address.to_string(), |v4| v4.to_string()),
        _ => address.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).single().unwrap()
    }

    const POLICY: LockPolicy = LockPolicy {
        lock_after: 5,
        lock_for: Duration::minutes(15),
    };

    #[test]
    fn the_fifth_failure_from_an_address_locks_only_that_address() {
        let four = after_failure(
            Failures {
                from_source: 4,
                of_account: 4,
            },
            &POLICY,
            now(),
        );
        assert_eq!(four, Consequence::default());
        let five = after_failure(
            Failures {
                from_source: 5,
                of_account: 5,
            },
            &POLICY,
            now(),
        );
        assert_eq!(five.lock_source_until, Some(now() + Duration::minutes(15)));
        let locked = SourceRecord {
            failures: 0,
            locked_until: five.lock_source_until,
            last_success_at: None,
        };
        assert_eq!(
            admit(five.slow_account_until, Some(&locked), false, now()),
            Attempt::LockedHere {
                until: now() + Duration::minutes(15)
            }
        );
        let familiar = SourceRecord {
            last_success_at: Some(now() - Duration::days(3)),
            ..SourceRecord::default()
        };
        assert_eq!(
            admit(five.slow_account_until, Some(&familiar), false, now()),
            Attempt::Allowed,
            "the owner's own address is not slowed"
        );
        assert_eq!(
            admit(five.slow_account_until, None, false, now()),
            Attempt::Slowed {
                until: now() + Duration::seconds(1)
            },
            "a new address waits a moment"
        );
        assert_eq!(
            admit(
                five.slow_account_until,
                None,
                false,
                now() + Duration::seconds(1)
            ),
            Attempt::Allowed
        );
        assert_eq!(
            admit(five.slow_account_until, Some(&locked), true, now()),
            Attempt::Allowed,
            "the owner's own device gets in even from the locked address"
        );
    }

    #[test]
    fn the_slowdown_grows_to_a_minute_and_no_further() {
        let wait = |of_account| {
            after_failure(
                Failures {
                    from_source: 1,
                    of_account,
                },
                &POLICY,
                now(),
            )
            .slow_account_until
            .map(|u| (u - now()).num_seconds())
        };
        assert_eq!(wait(4), None);
        assert_eq!(wait(5), Some(1));
        assert_eq!(wait(6), Some(2));
        assert_eq!(wait(10), Some(32));
        assert_eq!(wait(11), Some(60));
        assert_eq!(wait(10_000), Some(60));
    }

    #[test]
    fn a_lock_ends_on_time() {
        let record = SourceRecord {
            failures: 0,
            locked_until: Some(now()),
            last_success_at: None,
        };
        assert_eq!(admit(None, Some(&record), false, now()), Attempt::Allowed);
    }

    #[test]
    fn ipv6_addresses_count_by_their_network() {
        assert_eq!(source_key("192.0.2.7"), "192.0.2.7");
        assert_eq!(
            source_key("2001:db8:1:2:aaaa::1"),
            source_key("2001:db8:1:2:bbbb::9")
        );
        assert_eq!(source_key("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_ne!(source_key("2001:db8:1:2::1"), source_key("2001:db8:1:3::1"));
        assert_eq!(source_key("::ffff:192.0.2.7"), "192.0.2.7");
    }
}
