//! Folder trees: copying one, and listing its files. Links are never followed (a submission
//! could point one anywhere).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// Every regular file below `dir` (not following links), sorted.
pub fn files(dir: &Path) -> Result<Vec<PathBuf>> {
    walk(dir, true)
}

/// Every regular file below `dir` that can be listed (not following links), sorted: a folder
/// that is missing or cannot be read adds none. For watching and fingerprinting trees, where a
/// folder may be absent or change while it is read.
pub fn readable_files(dir: &Path) -> Vec<PathBuf> {
    walk(dir, false).unwrap_or_default()
}

/// The regular files below `dir`, sorted; with `strict`, a folder or entry that cannot be read is
/// an error, else it is passed over.
fn walk(dir: &Path, strict: bool) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(entries) => entries,
            Err(_) if !strict => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", d.display())),
        };
        for entry in entries {
            let kind = entry.and_then(|entry| Ok((entry.file_type()?, entry.path())));
            match kind {
                Ok((kind, path)) if kind.is_dir() => stack.push(path),
                Ok((kind, path)) if kind.is_file() => out.push(path),
                Ok(_) => {}
                Err(_) if !strict => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Every file below `dir` whose extension is `ext`, sorted.
pub fn files_with_extension(dir: &Path, ext: &str) -> Result<Vec<PathBuf>> {
    Ok(files(dir)?
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect())
}

/// Copies every regular file below `from` to the same place below `to`.
pub fn copy(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    for file in files(from)? {
        let out = to.join(file.strip_prefix(from).expect("below the root"));
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(&file, &out).with_context(|| format!("cannot copy {}", file.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_and_lists_a_tree() {
        let base = std::env::temp_dir().join(format!("course-file-tree-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(base.join("a/b")).unwrap();
        std::fs::write(base.join("a/x.md"), "x").unwrap();
        std::fs::write(base.join("a/b/y.rs"), "y").unwrap();
        std::os::unix::fs::symlink("/etc", base.join("a/link")).unwrap();
        copy(&base.join("a"), &base.join("c")).unwrap();
        assert_eq!(std::fs::read_to_string(base.join("c/b/y.rs")).unwrap(), "y");
        assert!(!base.join("c/link").exists(), "links are not followed");
        assert_eq!(
            files_with_extension(&base.join("c"), "md").unwrap(),
            vec![base.join("c/x.md")]
        );
        assert_eq!(files(&base.join("c")).unwrap().len(), 2);
        assert_eq!(
            readable_files(&base.join("c")),
            files(&base.join("c")).unwrap()
        );
        assert!(readable_files(&base.join("missing")).is_empty());
        assert!(files(&base.join("missing")).is_err());
    }
}
