//! Departments (the authorities that implement matters) and service places (the halls,
//! windows and village points that accept applications). A township hall usually accepts
//! county matters: the two are separate on purpose.

use crate::{CreditCode, DivisionCode};
use serde::{Deserialize, Serialize};

/// 部门: an authority with a unified social credit code, belonging to a division.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Department {
    pub code: CreditCode,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_name: Option<String>,
    pub division: DivisionCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// The kind of a place that accepts applications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    /// 政务服务中心 (county) or 便民服务中心 (township).
    ServiceCentre,
    /// 综合窗口: a front-desk window inside a centre.
    Window,
    /// 村（社区）便民服务点.
    VillagePoint,
    /// 自助终端.
    Kiosk,
}

/// A place that accepts applications.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServicePlace {
    /// A stable, readable identifier, e.g. `331123-centre`.
    pub code: String,
    pub name: String,
    pub kind: PlaceKind,
    pub division: DivisionCode,
    /// The centre a window or kiosk belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_hours: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}
