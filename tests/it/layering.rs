//! The layers of `../shared/spec/ARCHITECTURE.md`, checked on the source tree: every import in
//! `src/` (a `use`, a path in code, a path inside a macro call) is resolved to the module it
//! names and judged by the rules below. A failure names the file, the import and the rule.
//!
//! Layers, lowest first (imports point down or stay level, never up):
//! 1. core: `config`, `error`, `clock`, `secret`, `redact`, `outbound`, `db`, `i18n`,
//!    `validate`, `shutdown`, `console_window`, `text_enum` and the `db` macros
//!    (`with_db!`, `with_tx!`, `with_exec!`, `execute!`);
//! 2. domain: `auth`, `access`, `audit`, `state`, `support_desk`, `features/*` except their web
//!    files;
//! 3. web: `web`, `api`, every `routes`, `api`, `views` and `*_api` / `*_routes` file;
//! 4. app: the crate root (`lib.rs`), `main.rs`, `cli`, `jobs`, `demo`, the run executor
//!    (`features/operations/runner.rs`).
//!
//! `state` sits in domain, not core as the layout sketch has it: `AppState` carries the
//! configured support desk, and core must not name a domain type.

use std::{
    collections::BTreeSet,
    fmt,
    path::{Path, PathBuf},
};
use syn::visit::Visit;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Layer {
    Core,
    Domain,
    Web,
    App,
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Layer::Core => "core",
            Layer::Domain => "domain",
            Layer::Web => "web",
            Layer::App => "app",
        })
    }
}

const CORE: &[&str] = &[
    "config",
    "error",
    "clock",
    "secret",
    "redact",
    "outbound",
    "mail",
    "db",
    "i18n",
    "validate",
    "shutdown",
    "console_window",
    "with_db",
    "with_tx",
    "with_exec",
    "execute",
    "text_enum",
];
const DOMAIN: &[&str] = &[
    "auth",
    "access",
    "audit",
    "state",
    "support_desk",
    "features",
];
const WEB: &[&str] = &["web", "api"];

fn is_web_file(name: &str) -> bool {
    matches!(name, "routes" | "api" | "views")
        || name.ends_with("_api")
        || name.ends_with("_routes")
}

fn is_repo(name: &str) -> bool {
    name == "repo" || name.ends_with("_repo")
}

/// The layer of a module path (`["features", "tenants", "routes"]`); the crate root is app.
fn layer_of(module: &[String]) -> Layer {
    let Some(head) = module.first() else {
        return Layer::App;
    };
    let head = head.as_str();
    if module.iter().any(|s| is_web_file(s)) && head != "cli" {
        return Layer::Web;
    }
    if module == ["features", "operations", "runner"] {
        return Layer::App;
    }
    if CORE.contains(&head) {
        Layer::Core
    } else if DOMAIN.contains(&head) {
        Layer::Domain
    } else if WEB.contains(&head) {
        Layer::Web
    } else {
        Layer::App
    }
}

/// The feature a module belongs to (`features::x::…` → `x`).
fn feature_of(module: &[String]) -> Option<&str> {
    match module {
        [f, name, ..] if f == "features" => Some(name.as_str()),
        _ => None,
    }
}

/// The top-level folder a module lives in, for the "a repo is private to its folder" rule:
/// `features::x` for features, the first segment otherwise.
fn owner_of(module: &[String]) -> Vec<String> {
    match module {
        [f, name, ..] if f == "features" => vec![f.clone(), name.clone()],
        [head, ..] => vec![head.clone()],
        [] => Vec::new(),
    }
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Violation {
    file: String,
    import: String,
    rule: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: `{}` — {}", self.file, self.import, self.rule)
    }
}

/// Judges one import of `from` (a module path) naming `target` (an absolute module path).
/// `is_module` says whether a path inside `src/` is a module file (so a feature's root items,
/// re-exported by its `mod.rs`, are told apart from its submodules).
fn judge(
    from: &[String],
    target: &[String],
    is_module: &dyn Fn(&[String]) -> bool,
) -> Option<String> {
    if target.is_empty() {
        return None;
    }
    // The longest prefix of the target that is a module: the rules are about modules.
    let from_layer = layer_of(from);
    let target_layer = layer_of(target);
    if target_layer > from_layer {
        return Some(format!(
            "imports point down only: {from_layer} code must not use {target_layer} code"
        ));
    }
    if from.first().map(String::as_str) == Some("support_desk")
        && !matches!(target_layer, Layer::Core)
        && target.first().map(String::as_str) != Some("support_desk")
    {
        return Some("support_desk uses core only".to_owned());
    }
    let repo_segment = target.iter().position(|s| is_repo(s));
    if let Some(at) = repo_segment {
        if from_layer == Layer::Web {
            return Some("web code never imports a repo".to_owned());
        }
        if from_layer != Layer::App && owner_of(from) != owner_of(&target[..at]) {
            return Some(
                "a repo is private to its feature: use that feature's service or model".to_owned(),
            );
        }
    }
    if let (Some(target_feature), ["features", _, sub, ..]) = (
        feature_of(target),
        target
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice(),
    ) {
        let sub = *sub;
        let foreign = feature_of(from) != Some(target_feature);
        if foreign
            && from_layer != Layer::App
            && is_module(&target[..3])
            && !matches!(sub, "model" | "service")
            && !(from_layer == Layer::Web && is_web_file(sub))
        {
            return Some(format!(
                "a feature uses another only through its service or model, not `{sub}`"
            ));
        }
    }
    None
}

/// Module path of a source file relative to `src/`.
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// Collects every `crate::`, `super::` and `self::` path of a file, resolved to absolute
/// module paths; `#[cfg(test)]` items are skipped (tests may reach anywhere).
struct Imports<'a> {
    /// Module path of the file (the module `self` refers to at top level).
    module: &'a [String],
    /// Resolved imports, with the text shown in a failure.
    found: BTreeSet<(Vec<String>, String)>,
    /// Names a `use` binds (`tenants` for `use crate::features::tenants;`), so that later
    /// paths through them (`tenants::repo::find(…)`) resolve too.
    aliases: std::collections::HashMap<String, Vec<String>>,
    /// Paths in code that start with a plain name, resolved once every `use` is known.
    plain: Vec<Vec<String>>,
    /// Nesting of inline `mod x { … }` blocks.
    inline: Vec<String>,
}

impl Imports<'_> {
    fn scope(&self) -> Vec<String> {
        let mut s = self.module.to_vec();
        s.extend(self.inline.iter().cloned());
        s
    }

    fn resolve(&self, segments: &[String]) -> Option<Vec<String>> {
        let (first, rest) = segments.split_first()?;
        let mut base = match first.as_str() {
            "crate" => Vec::new(),
            "self" => self.scope(),
            "super" => {
                let mut s = self.scope();
                s.pop();
                s
            }
            _ => return None,
        };
        let mut rest = rest;
        while let Some((s, tail)) = rest.split_first() {
            if s == "super" {
                base.pop();
                rest = tail;
            } else {
                break;
            }
        }
        base.extend(rest.iter().filter(|s| s.as_str() != "self").cloned());
        Some(base)
    }

    fn add(&mut self, segments: Vec<String>, shown: String) {
        if let Some(abs) = self.resolve(&segments) {
            self.found.insert((abs, shown));
        } else if segments.len() > 1 {
            self.plain.push(segments);
        }
    }

    fn bind(&mut self, name: String, segments: &[String]) {
        if let Some(abs) = self.resolve(segments) {
            self.aliases.insert(name, abs);
        }
    }

    /// Resolves the plain paths through the names the file's `use` items bound.
    fn finish(&mut self) {
        for segments in std::mem::take(&mut self.plain) {
            if let Some(base) = self.aliases.get(&segments[0]) {
                let mut abs = base.clone();
                abs.extend(segments[1..].iter().cloned());
                self.found.insert((abs, segments.join("::")));
            }
        }
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let mut full = prefix.clone();
                let name = n.ident.to_string();
                if name == "self" {
                    if let Some(last) = prefix.last() {
                        self.bind(last.clone(), prefix);
                    }
                } else {
                    full.push(name.clone());
                    self.bind(name, &full);
                }
                let shown = full.join("::");
                if self.resolve(&full).is_some() {
                    self.add(full, shown);
                }
            }
            syn::UseTree::Rename(r) => {
                let mut full = prefix.clone();
                full.push(r.ident.to_string());
                self.bind(r.rename.to_string(), &full);
                let shown = full.join("::");
                if self.resolve(&full).is_some() {
                    self.add(full, shown);
                }
            }
            syn::UseTree::Glob(_) => {
                let shown = format!("{}::*", prefix.join("::"));
                self.add(prefix.clone(), shown);
            }
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(prefix, t);
                }
            }
        }
    }

    /// Paths inside macro calls are tokens to syn: find `crate :: a :: b` runs in them.
    fn tokens(&mut self, tokens: proc_macro2::TokenStream) {
        let flat: Vec<proc_macro2::TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < flat.len() {
            match &flat[i] {
                proc_macro2::TokenTree::Group(g) => {
                    self.tokens(g.stream());
                    i += 1;
                }
                proc_macro2::TokenTree::Ident(id)
                    if matches!(id.to_string().as_str(), "crate" | "super" | "self") =>
                {
                    let mut segments = vec![id.to_string()];
                    let mut j = i + 1;
                    while j + 2 < flat.len() + 1 {
                        let colons = matches!((&flat.get(j), &flat.get(j + 1)),
                            (Some(proc_macro2::TokenTree::Punct(a)), Some(proc_macro2::TokenTree::Punct(b)))
                                if a.as_char() == ':' && b.as_char() == ':');
                        match (colons, flat.get(j + 2)) {
                            (true, Some(proc_macro2::TokenTree::Ident(next))) => {
                                segments.push(next.to_string());
                                j += 3;
                            }
                            _ => break,
                        }
                    }
                    if segments.len() > 1 {
                        let shown = segments.join("::");
                        self.add(segments, shown);
                    }
                    i = j;
                }
                _ => i += 1,
            }
        }
    }
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Meta>()
                .is_ok_and(|m| m.path().is_ident("test"))
    })
}

impl<'ast> Visit<'ast> for Imports<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs: &[syn::Attribute] = match item {
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Use(u) => &u.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Const(c) => &c.attrs,
            syn::Item::Static(s) => &s.attrs,
            syn::Item::Struct(s) => &s.attrs,
            syn::Item::Enum(e) => &e.attrs,
            syn::Item::Macro(m) => &m.attrs,
            _ => &[],
        };
        if is_cfg_test(attrs) {
            return;
        }
        if let syn::Item::Mod(m) = item
            && m.content.is_some()
        {
            self.inline.push(m.ident.to_string());
            syn::visit::visit_item(self, item);
            self.inline.pop();
            return;
        }
        syn::visit::visit_item(self, item);
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        self.use_tree(&mut Vec::new(), &u.tree);
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segments: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        if segments.len() > 1 {
            let shown = segments.join("::");
            self.add(segments, shown);
        }
        syn::visit::visit_path(self, p);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.tokens(m.tokens.clone());
        syn::visit::visit_macro(self, m);
    }
}

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every crate path one file's source names, resolved to absolute module paths, with the text
/// shown in a failure; `Err` when the file does not parse.
fn imports_of(module: &[String], source: &str) -> Result<BTreeSet<(Vec<String>, String)>, String> {
    let parsed = syn::parse_file(source).map_err(|e| format!("cannot be parsed: {e}"))?;
    let mut imports = Imports {
        module,
        found: BTreeSet::new(),
        inline: Vec::new(),
        aliases: Default::default(),
        plain: Vec::new(),
    };
    imports.visit_file(&parsed);
    imports.finish();
    Ok(imports.found)
}

/// The module file a path lands in: its longest prefix that is a module.
fn module_file_of(target: &[String], is_module: &dyn Fn(&[String]) -> bool) -> Vec<String> {
    let mut module_target = target.to_vec();
    while !module_target.is_empty() && !is_module(&module_target) {
        module_target.pop();
    }
    module_target
}

/// Imports of one file's source, judged. `is_module` answers for module paths under `src/`.
fn check_source(
    file: &str,
    module: &[String],
    source: &str,
    is_module: &dyn Fn(&[String]) -> bool,
) -> Vec<Violation> {
    let found = match imports_of(module, source) {
        Ok(found) => found,
        Err(rule) => {
            return vec![Violation {
                file: file.to_owned(),
                import: String::new(),
                rule,
            }];
        }
    };
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for (target, shown) in found {
        // One failure per module and rule, not one per item imported from it.
        let module_target = module_file_of(&target, is_module);
        if let Some(rule) = judge(module, &target, is_module)
            && seen.insert((module_target, rule.clone()))
        {
            out.push(Violation {
                file: file.to_owned(),
                import: shown,
                rule,
            });
        }
    }
    out
}

/// Import circles between module files: strongly connected groups of more than one file in the
/// graph of "file A names something in file B". A folder's `mod.rs` and the files below it are
/// one unit (a `mod.rs` declares and re-exports its children), so edges between a module and
/// its own ancestors or descendants do not count.
fn import_circles(
    graph: &std::collections::BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
) -> Vec<Vec<String>> {
    let nodes: Vec<&Vec<String>> = graph.keys().collect();
    let index_of = |m: &Vec<String>| nodes.iter().position(|n| *n == m);
    let edges: Vec<Vec<usize>> = nodes
        .iter()
        .map(|from| {
            graph[*from]
                .iter()
                .filter(|to| !to.starts_with(from) && !from.starts_with(to))
                .filter_map(index_of)
                .collect()
        })
        .collect();
    // Reachability by depth-first search from each node: small graph (about 150 files).
    let reach = |start: usize| {
        let mut seen = vec![false; nodes.len()];
        let mut stack = vec![start];
        while let Some(n) = stack.pop() {
            for &next in &edges[n] {
                if !seen[next] {
                    seen[next] = true;
                    stack.push(next);
                }
            }
        }
        seen
    };
    let reachable: Vec<Vec<bool>> = (0..nodes.len()).map(reach).collect();
    let mut assigned = vec![false; nodes.len()];
    let mut circles = Vec::new();
    for a in 0..nodes.len() {
        if assigned[a] || !reachable[a][a] {
            continue;
        }
        let group: Vec<usize> = (0..nodes.len())
            .filter(|&b| reachable[a][b] && reachable[b][a])
            .collect();
        for &b in &group {
            assigned[b] = true;
        }
        if group.len() > 1 {
            circles.push(group.iter().map(|&n| nodes[n].join("::")).collect());
        }
    }
    circles
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn module_exists(src: &Path, module: &[String]) -> bool {
    if module.is_empty() {
        return true;
    }
    let rel: PathBuf = module.iter().collect();
    src.join(&rel).with_extension("rs").is_file() || src.join(&rel).join("mod.rs").is_file()
}

#[test]
fn every_import_in_src_points_down_the_layers() {
    let src = src_dir();
    let mut files = Vec::new();
    source_files(&src, &mut files);
    files.sort();
    assert!(
        files.len() > 50,
        "the source tree was not found at {}",
        src.display()
    );
    let is_module = |m: &[String]| module_exists(&src, m);
    let mut violations = Vec::new();
    let mut graph = std::collections::BTreeMap::new();
    for path in &files {
        let rel = path.strip_prefix(&src).expect("under src");
        let stem = rel.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        if stem == "tests" || stem.ends_with("_tests") {
            continue;
        }
        let source = std::fs::read_to_string(path).expect("readable source file");
        let file = format!("src/{}", rel.display());
        let module = module_path(rel);
        violations.extend(check_source(&file, &module, &source, &is_module));
        let targets: BTreeSet<Vec<String>> = imports_of(&module, &source)
            .unwrap_or_default()
            .into_iter()
            .map(|(target, _)| module_file_of(&target, &is_module))
            .collect();
        graph.insert(module, targets);
    }
    let circles = import_circles(&graph);
    assert!(
        circles.is_empty(),
        "import circles between source files (each group names the others):\n{}",
        circles
            .iter()
            .map(|c| format!("  {}\n", c.join(" <-> ")))
            .collect::<String>()
    );
    assert!(
        violations.is_empty(),
        "{} import(s) break the layers of ARCHITECTURE.md:\n{}",
        violations.len(),
        violations
            .iter()
            .map(|v| format!("  {v}\n"))
            .collect::<String>()
    );
}

#[test]
fn the_circle_finder_sees_a_circle_and_ignores_a_folder_and_its_children() {
    let mut graph = std::collections::BTreeMap::new();
    let set = |items: &[&str]| items.iter().map(|p| m(p)).collect::<BTreeSet<_>>();
    graph.insert(m("features::x::service"), set(&["features::x::repo"]));
    graph.insert(m("features::x::repo"), set(&["features::x::service"]));
    graph.insert(m("features::y"), set(&["features::y::model"]));
    graph.insert(m("features::y::model"), set(&["features::y"]));
    graph.insert(m("features::y::service"), set(&["features::y::model"]));
    assert_eq!(
        import_circles(&graph),
        vec![vec![
            "features::x::repo".to_owned(),
            "features::x::service".to_owned()
        ]]
    );
}

fn m(path: &str) -> Vec<String> {
    path.split("::").map(str::to_owned).collect()
}

/// Module lookup for the synthetic sources below.
fn synthetic_modules(module: &[String]) -> bool {
    const KNOWN: &[&str] = &[
        "features::tenants::repo",
        "features::tenants::service",
        "features::tenants::model",
        "features::tenants::routes",
        "features::help::resolver",
        "features::operations::repo",
        "web::render",
        "support_desk",
        "db",
        "config",
    ];
    KNOWN.contains(&module.join("::").as_str()) || module.len() <= 2
}

fn rules_broken(module: &str, source: &str) -> Vec<String> {
    check_source("x.rs", &m(module), source, &synthetic_modules)
        .into_iter()
        .map(|v| v.rule)
        .collect()
}

#[test]
fn the_checker_flags_each_rule_and_passes_the_allowed_shapes() {
    // Each rule, once broken and once kept: the broken form is flagged, the kept one is not.
    let up = rules_broken("config", "use crate::features::tenants::service::x;");
    assert!(
        up.iter()
            .any(|r| r.contains("core code must not use domain")),
        "{up:?}"
    );
    assert!(rules_broken("features::tenants::service", "use crate::config::Config;").is_empty());

    let web_repo = rules_broken("features::tenants::routes", "use super::repo;");
    assert!(
        web_repo
            .iter()
            .any(|r| r.contains("web code never imports a repo")),
        "{web_repo:?}"
    );
    assert!(rules_broken("features::tenants::routes", "use super::service;").is_empty());

    let foreign = rules_broken(
        "features::onboarding::service",
        "fn f() { crate::features::tenants::repo::find(); }",
    );
    assert!(
        foreign.iter().any(|r| r.contains("private to its feature")),
        "{foreign:?}"
    );
    assert!(
        rules_broken("features::tenants::service", "use super::repo::find;").is_empty(),
        "a feature's own service uses its repo"
    );

    let sideways = rules_broken(
        "features::onboarding::service",
        "use crate::features::help::resolver::x;",
    );
    assert!(
        sideways
            .iter()
            .any(|r| r.contains("only through its service or model")),
        "{sideways:?}"
    );
    assert!(
        rules_broken(
            "features::onboarding::service",
            "use crate::features::help::HelpTopicKey;"
        )
        .is_empty(),
        "a feature's root re-exports are its face"
    );

    let desk = rules_broken(
        "support_desk::webhook",
        "use crate::features::tenants::model::T;",
    );
    assert!(
        desk.iter()
            .any(|r| r.contains("support_desk uses core only")),
        "{desk:?}"
    );
    assert!(rules_broken("support_desk::webhook", "use crate::config::Config;").is_empty());

    let through_alias = rules_broken(
        "web::shell",
        "use crate::features::{tenants, operations as ops};\nfn f() { tenants::repo::find(); ops::repo::count(); }",
    );
    assert_eq!(through_alias.len(), 2, "{through_alias:?}");

    let in_macro = rules_broken(
        "web::shell",
        "fn f() { with_db!(db, |p| crate::features::operations::repo::count(p)) }",
    );
    assert!(
        in_macro
            .iter()
            .any(|r| r.contains("web code never imports a repo")),
        "{in_macro:?}"
    );

    let tests_skipped = rules_broken(
        "config",
        "#[cfg(test)] mod tests { use crate::features::tenants::repo; }",
    );
    assert!(tests_skipped.is_empty(), "{tests_skipped:?}");
    assert!(
        !rules_broken(
            "config",
            "mod inner { use crate::features::tenants::repo; }"
        )
        .is_empty(),
        "inline modules that are not tests are checked"
    );
}
