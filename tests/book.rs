//! The guide in `book/` takes its code from files that CI compiles and runs, through
//! mdBook's `{{#include}}` and `{{#rustdoc_include}}` directives. This test keeps those
//! links whole without running mdBook:
//!
//! - every included file exists, and when an anchor is named, the file has both its
//!   `ANCHOR: name` and, after it, its `ANCHOR_END: name`;
//! - every chapter listed in `SUMMARY.md` exists;
//! - every compile error quoted in a `text` block (a line starting with `error:` or
//!   `error[`) is a line of one of the trybuild snapshots in `tests/ui/`, so the book shows
//!   what the compiler really says.

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn book_src() -> PathBuf {
    root().join("book/src")
}

/// Every `.md` file under `dir`, sorted.
fn markdown_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "md") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// One `{{#include path[:anchor]}}` or `{{#rustdoc_include ...}}`.
#[derive(Debug, PartialEq)]
struct Include {
    line: usize,
    path: String,
    /// `None` for a whole file or a line range (`:10`, `:3:9`, `::9`).
    anchor: Option<String>,
}

/// The include directives of a Markdown text. An escaped one (`\{{#include ...}}`) is text,
/// not a directive, as mdBook treats it.
fn includes(text: &str) -> Vec<Include> {
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(start) = rest.find("{{#") {
            let escaped = rest[..start].ends_with('\\');
            let after = &rest[start + 3..];
            let Some(end) = after.find("}}") else {
                break;
            };
            let directive = &after[..end];
            rest = &after[end + 2..];
            let Some(argument) = directive
                .strip_prefix("include ")
                .or_else(|| directive.strip_prefix("rustdoc_include "))
            else {
                continue;
            };
            if escaped {
                continue;
            }
            let argument = argument.trim();
            let (path, selector) = match argument.split_once(':') {
                Some((path, selector)) => (path, selector),
                None => (argument, ""),
            };
            let is_range = selector.is_empty()
                || selector.starts_with(|c: char| c.is_ascii_digit() || c == ':');
            found.push(Include {
                line: index + 1,
                path: path.trim().to_string(),
                anchor: (!is_range).then(|| selector.trim().to_string()),
            });
        }
    }
    found
}

/// Whether `line` holds the marker `marker` (`ANCHOR:` or `ANCHOR_END:`) for `name`, the way
/// mdBook reads it: the marker, optional spaces, then the name as a whole word.
fn has_marker(line: &str, marker: &str, name: &str) -> bool {
    line.match_indices(marker).any(|(at, _)| {
        let after = line[at + marker.len()..].trim_start();
        let word: String = after
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        word == name
    })
}

/// What is wrong with the includes of one Markdown file (empty when nothing is).
fn include_problems(md: &Path, text: &str) -> Vec<String> {
    let dir = md.parent().expect("a chapter lives in a directory");
    let mut problems = Vec::new();
    for include in includes(text) {
        let at = format!("{}:{}", md.display(), include.line);
        let target = dir.join(&include.path);
        let Ok(source) = fs::read_to_string(&target) else {
            problems.push(format!(
                "{at}: includes {}, which does not exist",
                include.path
            ));
            continue;
        };
        let Some(anchor) = include.anchor else {
            continue;
        };
        let lines: Vec<&str> = source.lines().collect();
        let start = lines.iter().position(|l| has_marker(l, "ANCHOR:", &anchor));
        let end = lines
            .iter()
            .rposition(|l| has_marker(l, "ANCHOR_END:", &anchor));
        match (start, end) {
            (None, _) => problems.push(format!("{at}: {} has no `ANCHOR: {anchor}`", include.path)),
            (Some(_), None) => problems.push(format!(
                "{at}: {} has no `ANCHOR_END: {anchor}`",
                include.path
            )),
            (Some(start), Some(end)) if end < start => problems.push(format!(
                "{at}: in {}, `ANCHOR_END: {anchor}` comes before `ANCHOR: {anchor}`",
                include.path
            )),
            _ => {}
        }
    }
    problems
}

/// The chapter files `SUMMARY.md` links to (drafts, written `()`, excluded).
fn summary_chapters(summary: &str) -> Vec<String> {
    let mut chapters = Vec::new();
    for line in summary.lines() {
        let mut rest = line;
        while let Some(start) = rest.find("](") {
            let after = &rest[start + 2..];
            let Some(end) = after.find(')') else {
                break;
            };
            let target = after[..end].trim();
            if !target.is_empty() && !target.contains("://") {
                chapters.push(target.split('#').next().unwrap_or(target).to_string());
            }
            rest = &after[end + 1..];
        }
    }
    chapters
}

/// Lines starting with `error:` or `error[` inside ```text blocks: quoted compiler errors.
fn quoted_errors(text: &str) -> Vec<(usize, String)> {
    let mut quoted = Vec::new();
    let mut in_text_block = false;
    let mut in_other_block = false;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            if in_text_block || in_other_block {
                in_text_block = false;
                in_other_block = false;
            } else if info.trim().split(',').next() == Some("text") {
                in_text_block = true;
            } else {
                in_other_block = true;
            }
            continue;
        }
        // A block inside a list item is indented; the quote is the text after the indent.
        if in_text_block && (trimmed.starts_with("error:") || trimmed.starts_with("error[")) {
            quoted.push((index + 1, trimmed.to_string()));
        }
    }
    quoted
}

/// Every line of every `tests/ui/*.stderr` snapshot.
fn snapshot_lines() -> Vec<String> {
    let mut lines = Vec::new();
    for entry in fs::read_dir(root().join("tests/ui")).expect("tests/ui exists") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_some_and(|ext| ext == "stderr") {
            let text = fs::read_to_string(&path).expect("a readable snapshot");
            lines.extend(text.lines().map(str::to_string));
        }
    }
    lines
}

#[test]
fn every_include_names_an_existing_file_and_anchor() {
    let chapters = markdown_files(&book_src());
    assert!(!chapters.is_empty(), "no chapters under book/src");
    let mut problems = Vec::new();
    let mut count = 0;
    for md in &chapters {
        let text = fs::read_to_string(md).expect("a readable chapter");
        count += includes(&text).len();
        problems.extend(include_problems(md, &text));
    }
    assert!(count > 0, "the book includes no code at all");
    assert!(
        problems.is_empty(),
        "broken includes:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_chapter_in_the_summary_exists() {
    let src = book_src();
    let summary = fs::read_to_string(src.join("SUMMARY.md")).expect("book/src/SUMMARY.md");
    let chapters = summary_chapters(&summary);
    assert!(!chapters.is_empty(), "SUMMARY.md lists no chapters");
    let missing: Vec<&String> = chapters.iter().filter(|c| !src.join(c).is_file()).collect();
    assert!(
        missing.is_empty(),
        "chapters listed in SUMMARY.md but missing: {missing:?}"
    );
}

#[test]
fn every_quoted_compile_error_is_in_a_snapshot() {
    let snapshots = snapshot_lines();
    let mut problems = Vec::new();
    for md in markdown_files(&book_src()) {
        let text = fs::read_to_string(&md).expect("a readable chapter");
        for (line, error) in quoted_errors(&text) {
            if !snapshots.contains(&error) {
                problems.push(format!("{}:{line}: {error}", md.display()));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "compile errors quoted in the book but found in no tests/ui/*.stderr:\n{}",
        problems.join("\n")
    );
}

// The checks themselves, on made-up chapters: they must catch what they are for.

fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("book_test")
        .join(name);
    fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

#[test]
fn the_parser_reads_every_form_of_the_directive() {
    let text = "\
{{#include ../../examples/a.rs}}
{{#include ../../examples/a.rs:anchor_one}} and {{#rustdoc_include b.rs:two}}
{{#include c.rs:10}} {{#include c.rs:3:9}} {{#include c.rs::9}} {{#include c.rs:3:}}
\\{{#include escaped.rs:not_a_directive}}
{{#title not an include}}";
    let found = includes(text);
    let summary: Vec<(usize, &str, Option<&str>)> = found
        .iter()
        .map(|i| (i.line, i.path.as_str(), i.anchor.as_deref()))
        .collect();
    assert_eq!(
        summary,
        [
            (1, "../../examples/a.rs", None),
            (2, "../../examples/a.rs", Some("anchor_one")),
            (2, "b.rs", Some("two")),
            (3, "c.rs", None),
            (3, "c.rs", None),
            (3, "c.rs", None),
            (3, "c.rs", None),
        ]
    );
}

#[test]
fn a_missing_file_or_anchor_is_reported() {
    let dir = scratch_dir("missing");
    fs::write(
        dir.join("code.rs"),
        "// ANCHOR: whole\nfn a() {}\n// ANCHOR_END: whole\n// ANCHOR: half\nfn b() {}\n\
         // ANCHOR_END: wholesale\n",
    )
    .unwrap();
    let md = dir.join("chapter.md");
    let ok = "{{#include code.rs}}\n{{#include code.rs:whole}}\n";
    assert_eq!(include_problems(&md, ok), Vec::<String>::new());

    let broken = "{{#include gone.rs}}\n{{#include code.rs:nowhere}}\n{{#include code.rs:half}}\n\
                  {{#rustdoc_include code.rs:who}}\n";
    let problems = include_problems(&md, broken);
    assert_eq!(problems.len(), 4, "{problems:#?}");
    assert!(problems[0].ends_with("includes gone.rs, which does not exist"));
    assert!(problems[1].ends_with("has no `ANCHOR: nowhere`"));
    assert!(problems[2].ends_with("has no `ANCHOR_END: half`"));
    assert!(
        problems[3].ends_with("has no `ANCHOR: who`"),
        "{}",
        problems[3]
    );
}

#[test]
fn summary_links_and_quoted_errors_are_found() {
    let summary = "# Summary\n\n[Intro](intro.md)\n- [Defer](defer.md#top)\n  - [Draft]()\n\
                   - [Site](https://example.com)\n";
    assert_eq!(summary_chapters(summary), ["intro.md", "defer.md"]);

    let chapter = "```text\nerror: quoted\nnote: not an error line\n```\n\
                   ```rust,ignore\nerror: in code, not a quote\n```\n\
                   ```text\nerror[E0506]: also quoted\n```\n\
                   - a list item:\n\n  ```text\n  error: indented\n  ```\n";
    let quoted: Vec<String> = quoted_errors(chapter).into_iter().map(|(_, l)| l).collect();
    assert_eq!(
        quoted,
        [
            "error: quoted",
            "error[E0506]: also quoted",
            "error: indented"
        ]
    );
}

// The `#[retry]` key table lives in one file, which the rustdoc of `steadfast::retry`
// (`#[doc = include_str!(...)]` in `src/lib.rs`) and the book's chapters include; a key
// the macro learns is added there, once.

/// The table, inside the facade's package so that `cargo package` ships it with the docs.
const RETRY_KEYS: &str = "src/retry_keys.md";

/// The header row of the table, which nothing else writes out.
const KEY_TABLE_HEADER: &str = "| key | value | default | meaning |";

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Whether `line`, with any `///` or `//!` in front, is the header row of a key table.
fn is_key_table_header(line: &str) -> bool {
    let line = line.trim_start();
    let text = line
        .strip_prefix("///")
        .or_else(|| line.strip_prefix("//!"))
        .unwrap_or(line);
    text.trim() == KEY_TABLE_HEADER
}

/// The keys of `const KEYS: &[&str] = &[...];` in the macro's parser, in order.
fn keys_the_macro_accepts(source: &str) -> Vec<String> {
    let start = source
        .find("const KEYS")
        .expect("`const KEYS` in the parser");
    let list = &source[start..];
    let open = list.find("= &[").expect("a slice literal") + "= &[".len();
    let close = open + list[open..].find("];").expect("the end of the slice");
    list[open..close]
        .split(',')
        .map(|item| item.trim().trim_matches('"').to_string())
        .filter(|key| !key.is_empty())
        .collect()
}

/// The first cell of every row of a Markdown table, without its backticks.
fn table_keys(table: &str) -> Vec<String> {
    table
        .lines()
        .filter(|line| line.starts_with('|') && !is_key_table_header(line))
        .filter(|line| !line.starts_with("| ---"))
        .map(|line| {
            let cell = line.split('|').nth(1).unwrap_or("");
            cell.trim().trim_matches('`').to_string()
        })
        .collect()
}

#[test]
fn the_retry_key_table_is_written_once_and_included_by_the_rustdoc_and_the_book() {
    let table = root().join(RETRY_KEYS);
    let text = read(&table);
    assert_eq!(
        text.lines().next(),
        Some(KEY_TABLE_HEADER),
        "{RETRY_KEYS} starts with the table"
    );

    let lib = read(&root().join("src/lib.rs"));
    assert!(
        lib.contains("#[doc = include_str!(\"retry_keys.md\")]"),
        "the docs of `steadfast::retry` include {RETRY_KEYS}"
    );
    let mut written_out = Vec::new();
    if lib.lines().any(is_key_table_header) {
        written_out.push("src/lib.rs".to_string());
    }

    let table = table.canonicalize().expect("the key table exists");
    let mut including = Vec::new();
    for md in markdown_files(&book_src()) {
        let chapter = read(&md);
        let name = md.strip_prefix(book_src()).unwrap().display().to_string();
        if chapter.lines().any(is_key_table_header) {
            written_out.push(format!("book/src/{name}"));
        }
        let dir = md.parent().expect("a chapter lives in a directory");
        let includes_table = includes(&chapter).iter().any(|include| {
            dir.join(&include.path)
                .canonicalize()
                .is_ok_and(|path| path == table)
        });
        if includes_table {
            including.push(name);
        }
    }
    assert!(
        written_out.is_empty(),
        "a key table written out by hand instead of included from {RETRY_KEYS}: {written_out:?}"
    );
    assert_eq!(including, ["reference.md", "retry.md"]);
}

#[test]
fn every_key_the_macro_accepts_has_a_row_in_the_key_table() {
    let keys = keys_the_macro_accepts(&read(&root().join("macros/src/retry/config.rs")));
    assert!(keys.len() >= 10, "the parser's keys: {keys:?}");
    let rows = table_keys(&read(&root().join(RETRY_KEYS)));
    assert_eq!(
        rows, keys,
        "{RETRY_KEYS} has one row per key of `macros/src/retry/config.rs`, in its order"
    );
}

#[test]
fn key_table_rows_and_parser_keys_are_read() {
    let source = "/// Every key.\npub(crate) const KEYS: &[&str] = &[\n    \"attempts\",\n    \
                  \"when\",\n];\nconst OTHER: &[&str] = &[\"no\"];\n";
    assert_eq!(keys_the_macro_accepts(source), ["attempts", "when"]);
    let table =
        format!("{KEY_TABLE_HEADER}\n| --- | --- | --- | --- |\n| `attempts` | n | 3 | calls |\n");
    assert_eq!(table_keys(&table), ["attempts"]);
    assert!(is_key_table_header(&format!("/// {KEY_TABLE_HEADER}")));
    assert!(!is_key_table_header("| method | key | default |"));
}
