//! National enumerations of the implementation list (GB/T 39554 exchange fields), each with
//! its readable name in catalog files and its national code for export.

use serde::{Deserialize, Serialize};

macro_rules! national_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $key:literal, $code:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name { $(#[serde(rename = $key)] $variant,)+ }

        impl $name {
            /// Every value, in national-code order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The name used in catalog files, URLs and message keys.
            pub fn key(self) -> &'static str {
                match self { $($name::$variant => $key,)+ }
            }

            /// The code in the national exchange format.
            pub fn national_code(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            /// Parses a file/URL key.
            pub fn from_key(key: &str) -> Option<Self> {
                match key { $($key => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

national_enum!(
    /// 事项类型 (task_type).
    MatterType {
        AdministrativeLicence = "administrative_licence", "01";
        AdministrativePenalty = "administrative_penalty", "02";
        AdministrativeCompulsion = "administrative_compulsion", "03";
        AdministrativeLevy = "administrative_levy", "04";
        AdministrativePayment = "administrative_payment", "05";
        AdministrativeInspection = "administrative_inspection", "06";
        AdministrativeConfirmation = "administrative_confirmation", "07";
        AdministrativeReward = "administrative_reward", "08";
        AdministrativeAdjudication = "administrative_adjudication", "09";
        OtherAdministrativePower = "other_administrative_power", "10";
        PublicService = "public_service", "20";
    }
);

national_enum!(
    /// 行使层级 (use_level).
    UseLevel {
        National = "national", "1";
        Provincial = "provincial", "2";
        Municipal = "municipal", "3";
        County = "county", "4";
        Township = "township", "5";
        Village = "village", "6";
    }
);

national_enum!(
    /// 服务对象 (server_type).
    ServiceObject {
        NaturalPerson = "natural_person", "1";
        Enterprise = "enterprise", "2";
        PublicInstitution = "public_institution", "3";
        SocialOrganization = "social_organization", "4";
        NonLegalPersonEnterprise = "non_legal_person_enterprise", "5";
        GovernmentAgency = "government_agency", "6";
        OtherOrganization = "other_organization", "9";
    }
);

impl ServiceObject {
    /// Whether this object is a natural person (自然人) rather than an organization (法人).
    pub fn is_person(self) -> bool {
        self == ServiceObject::NaturalPerson
    }
}

national_enum!(
    /// 办件类型 (project_type).
    CaseType {
        OnTheSpot = "on_the_spot", "1";
        Promised = "promised", "2";
    }
);

national_enum!(
    /// 实施主体性质 (dept_type).
    DepartmentNature {
        StatutoryAuthority = "statutory_authority", "1";
        AuthorizedOrganization = "authorized_organization", "2";
        EntrustedOrganization = "entrusted_organization", "3";
    }
);

national_enum!(
    /// 权力来源 (power_source).
    PowerSource {
        StatutoryOwnLevel = "statutory_own_level", "1";
        DevolvedFromAbove = "devolved_from_above", "2";
        AuthorizedByHigherLevel = "authorized_by_higher_level", "3";
        AuthorizedBySameLevel = "authorized_by_same_level", "4";
        EntrustedByHigherLevel = "entrusted_by_higher_level", "5";
        EntrustedBySameLevel = "entrusted_by_same_level", "6";
    }
);

national_enum!(
    /// 网办深度 on the reform's four-step scale; exported as the national multi-valued
    /// online_handle_depth codes.
    OnlineDepth {
        InformationOnly = "information_only", "1";
        OnlinePreCheck = "online_pre_check", "1^2^3";
        OnlineAcceptance = "online_acceptance", "1^2^3^4";
        FullyOnline = "fully_online", "1^2^3^4^5^6";
    }
);

impl OnlineDepth {
    /// The depth as a number from 1 to 4; deeper is larger.
    pub fn level(self) -> u8 {
        match self {
            OnlineDepth::InformationOnly => 1,
            OnlineDepth::OnlinePreCheck => 2,
            OnlineDepth::OnlineAcceptance => 3,
            OnlineDepth::FullyOnline => 4,
        }
    }
}

national_enum!(
    /// 审批结果类型 (result_type).
    ResultType {
        Certificate = "certificate", "10";
        ApprovalDocument = "approval_document", "20";
        Other = "other", "30";
        NoResult = "none", "99";
    }
);

national_enum!(
    /// 材料类型 (material_type): original or copy.
    MaterialKind {
        Original = "original", "1";
        Copy = "copy", "2";
        OriginalOrCopy = "original_or_copy", "3";
        OriginalAndCopy = "original_and_copy", "6";
    }
);

national_enum!(
    /// 材料形式 (material_format): paper or electronic.
    MaterialForm {
        Paper = "paper", "01";
        Electronic = "electronic", "02";
        PaperOrElectronic = "paper_or_electronic", "03";
        PaperAndElectronic = "paper_and_electronic", "04";
    }
);

national_enum!(
    /// 来源渠道 (source_type): where a material comes from.
    MaterialSource {
        Applicant = "applicant", "1";
        CertificateLibrary = "certificate_library", "2";
        SharedData = "shared_data", "3";
        DepartmentGenerated = "department_generated", "4";
        Other = "other", "9";
    }
);

impl MaterialSource {
    /// Whether the platform can fetch the material instead of asking the applicant (免提交).
    pub fn is_reusable(self) -> bool {
        matches!(
            self,
            MaterialSource::CertificateLibrary | MaterialSource::SharedData
        )
    }
}

national_enum!(
    /// 时限单位 (anticipate_type / promise_type).
    LimitUnit {
        WorkingDay = "working_day", "1";
        NaturalDay = "natural_day", "2";
    }
);

national_enum!(
    /// 办理形式: the channels through which an application is accepted.
    Channel {
        Window = "window", "1";
        Online = "online", "2";
        Kiosk = "kiosk", "3";
        Assisted = "assisted", "4";
        Post = "post", "5";
        Api = "api", "6";
    }
);

national_enum!(
    /// 通办范围 (handle_area).
    HandleArea {
        Nationwide = "nationwide", "1";
        Province = "province", "2";
        City = "city", "3";
        County = "county", "4";
        Township = "township", "5";
        Village = "village", "6";
    }
);

national_enum!(
    /// Roles that a back-office flow step can require.
    StepRole {
        WindowClerk = "window_clerk", "window";
        Handler = "handler", "handle";
        Reviewer = "reviewer", "review";
        Approver = "approver", "approve";
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_are_unique() {
        for v in MatterType::ALL {
            assert_eq!(MatterType::from_key(v.key()), Some(*v));
        }
        let codes: std::collections::BTreeSet<_> =
            MatterType::ALL.iter().map(|m| m.national_code()).collect();
        assert_eq!(codes.len(), MatterType::ALL.len());
        assert_eq!(MatterType::PublicService.national_code(), "20");
        assert_eq!(MatterType::from_key("nonsense"), None);
    }

    #[test]
    fn online_depth_orders_by_level() {
        assert!(OnlineDepth::FullyOnline.level() > OnlineDepth::InformationOnly.level());
        assert_eq!(OnlineDepth::OnlineAcceptance.level(), 3);
    }

    #[test]
    fn serde_uses_snake_case_keys() -> Result<(), serde_json::Error> {
        let json = serde_json::to_string(&ServiceObject::NaturalPerson)?;
        assert_eq!(json, "\"natural_person\"");
        Ok(())
    }
}
