//! Embedded migrations, one list per backend, applied in order. No advisory locks: a
//! migration's version row is inserted in the same transaction as its statements, so two
//! nodes migrating at once cannot both apply it.

/// A migration: its version, name and SQL.
pub(crate) struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

pub(crate) const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        name: "catalog",
        sql: include_str!("../migrations/sqlite/0001_catalog.sql"),
    },
    Migration {
        version: 2,
        name: "people",
        sql: include_str!("../migrations/sqlite/0002_people.sql"),
    },
    Migration {
        version: 3,
        name: "agency",
        sql: include_str!("../migrations/sqlite/0003_agency.sql"),
    },
    Migration {
        version: 4,
        name: "staff_hardening",
        sql: include_str!("../migrations/sqlite/0004_staff_hardening.sql"),
    },
    Migration {
        version: 5,
        name: "credentials_of_their_holder",
        sql: include_str!("../migrations/sqlite/0005_credentials_of_their_holder.sql"),
    },
];

pub(crate) const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        name: "catalog",
        sql: include_str!("../migrations/postgres/0001_catalog.sql"),
    },
    Migration {
        version: 2,
        name: "people",
        sql: include_str!("../migrations/postgres/0002_people.sql"),
    },
    Migration {
        version: 3,
        name: "agency",
        sql: include_str!("../migrations/postgres/0003_agency.sql"),
    },
    Migration {
        version: 4,
        name: "staff_hardening",
        sql: include_str!("../migrations/postgres/0004_staff_hardening.sql"),
    },
    Migration {
        version: 5,
        name: "credentials_of_their_holder",
        sql: include_str!("../migrations/postgres/0005_credentials_of_their_holder.sql"),
    },
];

/// The newest version this binary knows.
pub(crate) fn latest(list: &[Migration]) -> i64 {
    list.iter().map(|m| m.version).max().unwrap_or(0)
}
