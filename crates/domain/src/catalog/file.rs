//! The catalog's text files: `divisions.toml`, `departments.toml`, `places.toml`,
//! `life-events.toml` and one `matters/<name>.toml` per matter. Parsing reports file, line
//! and field; rendering writes the same format back.

use super::matter::{BaseMatter, Implementation};
use super::validate::{validate_batch, Target};
use crate::department::{Department, ServicePlace};
use crate::Division;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A life event (一件事) grouping matters people need together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifeEvent {
    pub key: String,
    pub name: String,
    pub summary: String,
}

/// One matter file: the base matter and its implementations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatterFile {
    pub matter: BaseMatter,
    #[serde(default)]
    pub implementation: Vec<Implementation>,
}

/// Everything in a catalog directory.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CatalogBatch {
    pub divisions: Vec<Division>,
    pub departments: Vec<Department>,
    pub places: Vec<ServicePlace>,
    pub life_events: Vec<LifeEvent>,
    pub matters: Vec<MatterFile>,
}

/// A file's path relative to the catalog directory, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

/// A problem in a catalog file, located by file, line and field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileError {
    pub file: String,
    pub line: Option<usize>,
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, " 第 {line} 行")?;
        }
        if let Some(field) = &self.field {
            write!(f, " 字段 {field}")?;
        }
        write!(f, "：{}", self.message)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DivisionsFile {
    #[serde(default)]
    division: Vec<Division>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DepartmentsFile {
    #[serde(default)]
    department: Vec<Department>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlacesFile {
    #[serde(default)]
    place: Vec<ServicePlace>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LifeEventsFile {
    #[serde(default)]
    life_event: Vec<LifeEvent>,
}

const DIVISIONS: &str = "divisions.toml";
const DEPARTMENTS: &str = "departments.toml";
const PLACES: &str = "places.toml";
const LIFE_EVENTS: &str = "life-events.toml";

/// Whether a path (relative, `/`-separated) is one of the catalog's data files.
pub fn is_catalog_file(path: &str) -> bool {
    matches!(path, DIVISIONS | DEPARTMENTS | PLACES | LIFE_EVENTS)
        || (path.starts_with("matters/") && path.ends_with(".toml") && !path[8..].contains('/'))
}

/// Parses and validates a catalog directory's files. Any problem fails the whole batch, with
/// every problem found listed.
pub fn parse_catalog(files: &[SourceFile]) -> Result<CatalogBatch, Vec<FileError>> {
    let mut batch = CatalogBatch::default();
    let mut errors = Vec::new();
    let mut matter_files: Vec<&SourceFile> = Vec::new();
    let mut sorted: Vec<&SourceFile> = files.iter().filter(|f| is_catalog_file(&f.path)).collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    for f in sorted {
        match f.path.as_str() {
            DIVISIONS => {
                if let Some(v) = parse_one::<DivisionsFile>(f, &mut errors) {
                    batch.divisions = v.division;
                }
            }
            DEPARTMENTS => {
                if let Some(v) = parse_one::<DepartmentsFile>(f, &mut errors) {
                    batch.departments = v.department;
                }
            }
            PLACES => {
                if let Some(v) = parse_one::<PlacesFile>(f, &mut errors) {
                    batch.places = v.place;
                }
            }
            LIFE_EVENTS => {
                if let Some(v) = parse_one::<LifeEventsFile>(f, &mut errors) {
                    batch.life_events = v.life_event;
                }
            }
            _ => {
                if let Some(v) = parse_one::<MatterFile>(f, &mut errors) {
                    batch.matters.push(v);
                    matter_files.push(f);
                }
            }
        }
    }
    for required in [DIVISIONS, DEPARTMENTS, PLACES] {
        if !files.iter().any(|f| f.path == required) {
            errors.push(FileError {
                file: required.into(),
                line: None,
                field: None,
                message: "缺少此文件".into(),
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let problems = validate_batch(&batch);
    if problems.is_empty() {
        return Ok(batch);
    }
    let source_of = |t: &Target| -> Option<&SourceFile> {
        let path = match t {
            Target::Divisions => DIVISIONS,
            Target::Departments => DEPARTMENTS,
            Target::Places => PLACES,
            Target::LifeEvents => LIFE_EVENTS,
            Target::Matter(i) => return matter_files.get(*i).copied(),
        };
        files.iter().find(|f| f.path == path)
    };
    Err(problems
        .into_iter()
        .map(|p| {
            let source = source_of(&p.target);
            FileError {
                file: source.map(|s| s.path.clone()).unwrap_or_default(),
                line: source.and_then(|s| line_of_path(&s.text, &p.path)),
                field: Some(p.path),
                message: p.message,
            }
        })
        .collect())
}

fn parse_one<T: serde::de::DeserializeOwned>(
    f: &SourceFile,
    errors: &mut Vec<FileError>,
) -> Option<T> {
    match toml::from_str::<T>(&f.text) {
        Ok(v) => Some(v),
        Err(e) => {
            let line = e.span().map(|s| line_of_offset(&f.text, s.start));
            let field = e.span().and_then(|s| field_at(&f.text, s.start));
            errors.push(FileError {
                file: f.path.clone(),
                line,
                field,
                message: plain_toml_message(e.message()),
            });
            None
        }
    }
}

/// Rewrites serde's English messages for the commonest mistakes into plain Chinese.
fn plain_toml_message(message: &str) -> String {
    let message = message.trim();
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or(rest);
        return format!("未知字段“{name}”（{message}）");
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or(rest);
        return format!("缺少必填字段“{name}”");
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let name = rest.split('`').next().unwrap_or(rest);
        return format!("取值“{name}”无效（{message}）");
    }
    if message.starts_with("invalid type") {
        return format!("类型不对（{message}）");
    }
    if message.contains("invalid") || message.contains("expected") {
        return format!("格式不对（{message}）");
    }
    message.to_string()
}

fn line_of_offset(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map_or(1, |s| s.matches('\n').count() + 1)
}

/// The key written at an offset (`key = ...`), for errors serde reports by position.
fn field_at(text: &str, offset: usize) -> Option<String> {
    let start = text.get(..offset)?.rfind('\n').map_or(0, |i| i + 1);
    let line = text.get(start..)?.lines().next()?;
    let key = line.split('=').next()?.trim();
    (!key.is_empty() && !key.starts_with('[') && line.contains('=')).then(|| key.to_string())
}

enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

fn segments(path: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, rest) = part.split_once('[').unwrap_or((part, ""));
        if !key.is_empty() {
            out.push(Segment::Key(key));
        }
        for idx in rest.split('[') {
            if let Ok(i) = idx.trim_end_matches(']').parse() {
                out.push(Segment::Index(i));
            }
        }
    }
    out
}

/// The line of a field path such as `implementation[1].overrides.materials[0].id`, as far
/// down the path as the file spells it (inherited fields fall back to their nearest parent).
pub fn line_of_path(text: &str, path: &str) -> Option<usize> {
    enum Node<'a> {
        Item(&'a toml_edit::Item),
        Table(&'a toml_edit::Table),
    }
    let doc = toml_edit::ImDocument::parse(text).ok()?;
    let mut node = Node::Item(doc.as_item());
    let mut best = None;
    for seg in segments(path) {
        let next = match (&node, seg) {
            (Node::Table(t), Segment::Key(k)) => t.get(k).map(Node::Item),
            (Node::Item(item), Segment::Key(k)) => item.get(k).map(Node::Item),
            (Node::Item(toml_edit::Item::ArrayOfTables(a)), Segment::Index(i)) => {
                a.get(i).map(Node::Table)
            }
            (Node::Item(item), Segment::Index(i)) => item.get(i).map(Node::Item),
            (Node::Table(_), Segment::Index(_)) => None,
        };
        let Some(next) = next else { break };
        let span = match &next {
            Node::Table(t) => t.span(),
            Node::Item(item) => item
                .span()
                .or_else(|| item.as_value().and_then(|v| v.span())),
        };
        if let Some(span) = span {
            best = Some(span.start);
        }
        node = next;
    }
    best.map(|offset| line_of_offset(text, offset))
}

/// Writes a batch back as catalog files (matters named by their basic code).
pub fn render_catalog(batch: &CatalogBatch) -> Result<Vec<SourceFile>, toml::ser::Error> {
    #[derive(Serialize)]
    struct D<'a> {
        division: &'a [Division],
    }
    #[derive(Serialize)]
    struct P<'a> {
        department: &'a [Department],
    }
    #[derive(Serialize)]
    struct Pl<'a> {
        place: &'a [ServicePlace],
    }
    #[derive(Serialize)]
    struct L<'a> {
        life_event: &'a [LifeEvent],
    }
    let mut out = vec![
        SourceFile {
            path: DIVISIONS.into(),
            text: toml::to_string_pretty(&D {
                division: &batch.divisions,
            })?,
        },
        SourceFile {
            path: DEPARTMENTS.into(),
            text: toml::to_string_pretty(&P {
                department: &batch.departments,
            })?,
        },
        SourceFile {
            path: PLACES.into(),
            text: toml::to_string_pretty(&Pl {
                place: &batch.places,
            })?,
        },
        SourceFile {
            path: LIFE_EVENTS.into(),
            text: toml::to_string_pretty(&L {
                life_event: &batch.life_events,
            })?,
        },
    ];
    for m in &batch.matters {
        out.push(SourceFile {
            path: format!("matters/{}.toml", m.matter.code),
            text: toml::to_string_pretty(m)?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_of_path_follows_arrays_of_tables() {
        let text = "[matter]\ncode = \"x\"\n\n[[implementation]]\ncode = \"a\"\n\n[[implementation]]\ncode = \"b\"\ndivision = \"9\"\n";
        assert_eq!(line_of_path(text, "implementation[1].division"), Some(9));
        assert_eq!(
            line_of_path(text, "implementation[1].overrides.materials"),
            Some(7)
        );
        assert_eq!(line_of_path(text, "matter.code"), Some(2));
    }

    #[test]
    fn toml_errors_name_line_and_field() {
        let files = vec![SourceFile {
            path: "divisions.toml".into(),
            text: "[[division]]\ncode = \"330000\"\nname = \"浙江省\"\nkind = \"province\"\nvalid_from = \"1983-01-01\"\ncolour = \"red\"\n".into(),
        }];
        let errors = parse_catalog(&files).err().unwrap_or_default();
        let first = &errors[0];
        assert_eq!(first.file, "divisions.toml");
        assert!(first.message.contains("未知字段“colour”"), "{first}");
        assert_eq!(first.line, Some(6), "{first}");
    }

    #[test]
    fn catalog_files_are_recognised() {
        assert!(is_catalog_file("matters/dibao.toml"));
        assert!(!is_catalog_file("matters/sub/x.toml"));
        assert!(!is_catalog_file("search/synonyms.toml"));
        assert!(is_catalog_file("places.toml"));
    }
}
