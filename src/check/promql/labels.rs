//! Which labels the series of a PromQL expression carry, decided from the
//! expression's shape alone.
//!
//! A selector's series carry whatever labels the metric has: at least the
//! ones its matchers require, none of the ones they forbid, and perhaps
//! others. An aggregation `by (a, b)` yields exactly `a` and `b`; `without`
//! removes labels from whatever there was; functions keep the labels of
//! their vector argument, except those that add, drop or replace some
//! (`label_replace`, `histogram_quantile`, `absent`, `vector`); binary
//! operators follow Prometheus' vector matching (`on`, `ignoring`,
//! `group_left`, `group_right`, `or`). `__name__` is left out throughout:
//! vector matching never compares it.
//!
//! An expression may yield series of several shapes (`a or b`); each is an
//! interval between the labels its series surely have and the labels they
//! may have.

use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::value::ValueType;
use promql_parser::parser::{Expr, LabelModifier, VectorMatchCardinality, VectorSelector};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

const METRIC_NAME: &str = "__name__";

/// A set of label names.
pub type Names = BTreeSet<String>;

/// The most labels a series may have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AtMost {
    /// Only these.
    Only(Names),
    /// Any label but these.
    AllBut(Names),
}

impl AtMost {
    fn allows(&self, label: &str) -> bool {
        match self {
            AtMost::Only(s) => s.contains(label),
            AtMost::AllBut(s) => !s.contains(label),
        }
    }

    fn contains_all(&self, names: &Names) -> bool {
        names.iter().all(|n| self.allows(n))
    }
}

/// The labels of one kind of series an expression yields: at least
/// `at_least`, at most `at_most`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    /// Labels every such series has.
    pub at_least: Names,
    /// Labels such a series may have.
    pub at_most: AtMost,
}

impl Shape {
    /// Exactly `names`.
    pub fn exactly<I: IntoIterator<Item = S>, S: Into<String>>(names: I) -> Shape {
        let names: Names = names.into_iter().map(Into::into).collect();
        Shape {
            at_least: names.clone(),
            at_most: AtMost::Only(names),
        }
    }

    /// The labels, when they are known exactly.
    pub fn exact(&self) -> Option<&Names> {
        match &self.at_most {
            AtMost::Only(s) if *s == self.at_least => Some(s),
            _ => None,
        }
    }

    /// Whether a series of this shape and one of `other` may have the same
    /// label names, which one-to-one matching needs.
    pub fn may_equal(&self, other: &Shape) -> bool {
        other.at_most.contains_all(&self.at_least) && self.at_most.contains_all(&other.at_least)
    }

    fn remove(mut self, names: &[String]) -> Shape {
        for n in names {
            self.at_least.remove(n);
        }
        self.at_most = match self.at_most {
            AtMost::Only(mut s) => {
                s.retain(|l| !names.contains(l));
                AtMost::Only(s)
            }
            AtMost::AllBut(mut s) => {
                s.extend(names.iter().cloned());
                AtMost::AllBut(s)
            }
        };
        self
    }

    fn keep(mut self, names: &[String]) -> Shape {
        self.at_least.retain(|l| names.contains(l));
        self.at_most = AtMost::Only(
            names
                .iter()
                .filter(|l| self.at_most.allows(l))
                .cloned()
                .collect(),
        );
        self
    }

    fn add(mut self, names: &[String]) -> Shape {
        self.at_least.extend(names.iter().cloned());
        self.at_most = match self.at_most {
            AtMost::Only(mut s) => {
                s.extend(names.iter().cloned());
                AtMost::Only(s)
            }
            AtMost::AllBut(mut s) => {
                s.retain(|l| !names.contains(l));
                AtMost::AllBut(s)
            }
        };
        self
    }
}

impl fmt::Display for Shape {
    /// `labels `{code, route}``, `no labels`, `labels `{code}` and maybe
    /// more`, `any labels but `{le}``.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |s: &Names| s.iter().cloned().collect::<Vec<_>>().join(", ");
        if let Some(exact) = self.exact() {
            return if exact.is_empty() {
                write!(f, "no labels")
            } else {
                write!(f, "labels `{{{}}}`", list(exact))
            };
        }
        if self.at_least.is_empty() {
            write!(f, "any labels")?;
        } else {
            write!(f, "labels `{{{}}}` and maybe more", list(&self.at_least))?;
        }
        match &self.at_most {
            AtMost::AllBut(none) if none.is_empty() => Ok(()),
            AtMost::AllBut(none) if self.at_least.is_empty() => {
                write!(f, " but `{{{}}}`", list(none))
            }
            AtMost::AllBut(none) => write!(f, ", not `{{{}}}`", list(none)),
            AtMost::Only(most) => write!(f, " of `{{{}}}`", list(most)),
        }
    }
}

/// The shapes of the series an expression yields, without repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labels(pub Vec<Shape>);

impl Labels {
    fn one(shape: Shape) -> Labels {
        Labels(vec![shape])
    }

    fn map(self, f: impl Fn(Shape) -> Shape) -> Labels {
        let mut out = Labels(Vec::new());
        for s in self.0 {
            out.push(f(s));
        }
        out
    }

    fn push(&mut self, shape: Shape) {
        if !self.0.contains(&shape) {
            self.0.push(shape);
        }
    }

    /// Whether every series may still carry `label`.
    pub fn may_keep(&self, label: &str) -> bool {
        !self.0.is_empty() && self.0.iter().all(|s| s.at_most.allows(label))
    }

    /// Whether every series surely carries exactly the same labels, and which.
    pub fn exact(&self) -> Option<&Names> {
        match self.0.as_slice() {
            [one] => one.exact(),
            _ => None,
        }
    }
}

impl fmt::Display for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                write!(f, " or ")?;
            }
            write!(f, "{s}")?;
        }
        Ok(())
    }
}

/// The labels of the series `expr` yields.
pub fn of(expr: &Expr) -> Labels {
    let is_scalar = |e: &Expr| e.value_type() == ValueType::Scalar;
    match expr {
        Expr::VectorSelector(v) => selector(v),
        Expr::MatrixSelector(m) => selector(&m.vs),
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) => Labels::one(Shape::exactly(no_names())),
        Expr::Extension(_) => Labels::one(Shape {
            at_least: Names::new(),
            at_most: AtMost::AllBut(Names::new()),
        }),
        Expr::Paren(p) => of(&p.expr),
        Expr::Unary(u) => of(&u.expr),
        Expr::Subquery(s) => of(&s.expr),
        Expr::Aggregate(a) => {
            let op = a.op.to_string();
            // topk, bottomk and limitk return input series unchanged.
            if matches!(op.as_str(), "topk" | "bottomk" | "limitk" | "limit_ratio") {
                return of(&a.expr);
            }
            let mut grouped = match &a.modifier {
                Some(LabelModifier::Include(ls)) => Labels::one(Shape::exactly(&ls.labels)),
                Some(LabelModifier::Exclude(ls)) => of(&a.expr).map(|s| s.remove(&ls.labels)),
                None => Labels::one(Shape::exactly(no_names())),
            };
            // count_values("code", …) adds the label it names.
            if op == "count_values" {
                if let Some(Expr::StringLiteral(s)) = a.param.as_deref() {
                    grouped = grouped.map(|g| g.add(std::slice::from_ref(&s.val)));
                }
            }
            grouped
        }
        Expr::Binary(b) => {
            if is_scalar(&b.lhs) {
                return of(&b.rhs);
            }
            if is_scalar(&b.rhs) {
                return of(&b.lhs);
            }
            let op = b.op.to_string();
            let (lhs, rhs) = (of(&b.lhs), of(&b.rhs));
            if op == "or" {
                let mut out = lhs;
                for s in rhs.0 {
                    out.push(s);
                }
                return out;
            }
            if op == "and" || op == "unless" {
                return lhs;
            }
            let Some(m) = &b.modifier else {
                return lhs;
            };
            match (&m.card, &m.matching) {
                (VectorMatchCardinality::ManyToOne(extra), _) => lhs.map(|s| s.add(&extra.labels)),
                (VectorMatchCardinality::OneToMany(extra), _) => rhs.map(|s| s.add(&extra.labels)),
                // One-to-one matching with `on (…)` keeps only the listed
                // labels, `ignoring (…)` drops them.
                (_, Some(LabelModifier::Include(ls))) => lhs.map(|s| s.keep(&ls.labels)),
                (_, Some(LabelModifier::Exclude(ls))) => lhs.map(|s| s.remove(&ls.labels)),
                (_, None) => lhs,
            }
        }
        Expr::Call(c) => {
            let args: Vec<&Expr> = c.args.args.iter().map(|a| a.as_ref()).collect();
            // A string argument; `__name__` counts as none, being left out.
            let string = |i: usize| match args.get(i) {
                Some(Expr::StringLiteral(s)) if s.val != METRIC_NAME => Some(s.val.clone()),
                _ => None,
            };
            let first_vector = args
                .iter()
                .find(|a| matches!(a.value_type(), ValueType::Vector | ValueType::Matrix));
            let input =
                first_vector.map_or_else(|| Labels::one(Shape::exactly(no_names())), |a| of(a));
            match c.func.name {
                "vector" | "time" | "scalar" | "pi" => Labels::one(Shape::exactly(no_names())),
                "absent" | "absent_over_time" => Labels::one(Shape::exactly(
                    first_vector.map_or_else(Names::new, |a| absent_labels(a)),
                )),
                "histogram_quantile" => input.map(|s| s.remove(&["le".to_string()])),
                // An empty replacement removes the label; any other is taken
                // to set it, as it does whenever the regex matches.
                "label_replace" => match string(1) {
                    Some(dst) if string(2).is_some_and(|r| r.is_empty()) => {
                        input.map(|s| s.remove(std::slice::from_ref(&dst)))
                    }
                    Some(dst) => input.map(|s| s.add(std::slice::from_ref(&dst))),
                    None => input,
                },
                "label_join" => match string(1) {
                    Some(dst) => input.map(|s| s.add(std::slice::from_ref(&dst))),
                    None => input,
                },
                // `info` adds the labels of other series.
                "info" => input.map(|s| Shape {
                    at_least: s.at_least,
                    at_most: AtMost::AllBut(Names::new()),
                }),
                _ => input,
            }
        }
    }
}

fn no_names() -> Names {
    Names::new()
}

/// The shapes a selector's series may have: one per `or` alternative of
/// its matchers.
fn selector(v: &VectorSelector) -> Labels {
    let m = &v.matchers;
    if m.or_matchers.is_empty() {
        return Labels::one(matched(&m.matchers));
    }
    let mut out = Labels(Vec::new());
    for alternative in &m.or_matchers {
        let all: Vec<Matcher> = m.matchers.iter().chain(alternative).cloned().collect();
        out.push(matched(&all));
    }
    out
}

/// The labels a series matching all of `matchers` has: those a matcher
/// needs a value for, none of those a matcher needs empty, maybe others.
fn matched(matchers: &[Matcher]) -> Shape {
    let mut at_least = Names::new();
    let mut none = Names::new();
    for m in matchers.iter().filter(|m| m.name != METRIC_NAME) {
        if !m.is_match("") {
            at_least.insert(m.name.clone());
        } else if matches!(m.op, MatchOp::Equal) {
            none.insert(m.name.clone());
        }
    }
    Shape {
        at_least,
        at_most: AtMost::AllBut(none),
    }
}

/// `absent(x{a="1", b=~"…"})` yields one series labelled by the equality
/// matchers of its selector.
fn absent_labels(arg: &Expr) -> Names {
    let v = match arg {
        Expr::VectorSelector(v) => v,
        Expr::MatrixSelector(m) => &m.vs,
        _ => return Names::new(),
    };
    v.matchers
        .matchers
        .iter()
        .filter(|m| m.name != METRIC_NAME && matches!(m.op, MatchOp::Equal) && !m.value.is_empty())
        .map(|m| m.name.clone())
        .collect()
}

/// A matcher's operator (`=~`) and value, as written.
pub type Filter = (&'static str, String);

/// The matchers of every selector in `expr`, by label name: operator and
/// value, which are what a matcher shows besides the name
/// (`code=~"5.."`); `__name__` left out.
pub fn filters(expr: &Expr) -> BTreeMap<String, BTreeSet<Filter>> {
    let mut out: BTreeMap<String, BTreeSet<Filter>> = BTreeMap::new();
    walk_selectors(expr, &mut |v| {
        let all = v
            .matchers
            .matchers
            .iter()
            .chain(v.matchers.or_matchers.iter().flatten());
        for m in all.filter(|m| m.name != METRIC_NAME) {
            let op = match m.op {
                MatchOp::Equal => "=",
                MatchOp::NotEqual => "!=",
                MatchOp::Re(_) => "=~",
                MatchOp::NotRe(_) => "!~",
            };
            out.entry(m.name.clone())
                .or_default()
                .insert((op, m.value.clone()));
        }
    });
    out
}

fn walk_selectors(expr: &Expr, f: &mut impl FnMut(&VectorSelector)) {
    match expr {
        Expr::VectorSelector(v) => f(v),
        Expr::MatrixSelector(m) => f(&m.vs),
        Expr::Paren(p) => walk_selectors(&p.expr, f),
        Expr::Unary(u) => walk_selectors(&u.expr, f),
        Expr::Subquery(s) => walk_selectors(&s.expr, f),
        Expr::Aggregate(a) => {
            walk_selectors(&a.expr, f);
            if let Some(p) = &a.param {
                walk_selectors(p, f);
            }
        }
        Expr::Binary(b) => {
            walk_selectors(&b.lhs, f);
            walk_selectors(&b.rhs, f);
        }
        Expr::Call(c) => c.args.args.iter().for_each(|a| walk_selectors(a, f)),
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::Extension(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(text: &str) -> String {
        let expr = super::super::parse_template(text).expect("parses");
        of(&expr).to_string()
    }

    #[test]
    fn selectors_have_the_labels_their_matchers_need() {
        assert_eq!(labels("x"), "any labels");
        assert_eq!(
            labels(r#"x{code=~"5.."}"#),
            "labels `{code}` and maybe more"
        );
        assert_eq!(
            labels(r#"x{job="api", code!="200", route=~".*"}"#),
            "labels `{job}` and maybe more"
        );
        assert_eq!(labels(r#"x{code!=""}"#), "labels `{code}` and maybe more");
        assert_eq!(labels(r#"x{code=""}"#), "any labels but `{code}`");
        assert_eq!(
            labels(r#"{__name__="x", job="a"}"#),
            "labels `{job}` and maybe more"
        );
        assert_eq!(
            labels(r#"rate(x{code=~"5.."}[$window])"#),
            "labels `{code}` and maybe more"
        );
    }

    #[test]
    fn aggregations_yield_their_grouping() {
        assert_eq!(labels("sum(rate(x[$window]))"), "no labels");
        assert_eq!(
            labels("sum by (route, code) (rate(x[$window]))"),
            "labels `{code, route}`"
        );
        assert_eq!(labels("avg by (route) (x)"), "labels `{route}`");
        assert_eq!(
            labels(r#"sum without (instance) (rate(x{job="a"}[$window]))"#),
            "labels `{job}` and maybe more, not `{instance}`"
        );
        assert_eq!(
            labels("sum without (pod) (sum by (route, pod) (x))"),
            "labels `{route}`"
        );
        assert_eq!(labels(r#"topk(3, sum by (route) (x))"#), "labels `{route}`");
        assert_eq!(
            labels(r#"count_values by (route) ("value", x)"#),
            "labels `{route, value}`"
        );
        assert_eq!(labels("quantile(0.9, x)"), "no labels");
    }

    #[test]
    fn functions_keep_drop_or_add_labels() {
        for keeps in [
            "rate(V[$window])",
            "increase(V[$window])",
            "avg_over_time(V[$window])",
            "abs(V)",
            "clamp_max(V, 1)",
            "round(V, 0.1)",
        ] {
            let inner = keeps
                .replace('V', "sum by (a) (x)")
                .replace("[$window]", "[5m:]");
            assert_eq!(labels(&inner), "labels `{a}`", "{keeps}");
            let outer = format!("sum by (a) ({})", keeps.replace('V', "x"));
            assert_eq!(labels(&outer), "labels `{a}`", "{keeps}");
        }
        assert_eq!(labels("vector(0)"), "no labels");
        assert_eq!(labels("vector(time())"), "no labels");
        assert_eq!(
            labels(r#"absent(x{job="api", code!~"2.."})"#),
            "labels `{job}`"
        );
        assert_eq!(
            labels("histogram_quantile(0.9, sum by (le, route) (rate(h[$window])))"),
            "labels `{route}`"
        );
        assert_eq!(
            labels(r#"label_replace(sum by (path) (x), "route", "$1", "path", "(.*)")"#),
            "labels `{path, route}`"
        );
        assert_eq!(
            labels(r#"label_replace(sum by (path, route) (x), "route", "", "", "")"#),
            "labels `{path}`"
        );
        assert_eq!(
            labels(r#"label_replace(sum by (a) (x), "__name__", "y", "", "")"#),
            "labels `{a}`"
        );
        assert_eq!(
            labels(r#"label_join(sum by (a, b) (x), "ab", "-", "a", "b")"#),
            "labels `{a, ab, b}`"
        );
    }

    #[test]
    fn binary_operators_follow_vector_matching() {
        let by = |l: &str, inner: &str| format!("sum by ({l}) (rate({inner}[$window]))");
        assert_eq!(
            labels(&format!("{} / {}", by("a", "x"), by("a", "y"))),
            "labels `{a}`"
        );
        assert_eq!(labels(&format!("2 * {}", by("a", "x"))), "labels `{a}`");
        assert_eq!(labels(&format!("{} > 0", by("a", "x"))), "labels `{a}`");
        assert_eq!(labels(&format!("-{}", by("a", "x"))), "labels `{a}`");
        // `on` keeps only the labels listed, `ignoring` drops them.
        assert_eq!(
            labels(&format!("{} / on (a) {}", by("a, b", "x"), by("a", "y"))),
            "labels `{a}`"
        );
        assert_eq!(
            labels(&format!(
                "{} / ignoring (b) {}",
                by("a, b", "x"),
                by("a", "y")
            )),
            "labels `{a}`"
        );
        // `group_left` keeps the many side's labels and adds the ones listed.
        assert_eq!(
            labels(&format!(
                "{} * on (a) group_left (team) {}",
                by("a, b", "x"),
                by("a, team", "y")
            )),
            "labels `{a, b, team}`"
        );
        assert_eq!(
            labels(&format!(
                "{} * on (a) group_right {}",
                by("a", "x"),
                by("a, b", "y")
            )),
            "labels `{a, b}`"
        );
        // `and` and `unless` keep the left side; `or` yields both.
        assert_eq!(
            labels(&format!("{} and {}", by("a", "x"), by("b", "y"))),
            "labels `{a}`"
        );
        assert_eq!(
            labels(&format!("{} unless {}", by("a", "x"), by("b", "y"))),
            "labels `{a}`"
        );
        assert_eq!(labels("sum(rate(x[$window])) or vector(0)"), "no labels");
        assert_eq!(
            labels(&format!("{} or vector(0)", by("a", "x"))),
            "labels `{a}` or no labels"
        );
    }

    #[test]
    fn subqueries_and_parentheses_are_transparent() {
        assert_eq!(
            labels("max_over_time((sum by (a) (rate(x[5m])))[$window:1m])"),
            "labels `{a}`"
        );
    }

    #[test]
    fn shapes_may_equal() {
        let exact = |l: &[&str]| Shape::exactly(l.iter().copied());
        let open = |l: &[&str]| Shape {
            at_least: l.iter().map(|s| s.to_string()).collect(),
            at_most: AtMost::AllBut(Names::new()),
        };
        assert!(exact(&["a"]).may_equal(&exact(&["a"])));
        assert!(!exact(&["a"]).may_equal(&exact(&[])));
        assert!(!open(&["code"]).may_equal(&exact(&[])));
        assert!(open(&["code"]).may_equal(&exact(&["code", "route"])));
        assert!(open(&[]).may_equal(&exact(&[])));
    }

    #[test]
    fn filters_by_label() {
        let expr = super::super::parse_template(
            r#"sum(rate(x{code=~"5..", job="a"}[$window])) + sum(rate(y{job="a"}[$window]))"#,
        )
        .expect("parses");
        let f = filters(&expr);
        assert_eq!(f.keys().cloned().collect::<Vec<_>>(), ["code", "job"]);
        assert_eq!(f["job"].len(), 1);
    }
}
