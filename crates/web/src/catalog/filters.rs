//! The matter list's filters, checked against the catalog: each unknown value is a 400
//! naming its parameter.

use super::view::CatalogView;
use crate::params::Params;
use onetrip_app::Error;
use onetrip_domain::message::Message;
use onetrip_store::ImplementationSummary;

/// Whom a matter serves, for filtering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Person,
    Organization,
}

/// Filters of the matter list, validated against the catalog.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub department: Option<String>,
    pub life_event: Option<String>,
    pub audience: Option<Audience>,
    pub division: Option<String>,
    pub page: usize,
    pub per_page: usize,
}

impl Filters {
    pub fn parse(p: &Params, view: &CatalogView) -> Result<Filters, Error> {
        let unknown = |field: &str, value: &str, what: &'static str| {
            Error::bad_request(field, Message::new(what).text("value", value))
        };
        let department = p.get("department").map(str::to_string);
        if let Some(d) = &department {
            if !view.departments.contains_key(d) {
                return Err(unknown("department", d, "invalid-unknown-department"));
            }
        }
        let life_event = p.get("life_event").map(str::to_string);
        if let Some(e) = &life_event {
            if !view.life_events.iter().any(|l| &l.key == e) {
                return Err(unknown("life_event", e, "invalid-unknown-life-event"));
            }
        }
        let audience = match p.get("object") {
            None => None,
            Some("person") => Some(Audience::Person),
            Some("organization") => Some(Audience::Organization),
            Some(other) => {
                return Err(Error::bad_request(
                    "object",
                    Message::new("invalid-object").text("value", other),
                ))
            }
        };
        let division = p.get("division").map(str::to_string);
        if let Some(d) = &division {
            if !view.divisions.contains_key(d) {
                return Err(unknown("division", d, "invalid-unknown-division"));
            }
        }
        Ok(Filters {
            department,
            life_event,
            audience,
            division,
            page: p.number("page", 1, 1, 100_000)?,
            per_page: p.number("per_page", 20, 1, 100)?,
        })
    }

    pub fn matches(&self, s: &ImplementationSummary, view: &CatalogView) -> bool {
        self.department.as_ref().is_none_or(|d| &s.department == d)
            && self
                .life_event
                .as_ref()
                .is_none_or(|e| s.life_events.contains(e))
            && self.audience.is_none_or(|a| match a {
                Audience::Person => s.service_objects.iter().any(|o| o.is_person()),
                Audience::Organization => s.service_objects.iter().any(|o| !o.is_person()),
            })
            && self
                .division
                .as_ref()
                .is_none_or(|d| view.within(&s.division, d))
    }

    /// The matching summaries, sorted by name, and the total.
    pub fn apply<'a>(&self, view: &'a CatalogView) -> (Vec<&'a ImplementationSummary>, usize) {
        let mut all: Vec<&ImplementationSummary> = view
            .summaries
            .iter()
            .filter(|s| self.matches(s, view))
            .collect();
        all.sort_by(|a, b| {
            a.name
                .cmp(&b.name)
                .then_with(|| a.division.cmp(&b.division))
        });
        let total = all.len();
        let page: Vec<_> = all
            .into_iter()
            .skip((self.page - 1) * self.per_page)
            .take(self.per_page)
            .collect();
        (page, total)
    }

    /// The filters as a query string (without the page), for pagination links.
    pub fn query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(d) = &self.department {
            parts.push(format!("department={d}"));
        }
        if let Some(e) = &self.life_event {
            parts.push(format!("life_event={e}"));
        }
        if let Some(a) = self.audience {
            parts.push(format!(
                "object={}",
                if a == Audience::Person {
                    "person"
                } else {
                    "organization"
                }
            ));
        }
        if let Some(d) = &self.division {
            parts.push(format!("division={d}"));
        }
        parts.join("&")
    }
}
