//! The book's snippets, as doctests.
//!
//! The build script turns every chapter under the book's `src/` into a module whose documentation
//! is the chapter itself (with `{{#include}}` links expanded), so `cargo test` compiles and runs
//! every ```rust block as a rustdoc doctest in edition 2024: `should_panic`, `no_run` and
//! `compile_fail` mean what rustdoc says they mean. Run one chapter's snippets with
//! `cargo test -p book-snippets --doc ch04`.

include!(concat!(env!("OUT_DIR"), "/chapters.rs"));

/// How many ```rust blocks (not `ignore`) the book holds, counted by the build script.
pub const RUST_SNIPPETS: usize = {
    let s = env!("BOOK_RUST_SNIPPETS").as_bytes();
    let mut n = 0;
    let mut i = 0;
    while i < s.len() {
        n = n * 10 + (s[i] - b'0') as usize;
        i += 1;
    }
    n
};
