//! The catalog as a directory of text files (the other storage form of the catalog, for
//! review and exchange): reading every catalog file below a directory.

use crate::StoreError;
use onetrip_domain::catalog::file::{is_catalog_file, SourceFile};
use std::path::{Path, PathBuf};

/// Every catalog file below `root`, with `/`-separated relative paths, sorted.
pub fn read_catalog_dir(root: &Path) -> Result<Vec<SourceFile>, StoreError> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                walk(&path, out)?;
            } else {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut paths = Vec::new();
    walk(root, &mut paths)
        .map_err(|e| StoreError::Config(format!("无法读取目录 {}：{e}", root.display())))?;
    let mut files = Vec::new();
    for path in paths {
        let rel = path
            .strip_prefix(root)
            .map(|r| r.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        if is_catalog_file(&rel) {
            let text = std::fs::read_to_string(&path).map_err(|e| {
                StoreError::Config(format!(
                    "无法读取 {}（需要 UTF-8 文本）：{e}",
                    path.display()
                ))
            })?;
            files.push(SourceFile { path: rel, text });
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}
