//! The living demo hall: the county bureaus and every township staffed (a handler, a
//! reviewer and an approver each, a window clerk in each township centre), every
//! department's matters delegated to the service centres the catalog lists them at, and
//! cases in every state, some of them weeks old, so a newcomer sees a hall at work.

use crate::cases::{
    AcceptRequest, ApplicantRef, ApplicationRequest, DecisionRequest, DeliveryRequest,
};
use crate::staff::Actor;
use crate::{App, Error, Signed};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use onetrip_domain::access::{Delegation, Role};
use onetrip_domain::case::intake::holds;
use onetrip_domain::catalog::form::FieldKind;
use onetrip_domain::clock::{Clock as _, ManualClock};
use onetrip_domain::department::PlaceKind;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// County bureaus (besides civil affairs, staffed in [`crate::demo::DEMO_STAFF`]): login
/// prefix and department.
const BUREAUS: &[(&str, &str)] = &[
    ("renshe", "11331199MB1A00230Y"),
    ("yibao", "11331199MB1A00370Q"),
    ("ziranziyuan", "11331199MB1A00450C"),
    ("shichang", "11331199MB1A005805"),
    ("gongan", "11331199MB1A00660Q"),
    ("weijian", "11331199MB1A00740C"),
    ("zhujian", "11331199MB1A008200"),
    ("shuiwu", "11331199MB1A00990W"),
    ("nongye", "11331199MB1A01030T"),
    ("canlian", "11331199MB1A01110E"),
];

/// Townships: login prefix, division, the township government, its service centre.
const TOWNSHIPS: &[(&str, &str, &str, &str)] = &[
    (
        "chengguan",
        "331199001",
        "11331199MB1A020100",
        "331199001-centre",
    ),
    (
        "shimen",
        "331199101",
        "11331199MB1A02190X",
        "331199101-centre",
    ),
    (
        "yunfeng",
        "331199102",
        "11331199MB1A023505",
        "331199102-centre",
    ),
    (
        "taoyuan",
        "331199201",
        "11331199MB1A02270H",
        "331199201-centre",
    ),
];

const COUNTY: &str = "331199";
const COUNTY_CENTRE: &str = "331199-centre";

const SURNAMES: &[&str] = &[
    "张", "刘", "杨", "黄", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高",
];
const GIVEN: &[&str] = &[
    "志强", "秀兰", "建华", "丽娟", "海燕", "国平", "春梅", "晓东", "玉英", "文斌", "雪芳", "立新",
];

/// Every demo staff account beyond the fixed ones: login, name, organization, role,
/// division.
pub fn hall_staff() -> Vec<(String, String, String, Role, String)> {
    let mut out = Vec::new();
    let roles = [
        ("handler", Role::Handler),
        ("reviewer", Role::Reviewer),
        ("approver", Role::Approver),
    ];
    let mut n = 0usize;
    let mut name = || {
        n += 1;
        format!(
            "{}{}",
            SURNAMES[n % SURNAMES.len()],
            GIVEN[(n * 7) % GIVEN.len()]
        )
    };
    for (slug, department) in BUREAUS {
        for (suffix, role) in roles {
            out.push((
                format!("{slug}.{suffix}"),
                name(),
                (*department).to_string(),
                role,
                "331199".to_string(),
            ));
        }
    }
    for (slug, division, government, centre) in TOWNSHIPS {
        if *slug != "shimen" {
            out.push((
                format!("{slug}.window"),
                name(),
                (*centre).to_string(),
                Role::WindowClerk,
                (*division).to_string(),
            ));
        }
        for (suffix, role) in roles {
            out.push((
                format!("{slug}.{suffix}"),
                name(),
                (*government).to_string(),
                role,
                (*division).to_string(),
            ));
        }
    }
    out
}

impl App {
    /// Delegates each department's matters to the service centres the catalog lists them
    /// at (other than the department itself).
    pub(crate) async fn seed_delegations(&self, actor: &Actor) -> Result<usize, Error> {
        let centres: BTreeSet<String> = self
            .store
            .places()
            .await?
            .into_iter()
            .filter(|p| p.kind == PlaceKind::ServiceCentre)
            .map(|p| p.code)
            .collect();
        let mut wanted: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
        let today = self.clock.today();
        for s in self.store.implementation_summaries(today).await? {
            let Some(imp) = self.store.implementation(&s.code, today).await? else {
                continue;
            };
            for place in &imp.resolved.implementation.places {
                if centres.contains(place) && *place != s.department {
                    wanted
                        .entry((s.department.clone(), place.clone()))
                        .or_default()
                        .insert(s.base_code.clone());
                }
            }
        }
        // The county centre's general windows accept every county bureau's matters (一窗通办).
        for d in self.store.departments().await? {
            if d.division.as_str() == COUNTY {
                wanted.insert(
                    (d.code.to_string(), COUNTY_CENTRE.to_string()),
                    BTreeSet::new(),
                );
            }
        }
        let admin = self.staff();
        let made = wanted.len();
        for ((department, place), matters) in wanted {
            admin
                .add_delegation(
                    actor,
                    Delegation {
                        department,
                        place,
                        matters: matters.into_iter().collect(),
                    },
                )
                .await?;
        }
        Ok(made)
    }

    /// A staff member as the demo acts for them (no session: the demo is not a sign-in).
    async fn demo_signed(&self, login: &str) -> Result<Signed, Error> {
        let account = self
            .store
            .account_by_login(login)
            .await?
            .ok_or_else(|| Error::Internal(format!("demo account {login}")))?;
        let grants =
            crate::principal::effective(&account.id, self.store.grants_of(&account.id).await?)
                .into_iter()
                .map(|g| g.grant)
                .collect();
        Ok(Signed {
            account,
            grants,
            session: None,
            source: "demo".into(),
        })
    }

    /// Cases in every state, made through the same use cases as staff use, on a clock
    /// set back so that some are weeks old: one delivered, one concluded, one decided, one
    /// in progress and overdue (escalated), one nearing its limit, one claimed, one back
    /// with the applicant for correction, one accepted with a material to follow, one
    /// terminated for want of it, one waiting at the window, one incomplete with its
    /// notice, one refused.
    pub(crate) async fn seed_demo_cases(&self) -> Result<usize, Error> {
        let cal = self.cases.calendar();
        let today = self.clock.today();
        let clock = Arc::new(ManualClock::new(self.clock.now()));
        let app = App {
            clock: clock.clone(),
            ..self.clone()
        };
        let at = |days_back: u32| -> Result<DateTime<Utc>, Error> {
            let mut d = today;
            let mut left = days_back;
            while left > 0 {
                d -= Duration::days(1);
                if cal.is_working_day(d).unwrap_or(false) {
                    left -= 1;
                }
            }
            morning(d)
        };
        let clerk = app.demo_signed("clerk").await?;
        let handler = app.demo_signed("handler").await?;
        let approver = app.demo_signed("approver").await?;
        let applicant = self
            .store
            .account_by_login(&crate::security::applicant_login(
                &self.security,
                "resident_id_card",
                crate::demo::DEMO_APPLICANT.1,
            ))
            .await?
            .ok_or_else(|| Error::Internal("demo applicant".into()))?;
        let elder = "11331199MB1A001006000105001000";
        let relief = "11331199MB1A001006000105004000";
        let mut made = 0;
        let submit = |code: &'static str, missing: Option<String>| {
            let app = app.clone();
            let clerk = clerk.clone();
            let applicant = applicant.id.clone();
            async move {
                let imp = app
                    .store
                    .implementation(code, app.clock.today())
                    .await?
                    .ok_or_else(|| Error::Internal(format!("demo matter {code}")))?;
                let (form, mut materials) = filled(&imp.resolved.content);
                if let Some(m) = missing {
                    materials.insert(m, "missing".into());
                }
                let req = ApplicationRequest {
                    matter: code.into(),
                    applicant: ApplicantRef {
                        account_id: Some(applicant),
                        ..ApplicantRef::default()
                    },
                    representation_id: None,
                    form,
                    materials,
                    idempotency_key: None,
                    delivery: None,
                    delivery_address: None,
                    consents: vec!["data_sharing".into(), "notifications".into()],
                };
                let done = app.submit_as(&clerk, &req, Some("window"), None).await?;
                done.cases
                    .first()
                    .map(|c| c.id.clone())
                    .ok_or_else(|| Error::Internal("demo case".into()))
            }
        };
        let pass = DecisionRequest {
            decision: "pass".into(),
            reason: None,
        };
        let open_task = |app: &App, id: String| {
            let app = app.clone();
            async move {
                let case = app
                    .store
                    .case(&id)
                    .await?
                    .ok_or_else(|| Error::Internal("demo case".into()))?;
                case.doc
                    .tasks
                    .iter()
                    .find(|t| t.state.is_live())
                    .map(|t| t.id.clone())
                    .ok_or_else(|| Error::Internal("demo task".into()))
            }
        };
        let work = |who: &Signed, id: &str, decision: &DecisionRequest| {
            let (app, who, id, decision) =
                (app.clone(), who.clone(), id.to_string(), decision.clone());
            async move {
                let task = open_task(&app, id.clone()).await?;
                app.claim(&who, &id, &task).await?;
                app.decide(&who, &id, &task, &decision).await
            }
        };
        // Delivered, concluded, decided: through the whole flow weeks ago.
        for (back, until) in [(22, "delivered"), (16, "concluded"), (9, "decided")] {
            clock.set(at(back)?);
            let id = submit(elder, None).await?;
            app.accept(
                &clerk,
                &id,
                &AcceptRequest {
                    deficiency_due: None,
                },
            )
            .await?;
            clock.set(at(back - 2)? + Duration::hours(2));
            work(&handler, &id, &pass).await?;
            clock.set(at(back - 3)? + Duration::hours(1));
            work(&approver, &id, &pass).await?;
            if until != "decided" {
                clock.set(at(back - 4)?);
                app.conclude(&clerk, &id).await?;
            }
            if until == "delivered" {
                clock.set(at(back - 5)? + Duration::hours(3));
                let how = DeliveryRequest {
                    method: "window".into(),
                    address: None,
                    tracking: None,
                };
                app.deliver(&clerk, &id, &how).await?;
            }
            made += 1;
        }
        // Overdue (escalated by the sweep below), nearing its limit, and claimed.
        let first_days = {
            let imp = self
                .store
                .implementation(relief, today)
                .await?
                .ok_or_else(|| Error::Internal(format!("demo matter {relief}")))?;
            onetrip_domain::case::CaseDoc::flow(&imp.resolved.content)
                .steps
                .iter()
                .find(|s| s.role != "window_clerk")
                .map_or(3, |s| u32::from(s.days))
        };
        for back in [first_days + 10, first_days.saturating_sub(1).max(1), 1] {
            clock.set(at(back)?);
            let id = submit(relief, None).await?;
            app.accept(
                &clerk,
                &id,
                &AcceptRequest {
                    deficiency_due: None,
                },
            )
            .await?;
            if back == 1 {
                let task = open_task(&app, id.clone()).await?;
                app.claim(&handler, &id, &task).await?;
            }
            made += 1;
        }
        // Back with the applicant for correction.
        clock.set(at(6)?);
        let id = submit(relief, None).await?;
        app.accept(
            &clerk,
            &id,
            &AcceptRequest {
                deficiency_due: None,
            },
        )
        .await?;
        let back = DecisionRequest {
            decision: "return".into(),
            reason: Some("困难情况说明未写明发生时间，请补充后再提交".into()),
        };
        work(&handler, &id, &back).await?;
        made += 1;
        // Accepted with a material to follow; and one whose date passed (terminated by
        // the sweep below).
        if let Some(deferrable) = self.material(relief, true).await? {
            for (back, due_in) in [(3, 8), (15, 2)] {
                clock.set(at(back)?);
                let id = submit(relief, Some(deferrable.clone())).await?;
                let due = cal
                    .add_working_days(clock.today(), due_in)
                    .map_err(|e| Error::Internal(e.to_string()))?;
                let req = AcceptRequest {
                    deficiency_due: Some(due.to_string()),
                };
                app.accept(&clerk, &id, &req).await?;
                made += 1;
            }
        }
        // Today at the window: waiting, incomplete with its notice, refused.
        clock.set(self.clock.now().min(morning(today)? + Duration::hours(1)));
        submit(elder, None).await?;
        if let Some(needed) = self.material(relief, false).await? {
            let id = submit(relief, Some(needed)).await?;
            app.notice(&clerk, &id).await?;
            made += 1;
        }
        let id = submit(elder, None).await?;
        app.refuse(&clerk, &id, "申请人户籍不在本县，请向户籍所在地申请")
            .await?;
        made += 1;
        made += 1;
        clock.set(self.clock.now());
        app.sweep().await?;
        Ok(made)
    }

    /// A required material of a matter, one that may follow after acceptance (容缺) or
    /// one that may not.
    async fn material(&self, code: &str, deferrable: bool) -> Result<Option<String>, Error> {
        let imp = self.store.implementation(code, self.clock.today()).await?;
        Ok(imp.and_then(|p| {
            p.resolved
                .content
                .materials
                .iter()
                .find(|m| m.required && m.deficiency_allowed == deferrable && m.when.is_none())
                .map(|m| m.id.clone())
        }))
    }
}

impl App {
    /// API tokens of demo staff, each for all the business roles the account holds,
    /// issued through the real sign-in (password, then the current code of the enrolled
    /// second factor) and the holder's own token issue: for benchmarks and crash tests
    /// that act as department systems.
    pub async fn demo_tokens(&self, logins: &[&str]) -> Result<Vec<String>, Error> {
        let mut out = Vec::new();
        for login in logins {
            let source = std::net::IpAddr::from([127, 0, 0, 1]);
            let step = self
                .password_login(login, crate::demo::DEMO_PASSWORD, source, None)
                .await?;
            let crate::login::LoginStep::SecondFactor { cookie, .. } = step else {
                return Err(Error::Internal(format!("{login}: no second factor asked")));
            };
            let missing = || Error::Internal(format!("{login}: no session"));
            let half = self
                .by_session(&cookie, "127.0.0.1")
                .await?
                .ok_or_else(missing)?;
            let sealed = half
                .account
                .totp_secret
                .clone()
                .ok_or_else(|| Error::Internal(format!("{login}: no second factor")))?;
            let b32 = self
                .security
                .cipher
                .open_field(crate::login::TOTP_CONTEXT, &sealed)?;
            let secret = onetrip_domain::auth::TotpSecret::from_base32(&b32)
                .ok_or_else(|| Error::Internal(format!("{login}: second factor")))?;
            let code = secret.code_at(self.clock.now().timestamp());
            let done = self.second_factor(&half, &code, None, None).await?;
            let signed = self
                .by_session(&done.cookie, "127.0.0.1")
                .await?
                .ok_or_else(missing)?;
            let roles: Vec<String> = signed
                .grants
                .iter()
                .filter(|g| !g.role.is_administrator())
                .map(|g| g.role.key().to_string())
                .collect();
            let issued = self
                .staff()
                .issue_own_token(&signed, "demo", roles, Some(1))
                .await?;
            out.push(issued.token);
        }
        Ok(out)
    }
}

/// 09:30 China time on a day.
fn morning(d: NaiveDate) -> Result<DateTime<Utc>, Error> {
    let t = d
        .and_hms_opt(1, 30, 0)
        .ok_or_else(|| Error::Internal("demo time".into()))?;
    Ok(Utc.from_utc_datetime(&t))
}

/// A complete application for a matter: each field answered as a resident of the demo
/// county would, each required material presented in original.
pub fn filled(
    content: &onetrip_domain::catalog::matter::Content,
) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let mut form = BTreeMap::new();
    for f in &content.form {
        let value = match f.kind {
            FieldKind::Choice => f.options.first().cloned().unwrap_or_default(),
            FieldKind::Number => f.min.unwrap_or(1.0).max(1.0).to_string(),
            FieldKind::Date => "2026-01-05".into(),
            FieldKind::IdNumber => crate::demo::DEMO_APPLICANT.1.into(),
            FieldKind::CreditCode => "11331199MB1A001006".into(),
            FieldKind::Phone => crate::demo::DEMO_APPLICANT.2.into(),
            FieldKind::Address => "青溪县石门镇石门村 12 号".into(),
            FieldKind::Text => format!("{}（示例）", f.label)
                .chars()
                .take(f.max_length.unwrap_or(50) as usize)
                .collect(),
        };
        form.insert(f.key.clone(), value);
    }
    let materials = content
        .materials
        .iter()
        .filter(|m| m.required && holds(&m.when, &form))
        .map(|m| (m.id.clone(), "original".to_string()))
        .collect();
    (form, materials)
}
