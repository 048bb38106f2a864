//! The order of `check`'s modules, as `check/mod.rs` states it, held true:
//! every use of a sibling module goes down the list, and no modules inside
//! one use each other in a circle.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// A module's path below `check`: `[]` for `check` itself, `["sli",
/// "latency"]` for `check::sli::latency`.
type Module = Vec<String>;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/check")
}

/// Every source file of `check` with its module.
fn files() -> Vec<(Module, String)> {
    fn walk(dir: &Path, module: &[String], out: &mut Vec<(Module, String)>) {
        let mut entries: Vec<PathBuf> = fs::read_dir(dir)
            .expect("src/check is readable")
            .map(|e| e.expect("a directory entry").path())
            .collect();
        entries.sort();
        for path in entries {
            let name = path
                .file_stem()
                .and_then(|n| n.to_str())
                .expect("a UTF-8 file name")
                .to_string();
            let mut inner = module.to_vec();
            if path.is_dir() {
                inner.push(name);
                walk(&path, &inner, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                if name != "mod" {
                    inner.push(name);
                }
                let text = fs::read_to_string(&path).expect("a readable source file");
                out.push((inner, text));
            }
        }
    }
    let mut out = Vec::new();
    walk(&root(), &[], &mut out);
    out
}

/// The sibling modules `check/mod.rs` lists, in order: the names in
/// backticks before the colon of each `//! - ` line.
fn stated_order(module_doc: &str) -> Vec<String> {
    module_doc
        .lines()
        .filter_map(|l| l.strip_prefix("//! - "))
        .flat_map(|l| {
            let head = l.split(':').next().unwrap_or_default();
            head.split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The modules of `check` that `text`, the code of `module`, refers to
/// through `super::` or `crate::check::`, tests and comments left out.
fn uses(module: &[String], text: &str, modules: &BTreeSet<Module>) -> BTreeSet<Module> {
    let code: String = text
        .split("#[cfg(test)]")
        .next()
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(at) = rest
        .find("super::")
        .into_iter()
        .chain(rest.find("crate::check::"))
        .min()
    {
        let Some(tail) = rest.get(at..) else { break };
        let mut base: Module = module.to_vec();
        let mut path = tail;
        if let Some(after) = path.strip_prefix("crate::check::") {
            base.clear();
            path = after;
        } else {
            // A file's `super` is its module's parent; `mod.rs` is the module.
            while let Some(after) = path.strip_prefix("super::") {
                base.pop();
                path = after;
            }
        }
        let names: Vec<&str> = match path.strip_prefix('{') {
            Some(group) => group
                .split('}')
                .next()
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .collect(),
            None => vec![path],
        };
        for name in names {
            let mut target = base.clone();
            for part in name.split("::") {
                let ident: String = part
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                target.push(ident);
                if !modules.contains(&target) {
                    target.pop();
                    break;
                }
            }
            found.insert(target);
        }
        rest = tail.get(1..).unwrap_or_default();
    }
    found
}

#[test]
fn modules_use_each_other_in_the_stated_order() {
    let files = files();
    let modules: BTreeSet<Module> = files.iter().map(|(m, _)| m.clone()).collect();
    let module_doc = files
        .iter()
        .find(|(m, _)| m.is_empty())
        .map(|(_, text)| text.as_str())
        .expect("check/mod.rs");
    let order = stated_order(module_doc);
    let layout = modules.iter().filter(|m| m.len() == 1 && m[0] != "layout");
    for m in layout {
        assert!(
            order.contains(&m[0]),
            "check/mod.rs does not say where `{}` goes",
            m[0]
        );
    }

    // Uses between siblings, for every parent: (parent, from, to).
    let mut edges: BTreeMap<(Module, String), BTreeSet<String>> = BTreeMap::new();
    for (module, text) in &files {
        for target in uses(module, text, &modules) {
            let common = module
                .iter()
                .zip(&target)
                .take_while(|(a, b)| a == b)
                .count();
            // An ancestor's items, or a module's own submodules.
            let (Some(from), Some(to)) = (module.get(common), target.get(common)) else {
                continue;
            };
            let parent = module[..common].to_vec();
            if parent.is_empty() {
                let rank = |m: &String| order.iter().position(|o| o == m);
                assert!(
                    rank(from) < rank(to),
                    "`check::{}` uses `check::{}`, which comes before it in check/mod.rs",
                    module.join("::"),
                    target.join("::")
                );
            }
            edges
                .entry((parent, from.clone()))
                .or_default()
                .insert(to.clone());
        }
    }

    // No circle among the siblings of any parent.
    fn circle(
        at: &(Module, String),
        edges: &BTreeMap<(Module, String), BTreeSet<String>>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if path.contains(&at.1) {
            path.push(at.1.clone());
            return Some(path.clone());
        }
        path.push(at.1.clone());
        for next in edges.get(at).into_iter().flatten() {
            if let Some(c) = circle(&(at.0.clone(), next.clone()), edges, path) {
                return Some(c);
            }
        }
        path.pop();
        None
    }
    for start in edges.keys() {
        if let Some(c) = circle(start, &edges, &mut Vec::new()) {
            panic!(
                "modules of `check::{}` use each other in a circle: {}",
                start.0.join("::"),
                c.join(" → ")
            );
        }
    }
}

#[test]
fn the_order_is_read_from_the_module_doc() {
    let doc = "//! text\n//! - `service`: services\n//! - `policy`, then `overrides`: policies\n";
    assert_eq!(stated_order(doc), ["service", "policy", "overrides"]);
}
