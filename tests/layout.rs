//! The crates keep the shape their docs describe: no import cycle between the
//! files of a crate, and no file over 500 lines unless its module doc says
//! why (with the words "over 500 lines").
//!
//! A file depends on another when it names an item of it by a `crate::`,
//! `super::` or `self::` path (in a `use` or inline), resolved to the
//! deepest module file the path reaches. Comments and the test modules at
//! the end of files (`#[cfg(test)] mod … {`) are left out: tests exercise
//! the whole crate.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A crate's source files by module path (`[]` for `lib.rs`).
fn modules(src: &Path) -> BTreeMap<Vec<String>, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).unwrap();
            let mut parts: Vec<String> = rel
                .iter()
                .map(|p| p.to_str().unwrap().trim_end_matches(".rs").to_string())
                .collect();
            if matches!(
                parts.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                parts.pop();
            }
            out.insert(parts, path);
        }
    }
    out
}

/// The code of a file without comments and without its trailing test module.
fn code(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut end = lines.len();
    for (i, line) in lines.iter().enumerate() {
        if line.trim() == "#[cfg(test)]" {
            let next = lines[i + 1..].iter().find(|l| !l.trim().is_empty());
            if next.is_some_and(|l| l.contains("mod ") && l.trim_end().ends_with('{')) {
                end = i;
                break;
            }
        }
    }
    lines[..end]
        .iter()
        .map(|l| match l.find("//") {
            Some(k) => &l[..k],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path after `crate::`, `super::` or `self::` in `code`, and every
/// `use` path (anchor `use`: a child module or another crate), as segments
/// with the anchor first and `{a, b::c}` groups expanded.
fn paths(code: &str) -> Vec<Vec<String>> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let boundary = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        let rest: String = chars[i..chars.len().min(i + 7)].iter().collect();
        let anchor = ["crate::", "super::", "self::", "use "]
            .into_iter()
            .find(|a| rest.starts_with(a));
        match anchor {
            Some(a) if boundary => {
                let mut prefix = vec![a.trim_end_matches("::").trim().to_string()];
                i += a.len();
                i = tree(&chars, i, &mut prefix, &mut out);
            }
            _ => i += 1,
        }
    }
    out
}

/// Parses `seg::seg::…` or `seg::{…}` at `i` onto `prefix`; returns where it ends.
fn tree(
    chars: &[char],
    mut i: usize,
    prefix: &mut Vec<String>,
    out: &mut Vec<Vec<String>>,
) -> usize {
    let depth = prefix.len();
    loop {
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        if i < chars.len() && chars[i] == '{' {
            i += 1;
            loop {
                let mut branch = prefix.clone();
                i = tree(chars, i, &mut branch, out);
                while i < chars.len() && chars[i].is_whitespace() {
                    i += 1;
                }
                match chars.get(i) {
                    Some(',') => i += 1,
                    Some('}') => {
                        i += 1;
                        break;
                    }
                    _ => break,
                }
                while i < chars.len() && chars[i].is_whitespace() {
                    i += 1;
                }
                if chars.get(i) == Some(&'}') {
                    i += 1;
                    break;
                }
            }
            prefix.truncate(depth);
            return i;
        }
        let start = i;
        while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
            i += 1;
        }
        if i == start {
            break;
        }
        prefix.push(chars[start..i].iter().collect());
        if chars.get(i) == Some(&':') && chars.get(i + 1) == Some(&':') {
            i += 2;
        } else {
            break;
        }
    }
    out.push(prefix.clone());
    i
}

/// File-level dependencies of a crate's `src` directory.
fn dependencies(src: &Path) -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
    let modules = modules(src);
    let mut graph = BTreeMap::new();
    for (module, file) in &modules {
        let text = std::fs::read_to_string(file).unwrap();
        // The module a `super::` path starts from: the parent of this file's module.
        let mut targets = BTreeSet::new();
        for path in paths(&code(&text)) {
            // `use crate::…` and the like are anchored by their first segment.
            let path = match path.get(1).map(String::as_str) {
                Some("crate" | "super" | "self") if path[0] == "use" => path[1..].to_vec(),
                _ => path,
            };
            let mut at: Vec<String> = match path[0].as_str() {
                "crate" => Vec::new(),
                "self" => module.clone(),
                "super" => module[..module.len().saturating_sub(1)].to_vec(),
                // `use child::…`: a child module; anything else is another crate.
                _ => {
                    let mut child = module.clone();
                    child.extend(path.get(1).cloned());
                    if path.len() < 2 || !modules.contains_key(&child) {
                        continue;
                    }
                    module.clone()
                }
            };
            let mut target = modules.get(&at).cloned();
            for seg in &path[1..] {
                if seg == "super" {
                    at.pop();
                    target = modules.get(&at).cloned();
                    continue;
                }
                at.push(seg.clone());
                match modules.get(&at) {
                    Some(f) => target = Some(f.clone()),
                    None => break,
                }
            }
            if let Some(t) = target.filter(|t| t != file) {
                targets.insert(t);
            }
        }
        graph.insert(file.clone(), targets);
    }
    graph
}

/// Groups of files that import each other, directly or through others.
fn cycles(graph: &BTreeMap<PathBuf, BTreeSet<PathBuf>>) -> Vec<Vec<PathBuf>> {
    let reach = |from: &PathBuf| -> BTreeSet<PathBuf> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&PathBuf> = graph[from].iter().collect();
        while let Some(n) = stack.pop() {
            if seen.insert(n.clone()) {
                stack.extend(graph.get(n).into_iter().flatten());
            }
        }
        seen
    };
    let reachable: BTreeMap<&PathBuf, BTreeSet<PathBuf>> =
        graph.keys().map(|f| (f, reach(f))).collect();
    let mut out: Vec<Vec<PathBuf>> = Vec::new();
    for f in graph.keys() {
        if !reachable[f].contains(f) || out.iter().any(|c| c.contains(f)) {
            continue;
        }
        let group: Vec<PathBuf> = graph
            .keys()
            .filter(|g| reachable[f].contains(*g) && reachable[*g].contains(f))
            .cloned()
            .collect();
        out.push(group);
    }
    out
}

/// The workspace's crates.
const CRATES: [&str; 5] = [
    "quotekit-data",
    "quotekit-model",
    "quotekit-infer",
    "quotekit-cli",
    "quotekit-py",
];

fn src(krate: &str) -> PathBuf {
    common::root().join("crates").join(krate).join("src")
}

#[test]
fn no_crate_has_an_import_cycle_between_its_files() {
    let mut found = Vec::new();
    for krate in CRATES {
        let graph = dependencies(&src(krate));
        assert!(graph.len() > 3, "{krate}: {} files", graph.len());
        for group in cycles(&graph) {
            let names: Vec<String> = group
                .iter()
                .map(|p| {
                    p.strip_prefix(common::root())
                        .unwrap()
                        .display()
                        .to_string()
                })
                .collect();
            found.push(names.join(" <-> "));
        }
    }
    assert!(found.is_empty(), "import cycles:\n{}", found.join("\n"));
}

#[test]
fn long_files_say_why() {
    let mut found = Vec::new();
    for krate in CRATES {
        for file in modules(&src(krate)).into_values() {
            let text = std::fs::read_to_string(&file).unwrap();
            let lines = text.lines().count();
            let doc: String = text
                .lines()
                .take_while(|l| l.starts_with("//!"))
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase();
            if lines > 500 && !doc.contains("over 500 lines") {
                found.push(format!("{} ({lines} lines)", file.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "files over 500 lines whose module doc does not say why:\n{}",
        found.join("\n")
    );
}

/// The checker itself: paths, groups, `super`, and a cycle it must find.
#[test]
fn the_checker_finds_what_it_should() {
    let got = paths("pub use crate::a::{b, c::{D, e}};\nlet x = super::f::g(); self::h;");
    let want: Vec<Vec<&str>> = vec![
        vec!["use", "crate", "a", "b"],
        vec!["use", "crate", "a", "c", "D"],
        vec!["use", "crate", "a", "c", "e"],
        vec!["super", "f", "g"],
        vec!["self", "h"],
    ];
    assert_eq!(got, want);
    assert_eq!(
        code("use a;\n// use crate::x;\n#[cfg(test)]\nmod tests {\nuse crate::y;\n}"),
        "use a;\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path();
    std::fs::create_dir(s.join("m")).unwrap();
    std::fs::write(s.join("lib.rs"), "pub mod a;\npub mod m;\n").unwrap();
    std::fs::write(s.join("a.rs"), "use crate::m::b::Thing;\n").unwrap();
    std::fs::write(s.join("m/mod.rs"), "pub mod b;\n").unwrap();
    std::fs::write(
        s.join("m/b.rs"),
        "fn f() { crate::a::g(); super::super::a::h() }\n",
    )
    .unwrap();
    let graph = dependencies(s);
    assert_eq!(graph[&s.join("a.rs")], BTreeSet::from([s.join("m/b.rs")]));
    let found = cycles(&graph);
    assert_eq!(found, vec![vec![s.join("a.rs"), s.join("m/b.rs")]]);
    std::fs::write(s.join("m/b.rs"), "fn f() {}\n").unwrap();
    assert!(cycles(&dependencies(s)).is_empty());
    // A root re-export used inside the crate makes a cycle through lib.rs.
    std::fs::write(
        s.join("lib.rs"),
        "pub mod a;\npub mod m;\npub use a::Thing;\n",
    )
    .unwrap();
    std::fs::write(s.join("m/b.rs"), "use crate::Thing;\n").unwrap();
    assert_eq!(
        cycles(&dependencies(s)),
        vec![vec![s.join("a.rs"), s.join("lib.rs"), s.join("m/b.rs")]]
    );
}
