//! A base matter, its implementations, and the guide content an implementation inherits.

use super::flow::Flow;
use super::form::{Condition, FormField};
use super::{CatalogCode, ImplementationCode};
use crate::codes::{
    CaseType, Channel, DepartmentNature, HandleArea, LimitUnit, MaterialForm, MaterialKind,
    MaterialSource, MatterType, OnlineDepth, PowerSource, ResultType, ServiceObject, UseLevel,
};
use crate::{CreditCode, DivisionCode};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

fn is_false(b: &bool) -> bool {
    !*b
}

/// 基本目录 entry: the standard matter set by an upper level, with the standard guide every
/// implementation inherits and may only narrow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaseMatter {
    /// 基本编码.
    pub code: CatalogCode,
    /// 地方基本编码.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_code: Option<String>,
    pub name: String,
    #[serde(rename = "type")]
    pub matter_type: MatterType,
    /// 行使层级.
    pub use_levels: Vec<UseLevel>,
    /// 计划生效日期 of the version in this file.
    pub effective_date: NaiveDate,
    /// 计划取消日期.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_date: Option<NaiveDate>,
    /// The standard guide, written `[matter.guide]` in catalog files.
    pub guide: Content,
}

/// Everything a guide tells: inherited by implementations, narrowed by their overrides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Content {
    /// One plain sentence: what the matter is for and who can get it.
    pub summary: String,
    /// 设定依据, structured.
    pub legal_basis: Vec<LegalBasis>,
    /// 服务对象.
    pub service_objects: Vec<ServiceObject>,
    /// 受理条件, one condition per entry.
    pub conditions: Vec<String>,
    /// 申请材料.
    #[serde(default)]
    pub materials: Vec<Material>,
    /// The application form's fields.
    #[serde(default)]
    pub form: Vec<FormField>,
    /// 法定办结时限.
    pub legal_limit: TimeLimit,
    /// 承诺办结时限.
    pub promised_limit: TimeLimit,
    /// 特别程序: procedures whose time does not count toward the limit.
    #[serde(default)]
    pub special_procedures: Vec<SpecialProcedure>,
    /// 收费项目; empty means free of charge.
    #[serde(default)]
    pub fees: Vec<Fee>,
    /// 到办事现场次数.
    pub visits: u8,
    /// 必须现场办理原因说明.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visits_reason: Option<String>,
    /// 网办深度.
    pub online_depth: OnlineDepth,
    /// 办件类型.
    pub case_type: CaseType,
    /// 办理流程 in plain steps for the applicant.
    pub steps: Vec<String>,
    /// 审批结果.
    pub result: ResultSpec,
    /// 常见问题.
    #[serde(default)]
    pub faq: Vec<Faq>,
    /// Everyday words people use for this matter (search synonyms).
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Life events (一件事) this matter belongs to, by key.
    #[serde(default)]
    pub life_events: Vec<String>,
    /// 面向自然人/法人事项主题分类.
    #[serde(default)]
    pub topics: Vec<String>,
    /// 数量限制.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity_limit: Option<String>,
    /// 中介服务.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intermediary_services: Option<String>,
    /// The back-office flow; an implementation may replace it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow: Option<Flow>,
}

/// One legal provision (法律法规名称, 依据文号, 条款号, 颁布机关, 实施日期, 条款内容).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalBasis {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// A time limit with its unit and explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeLimit {
    pub days: u16,
    #[serde(default = "working_day")]
    pub unit: LimitUnit,
}

fn working_day() -> LimitUnit {
    LimitUnit::WorkingDay
}

impl TimeLimit {
    /// Whether this limit is longer than another. Natural days are compared as working days
    /// at 5 of every 7, the conservative reading.
    pub fn is_longer_than(&self, other: &TimeLimit) -> bool {
        self.in_fifths_of_weeks() > other.in_fifths_of_weeks()
    }

    fn in_fifths_of_weeks(&self) -> u32 {
        match self.unit {
            LimitUnit::WorkingDay => u32::from(self.days) * 7,
            LimitUnit::NaturalDay => u32::from(self.days) * 5,
        }
    }
}

/// 特别程序 (hearing, inspection, expert review...), excluded from the time limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecialProcedure {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_days: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
}

/// 收费项目.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fee {
    pub name: String,
    /// 收费标准 in words, e.g. "每件 80 元".
    pub standard: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub reducible: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reduction_basis: Option<String>,
}

/// 审批结果.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultSpec {
    pub name: String,
    #[serde(rename = "type")]
    pub result_type: ResultType,
    /// The certificate type issued into the certificate library, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<String>,
}

/// 常见问题.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Faq {
    pub question: String,
    pub answer: String,
}

/// 申请材料: one required or optional material.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Material {
    /// Stable key, compared across a base and its implementations.
    pub id: String,
    pub name: String,
    pub required: bool,
    #[serde(default = "original")]
    pub kind: MaterialKind,
    #[serde(default = "paper")]
    pub form: MaterialForm,
    #[serde(default = "one")]
    pub copies: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paper_size: Option<String>,
    #[serde(default = "applicant")]
    pub source: MaterialSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_note: Option<String>,
    /// The certificate type that can replace it from the certificate library.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_type: Option<String>,
    /// 容缺: may be missing at acceptance, supplied later.
    #[serde(default, skip_serializing_if = "is_false")]
    pub deficiency_allowed: bool,
    /// 告知承诺: a signed commitment may replace it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub commitment_allowed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blank_form: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acceptance_standard: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_basis: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Needed only in this situation (情形), given by a form field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
}

fn original() -> MaterialKind {
    MaterialKind::Original
}
fn paper() -> MaterialForm {
    MaterialForm::Paper
}
fn one() -> u8 {
    1
}
fn applicant() -> MaterialSource {
    MaterialSource::Applicant
}

/// 实施清单: one region's version of a base matter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Implementation {
    /// 实施编码.
    pub code: ImplementationCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_code: Option<String>,
    /// 业务办理项编码.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle_item_code: Option<String>,
    pub division: DivisionCode,
    /// 实施主体 by credit code.
    pub department: CreditCode,
    #[serde(default = "statutory")]
    pub department_nature: DepartmentNature,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entrusting_department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power_source: Option<PowerSource>,
    /// 联办机构.
    #[serde(default)]
    pub co_departments: Vec<String>,
    /// Places (by code) that accept applications for it.
    pub places: Vec<String>,
    /// 办理地点; defaults to the first place's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// 办理时间; defaults to the first place's hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_hours: Option<String>,
    /// 咨询方式.
    pub consultation: String,
    /// 监督投诉方式.
    pub complaint: String,
    pub channels: Vec<Channel>,
    /// 是否支持预约办理.
    #[serde(default, skip_serializing_if = "is_false")]
    pub appointment: bool,
    /// 是否支持物流快递.
    #[serde(default, skip_serializing_if = "is_false")]
    pub postal_delivery: bool,
    /// 是否支持网上支付.
    #[serde(default, skip_serializing_if = "is_false")]
    pub online_payment: bool,
    /// 是否进驻政务大厅.
    #[serde(default = "yes")]
    pub in_hall: bool,
    /// 通办范围.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle_area: Option<HandleArea>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_url: Option<String>,
    /// 计划生效日期 of the version in this file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_date: Option<NaiveDate>,
    /// 扩展字段.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    /// What this region changes in the base guide; anything absent is inherited.
    #[serde(default, skip_serializing_if = "Overrides::is_empty")]
    pub overrides: Overrides,
    /// Declared local deviations: contradictions of the base accepted with a reason.
    #[serde(default)]
    pub deviations: Vec<Deviation>,
}

fn statutory() -> DepartmentNature {
    DepartmentNature::StatutoryAuthority
}
fn yes() -> bool {
    true
}

/// A declared deviation from the base matter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deviation {
    /// The contradiction's key as `catalog check` names it, e.g. `material:village_certificate`.
    pub key: String,
    pub reason: String,
}

macro_rules! overrides {
    ($($field:ident : $ty:ty,)+) => {
        /// The content fields an implementation may replace.
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct Overrides {
            $(
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )+
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub flow: Option<Flow>,
            /// Base materials this implementation does not ask for, by id.
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            pub drop_materials: Vec<String>,
            /// Single materials changed by id (in the base's place) or added (at the end),
            /// without restating the others.
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            pub material_updates: Vec<Material>,
        }

        impl Overrides {
            pub fn is_empty(&self) -> bool {
                self.flow.is_none()
                    && self.drop_materials.is_empty()
                    && self.material_updates.is_empty()
                    $(&& self.$field.is_none())+
            }

            /// The base content with these overrides applied.
            pub fn apply(&self, base: &Content) -> Content {
                let mut content = Content {
                    $($field: self.$field.clone().unwrap_or_else(|| base.$field.clone()),)+
                    legal_basis: base.legal_basis.clone(),
                    service_objects: base.service_objects.clone(),
                    keywords: base.keywords.clone(),
                    life_events: base.life_events.clone(),
                    topics: base.topics.clone(),
                    result: base.result.clone(),
                    flow: self.flow.clone().or_else(|| base.flow.clone()),
                };
                if self.materials.is_none() {
                    content.materials.retain(|m| !self.drop_materials.contains(&m.id));
                    for update in &self.material_updates {
                        match content.materials.iter_mut().find(|m| m.id == update.id) {
                            Some(m) => *m = update.clone(),
                            None => content.materials.push(update.clone()),
                        }
                    }
                }
                content
            }
        }
    };
}

overrides! {
    summary: String,
    conditions: Vec<String>,
    materials: Vec<Material>,
    form: Vec<FormField>,
    legal_limit: TimeLimit,
    promised_limit: TimeLimit,
    special_procedures: Vec<SpecialProcedure>,
    fees: Vec<Fee>,
    visits: u8,
    visits_reason: Option<String>,
    online_depth: OnlineDepth,
    case_type: CaseType,
    steps: Vec<String>,
    faq: Vec<Faq>,
    quantity_limit: Option<String>,
    intermediary_services: Option<String>,
}

/// An implementation together with the content it resolves to against its base version.
/// This is what a guide shows and what a case pins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolvedImplementation {
    pub implementation: Implementation,
    pub base_code: CatalogCode,
    pub base_version: i64,
    pub name: String,
    pub matter_type: MatterType,
    pub use_levels: Vec<UseLevel>,
    pub content: Content,
}

impl ResolvedImplementation {
    /// What an implementation shows against a base version: the base guide narrowed by
    /// the implementation's overrides.
    pub fn resolve(base: &BaseMatter, base_version: i64, imp: &Implementation) -> Self {
        ResolvedImplementation {
            implementation: imp.clone(),
            base_code: base.code.clone(),
            base_version,
            name: base.name.clone(),
            matter_type: base.matter_type,
            use_levels: base.use_levels.clone(),
            content: imp.overrides.apply(&base.guide),
        }
    }
}
