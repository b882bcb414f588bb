//! The library half of the course tool: what its verbs and its own tests share.

#[cfg(feature = "instructor")]
pub mod book_build;
pub mod cargo_messages;
#[cfg(feature = "instructor")]
pub mod export;
pub mod file_tree;
#[cfg(feature = "instructor")]
pub mod gen_stubs;
#[cfg(feature = "instructor")]
pub mod grading;
#[cfg(feature = "instructor")]
mod log_capture;
pub mod manifest;
pub mod partial_build;
pub mod sandbox;
#[cfg(feature = "instructor")]
pub mod selfcheck;
pub mod testrun;
pub mod trace;

use std::path::PathBuf;

/// Where the manifest lives, relative to the workspace root.
pub const MANIFEST_PATH: &str = "exercises/info.toml";

/// The workspace root: the folder holding `book.toml` and the top `Cargo.toml`.
///
/// The tool is always built from inside the workspace (`cargo course`), so the root is found from
/// the crate's own location; `COURSE_ROOT` overrides it (the grader's pristine copies use that).
pub fn workspace_root() -> PathBuf {
    if let Some(root) = std::env::var_os("COURSE_ROOT") {
        return PathBuf::from(root);
    }
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
}
