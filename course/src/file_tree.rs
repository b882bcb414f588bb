//! Folder trees: copying one, and listing its files. Links are never followed (a submission
//! could point one anywhere).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// Every regular file below `dir` (not following links), sorted.
pub fn files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in
            std::fs::read_dir(&d).with_context(|| format!("cannot read {}", d.display()))?
        {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() {
                out.push(entry.path());
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
    }
}
