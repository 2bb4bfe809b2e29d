//! Files uploaded for a material: the type is read from the content (PDF, JPEG or PNG,
//! whatever the name says), the name is checked, and sizes are bounded per file and per
//! application.

use crate::catalog::matter::Material;
use crate::codes::MaterialForm;
use crate::message::{Explain, Message};

/// The largest file accepted.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// The most all of one application's files may weigh together.
pub const MAX_APPLICATION_BYTES: usize = 40 * 1024 * 1024;
/// The most files one material may have.
pub const MAX_FILES_PER_MATERIAL: usize = 10;
/// The longest name kept, in characters.
const MAX_NAME_CHARS: usize = 120;

/// A type of file the hall accepts, told by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Pdf,
    Jpeg,
    Png,
}

impl FileType {
    /// The type the content has, if it is one the hall accepts.
    pub fn sniff(bytes: &[u8]) -> Option<FileType> {
        if bytes.starts_with(b"%PDF-") {
            Some(FileType::Pdf)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileType::Jpeg)
        } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            Some(FileType::Png)
        } else {
            None
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
        }
    }

    pub fn from_mime(mime: &str) -> Option<FileType> {
        [FileType::Pdf, FileType::Jpeg, FileType::Png]
            .into_iter()
            .find(|t| t.mime() == mime)
    }
}

/// Why an upload was refused; each names the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    #[error("文件“{0}”是空的")]
    Empty(String),
    #[error("文件“{0}”超过单个文件大小上限")]
    TooLarge(String),
    #[error("文件“{0}”使本次申请的附件超过总大小上限")]
    ApplicationTooLarge(String),
    #[error("文件名“{0}”不能含有路径或控制字符")]
    BadName(String),
    #[error("文件“{0}”不是 PDF、JPEG 或 PNG")]
    NotAllowedType(String),
    #[error("材料“{material}”只收纸质件，不能上传文件“{name}”")]
    PaperOnly { name: String, material: String },
    #[error("材料“{0}”的文件已达上限")]
    TooMany(String),
}

impl Explain for UploadError {
    fn explain(&self) -> Message {
        match self {
            UploadError::Empty(n) => Message::new("upload-empty").text("name", n),
            UploadError::TooLarge(n) => Message::new("upload-too-large")
                .text("name", n)
                .number("mib", MAX_FILE_BYTES / (1024 * 1024)),
            UploadError::ApplicationTooLarge(n) => Message::new("upload-application-too-large")
                .text("name", n)
                .number("mib", MAX_APPLICATION_BYTES / (1024 * 1024)),
            UploadError::BadName(n) => Message::new("upload-bad-name").text("name", n),
            UploadError::NotAllowedType(n) => Message::new("upload-type").text("name", n),
            UploadError::PaperOnly { name, material } => Message::new("upload-paper-only")
                .text("name", name)
                .text("material", material),
            UploadError::TooMany(m) => Message::new("upload-too-many")
                .text("material", m)
                .number("count", MAX_FILES_PER_MATERIAL),
        }
    }
}

/// A file's name as it may be shown again: no folder, no `..`, no control or bidirectional
/// characters, not empty, at most 120 characters. The name is for people only; the file is
/// stored under its content's hash.
pub fn file_name(name: &str) -> Result<String, UploadError> {
    let shown: String = name.chars().filter(|c| !c.is_control()).take(40).collect();
    let bad = || UploadError::BadName(shown.clone());
    let trimmed = name.trim();
    let forbidden = |c: char| {
        c.is_control()
            || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
            || ('\u{202A}'..='\u{202E}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    };
    if trimmed.is_empty()
        || trimmed.chars().any(forbidden)
        || trimmed.starts_with('.')
        || trimmed.contains("..")
        || trimmed.chars().count() > MAX_NAME_CHARS
    {
        return Err(bad());
    }
    Ok(trimmed.to_string())
}

/// Checks one file for `material`: its name, that it is not empty and within the limits
/// (`already`: bytes of the application's other files; `count`: the material's files so far),
/// that the material may be electronic, and its type by content.
pub fn check(
    material: &Material,
    name: &str,
    bytes: &[u8],
    already: usize,
    count: usize,
) -> Result<(String, FileType), UploadError> {
    let name = file_name(name)?;
    if material.form == MaterialForm::Paper {
        return Err(UploadError::PaperOnly {
            name,
            material: material.name.clone(),
        });
    }
    if count >= MAX_FILES_PER_MATERIAL {
        return Err(UploadError::TooMany(material.name.clone()));
    }
    if bytes.is_empty() {
        return Err(UploadError::Empty(name));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(UploadError::TooLarge(name));
    }
    if already.saturating_add(bytes.len()) > MAX_APPLICATION_BYTES {
        return Err(UploadError::ApplicationTooLarge(name));
    }
    let kind = FileType::sniff(bytes).ok_or_else(|| UploadError::NotAllowedType(name.clone()))?;
    Ok((name, kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn material(form: &str) -> Material {
        toml::from_str(&format!(
            "id = \"id_card\"\nname = \"居民身份证\"\nrequired = true\nform = \"{form}\""
        ))
        .unwrap()
    }

    const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n";
    const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0];

    #[test]
    fn the_type_is_read_from_the_content_not_the_name() {
        let m = material("paper_or_electronic");
        assert_eq!(check(&m, "scan.png", PNG, 0, 0).unwrap().1, FileType::Png);
        assert_eq!(check(&m, "身份证.jpg", PDF, 0, 0).unwrap().1, FileType::Pdf);
        let elf = b"\x7fELF\x02\x01\x01\0\0\0";
        assert_eq!(
            check(&m, "身份证.pdf", elf, 0, 0),
            Err(UploadError::NotAllowedType("身份证.pdf".into()))
        );
        let exe = b"MZ\x90\0\x03\0\0\0";
        assert!(matches!(
            check(&m, "身份证.pdf", exe, 0, 0),
            Err(UploadError::NotAllowedType(_))
        ));
    }

    #[test]
    fn empty_and_oversized_files_are_refused_by_name() {
        let m = material("electronic");
        assert_eq!(
            check(&m, "a.pdf", b"", 0, 0),
            Err(UploadError::Empty("a.pdf".into()))
        );
        let mut big = PDF.to_vec();
        big.resize(MAX_FILE_BYTES + 1, 0);
        assert_eq!(
            check(&m, "big.pdf", &big, 0, 0),
            Err(UploadError::TooLarge("big.pdf".into()))
        );
        assert_eq!(
            check(&m, "c.pdf", PDF, MAX_APPLICATION_BYTES - 2, 0),
            Err(UploadError::ApplicationTooLarge("c.pdf".into()))
        );
        assert!(check(&m, "c.pdf", PDF, MAX_APPLICATION_BYTES - PDF.len(), 0).is_ok());
        assert_eq!(
            check(&m, "c.pdf", PDF, 0, MAX_FILES_PER_MATERIAL),
            Err(UploadError::TooMany("居民身份证".into()))
        );
    }

    #[test]
    fn names_with_paths_or_control_characters_are_refused() {
        for bad in [
            "../身份证.pdf",
            "a/b.pdf",
            "C:\\x.pdf",
            "a\u{0}.pdf",
            "a\nb.pdf",
            "x\u{202E}fdp.exe",
            ".hidden.pdf",
            "  ",
        ] {
            assert!(
                matches!(file_name(bad), Err(UploadError::BadName(_))),
                "{bad:?}"
            );
        }
        assert_eq!(file_name(" 户口簿 第1页.jpg ").unwrap(), "户口簿 第1页.jpg");
        assert!(file_name(&"名".repeat(121)).is_err());
    }

    #[test]
    fn a_paper_only_material_takes_no_file() {
        assert_eq!(
            check(&material("paper"), "a.pdf", PDF, 0, 0),
            Err(UploadError::PaperOnly {
                name: "a.pdf".into(),
                material: "居民身份证".into()
            })
        );
    }
}
