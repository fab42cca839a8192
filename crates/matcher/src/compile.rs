//! Compiling a parsed pattern into index entries (see the crate docs for the shapes).

use simpul_observable::{Canonical, Cidr, Context, ObservableType as T, normalise, stix};
use simpul_pattern::{Comparison, ComparisonExpr, Constant, ObservationExpr, Operator, PathStep};

/// One thing an indicator is looked up by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Entry {
    /// The observable's canonical key equals this one.
    Exact(Canonical),
    /// The observable is a domain strictly below this one (`%.example.com`).
    Suffix(Box<str>),
    /// The observable is an address or block inside this block.
    Cidr(Cidr),
}

/// What a pattern compiles to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// A disjunction of indexable comparisons: the pattern holds for a single observable exactly
    /// when one of the entries does. Empty when every literal is an invalid observable (such an
    /// indicator can never match a canonical value).
    Indexed(Vec<Entry>),
    /// Evaluated by the pattern evaluator for observables whose STIX object type is one of
    /// these (the pre-filter: a comparison holds only on an object of its own type).
    Residual(Vec<String>),
    /// Can never match a single observable (see [`Never`]).
    Never(Never),
}

/// Why a pattern can never match a single observable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Never {
    /// Every branch needs two or more observations (`AND`/`FOLLOWEDBY` between observation
    /// expressions): one observable is one observation.
    MultiObservation,
    /// Every literal is an invalid value for its property (e.g. `domain-name:value = 'a b'`):
    /// no canonical key equals it.
    NoValidLiteral,
}

/// Compiles `root` (see the crate docs). `ctx` normalises literals (e.g. a default region for
/// national phone numbers in patterns; usually none).
#[must_use]
pub fn plan(root: &ObservationExpr, ctx: &Context) -> Plan {
    let mut branches = Vec::new();
    let mut multi = false;
    observation_branches(root, &mut branches, &mut multi);
    if branches.is_empty() {
        return Plan::Never(Never::MultiObservation);
    }
    let mut entries = Vec::new();
    let mut residual = false;
    'outer: for b in &branches {
        let Some(cmp) = b else {
            residual = true;
            break;
        };
        let mut leaves = Vec::new();
        if !comparison_leaves(cmp, &mut leaves) {
            residual = true;
            break;
        }
        for leaf in leaves {
            match leaf_entries(leaf, ctx) {
                Some(es) => {
                    for e in es {
                        if !entries.contains(&e) {
                            entries.push(e);
                        }
                    }
                }
                None => {
                    residual = true;
                    break 'outer;
                }
            }
        }
    }
    if residual {
        let mut types: Vec<String> = Vec::new();
        collect_types(root, &mut types);
        return Plan::Residual(types);
    }
    if entries.is_empty() {
        return Plan::Never(if multi {
            Never::MultiObservation
        } else {
            Never::NoValidLiteral
        });
    }
    Plan::Indexed(entries)
}

/// The observation-level `OR` branches that a single observation can satisfy: `Some` for a
/// bracketed comparison expression, `None` for a qualified expression (left to the evaluator).
/// `AND`/`FOLLOWEDBY` of two or more operands need distinct observations and are dropped.
fn observation_branches<'a>(
    e: &'a ObservationExpr,
    out: &mut Vec<Option<&'a ComparisonExpr>>,
    multi: &mut bool,
) {
    match e {
        ObservationExpr::Simple(c) => out.push(Some(c)),
        ObservationExpr::Or(v) => v.iter().for_each(|e| observation_branches(e, out, multi)),
        ObservationExpr::And(v) | ObservationExpr::FollowedBy(v) => {
            if let [one] = v.as_slice() {
                observation_branches(one, out, multi);
            } else {
                *multi = true;
            }
        }
        ObservationExpr::Qualified(..) => out.push(None),
    }
}

/// Flattens comparison-level `OR`; `false` when an `AND` is met (left to the evaluator).
fn comparison_leaves<'a>(c: &'a ComparisonExpr, out: &mut Vec<&'a Comparison>) -> bool {
    match c {
        ComparisonExpr::Comparison(c) => {
            out.push(c);
            true
        }
        ComparisonExpr::Or(v) => v.iter().all(|c| comparison_leaves(c, out)),
        ComparisonExpr::And(v) => match v.as_slice() {
            [one] => comparison_leaves(one, out),
            _ => false,
        },
    }
}

fn collect_types(e: &ObservationExpr, out: &mut Vec<String>) {
    fn cmp(c: &ComparisonExpr, out: &mut Vec<String>) {
        match c {
            ComparisonExpr::Comparison(c) => {
                if !out.contains(&c.object_type) {
                    out.push(c.object_type.clone());
                }
            }
            ComparisonExpr::And(v) | ComparisonExpr::Or(v) => v.iter().for_each(|c| cmp(c, out)),
        }
    }
    match e {
        ObservationExpr::Simple(c) => cmp(c, out),
        ObservationExpr::And(v) | ObservationExpr::Or(v) | ObservationExpr::FollowedBy(v) => {
            v.iter().for_each(|e| collect_types(e, out));
        }
        ObservationExpr::Qualified(e, _) => collect_types(e, out),
    }
}

/// The entries of one comparison, or `None` when it is not indexable.
fn leaf_entries(c: &Comparison, ctx: &Context) -> Option<Vec<Entry>> {
    if c.negated || c.path.iter().any(|s| matches!(s, PathStep::Index(_))) {
        return None;
    }
    let path = c.path_string();
    let types = stix::candidate_types(&c.object_type, &path);
    if types.is_empty() {
        return None;
    }
    let domain_path = types == [T::Domain];
    match (c.operator, c.value.as_ref()?) {
        (Operator::Eq, k) => literal_entries(c, &path, k, ctx),
        (Operator::In, Constant::List(items)) => {
            // A list mixing kinds is an evaluator error: leave it to the evaluator.
            let first = std::mem::discriminant(items.first()?);
            if items.iter().any(|i| std::mem::discriminant(i) != first) {
                return None;
            }
            let mut out = Vec::new();
            for i in items {
                for e in literal_entries(c, &path, i, ctx)? {
                    if !out.contains(&e) {
                        out.push(e);
                    }
                }
            }
            Some(out)
        }
        (Operator::Like, Constant::Str(s)) if domain_path => like_domain(s),
        (Operator::Matches, Constant::Str(s)) if domain_path => matches_domain(s),
        (Operator::IsSubset, Constant::Str(s))
            if matches!(types, [T::Ipv4] | [T::Ipv6]) && s.contains('/') =>
        {
            let cidr = Cidr::parse(s).ok()?;
            // The evaluator rejects a /0 block as invalid: leave it to the evaluator.
            (cidr.prefix() > 0 && s.trim() == s).then(|| vec![Entry::Cidr(cidr)])
        }
        _ => None,
    }
}

/// `=` (or a member of `IN`): one entry per canonical key of the literal; CIDR blocks become
/// containment entries.
fn literal_entries(c: &Comparison, path: &str, k: &Constant, ctx: &Context) -> Option<Vec<Entry>> {
    let text = match k {
        Constant::Str(s) => s.clone(),
        // `autonomous-system:number = 64500`
        Constant::Int(n) if stix::candidate_types(&c.object_type, path) == [T::Asn] => {
            n.to_string()
        }
        _ => return None,
    };
    Some(
        stix::keys_for(&c.object_type, path, &text, ctx)
            .into_iter()
            .map(|key| match key.ty() {
                T::Ipv4Cidr | T::Ipv6Cidr => key.cidr().map_or(Entry::Exact(key), Entry::Cidr),
                _ => Entry::Exact(key),
            })
            .collect(),
    )
}

/// A canonical domain: `normalise(domain, s) == s`.
fn canonical_domain(s: &str) -> Option<Canonical> {
    let c = normalise(T::Domain, s, &Context::new()).ok()?;
    (c.key() == s).then_some(c)
}

/// `LIKE 'example.com'` (no wildcard: equality) and `LIKE '%.example.com'` (strict subdomains).
fn like_domain(s: &str) -> Option<Vec<Entry>> {
    let wild = |x: &str| x.contains(['%', '_']);
    if !wild(s) {
        return Some(canonical_domain(s).map(Entry::Exact).into_iter().collect());
    }
    let rest = s.strip_prefix("%.")?;
    if wild(rest) {
        return None;
    }
    canonical_domain(rest).map(|_| vec![Entry::Suffix(rest.into())])
}

/// `MATCHES` of the shapes in the crate docs, where `D` is a canonical domain written with
/// `\.` between labels.
fn matches_domain(re: &str) -> Option<Vec<Entry>> {
    let body = re.strip_suffix('$')?;
    const STRICT: [&str; 4] = ["^.*\\.", "^.+\\.", ".\\.", "\\."];
    const INCLUSIVE: [&str; 3] = ["^(.*\\.)?", "^(.+\\.)?", "(^|\\.)"];
    let (d, exact, suffix) = if let Some(d) = INCLUSIVE.iter().find_map(|p| body.strip_prefix(p)) {
        (d, true, true)
    } else if let Some(d) = STRICT.iter().find_map(|p| body.strip_prefix(p)) {
        (d, false, true)
    } else {
        (body.strip_prefix('^')?, true, false)
    };
    // Labels of [a-z0-9-] joined by `\.`.
    let mut domain = String::with_capacity(d.len());
    for (i, label) in d.split("\\.").enumerate() {
        if label.is_empty()
            || !label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return None;
        }
        if i > 0 {
            domain.push('.');
        }
        domain.push_str(label);
    }
    let key = canonical_domain(&domain)?;
    let mut out = Vec::new();
    if exact {
        out.push(Entry::Exact(key));
    }
    if suffix {
        out.push(Entry::Suffix(domain.into()));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Plan {
        let pat = simpul_pattern::parse(s).unwrap();
        plan(pat.root(), &Context::new())
    }

    fn exact(ty: T, s: &str) -> Entry {
        Entry::Exact(normalise(ty, s, &Context::new()).unwrap())
    }

    #[test]
    fn shapes() {
        assert_eq!(
            p("[domain-name:value = 'Example.COM.']"),
            Plan::Indexed(vec![exact(T::Domain, "example.com")])
        );
        assert_eq!(
            p("[domain-name:value LIKE '%.example.com']"),
            Plan::Indexed(vec![Entry::Suffix("example.com".into())])
        );
        assert_eq!(
            p(r"[domain-name:value MATCHES '(^|\\.)example\\.com$']"),
            Plan::Indexed(vec![
                exact(T::Domain, "example.com"),
                Entry::Suffix("example.com".into())
            ])
        );
        assert_eq!(
            p(r"[domain-name:value MATCHES '\\.example\\.com$']"),
            Plan::Indexed(vec![Entry::Suffix("example.com".into())])
        );
        assert_eq!(
            p(r"[domain-name:value MATCHES '^example\\.com$']"),
            Plan::Indexed(vec![exact(T::Domain, "example.com")])
        );
        assert_eq!(
            p("[ipv4-addr:value ISSUBSET '10.1.0.0/16']"),
            Plan::Indexed(vec![Entry::Cidr(Cidr::parse("10.1.0.0/16").unwrap())])
        );
        assert_eq!(
            p("[ipv4-addr:value = '10.1.0.0/16']"),
            Plan::Indexed(vec![Entry::Cidr(Cidr::parse("10.1.0.0/16").unwrap())])
        );
        assert_eq!(
            p("[autonomous-system:number = 64500]"),
            Plan::Indexed(vec![exact(T::Asn, "AS64500")])
        );
        assert_eq!(
            p("[url:value = 'http://a.example/' OR file:hashes.MD5 IN ('d41d8cd98f00b204e9800998ecf8427e')] OR [ipv4-addr:value = '192.0.2.1']")
                .clone(),
            Plan::Indexed(vec![
                exact(T::Url, "http://a.example/"),
                exact(T::Md5, "d41d8cd98f00b204e9800998ecf8427e"),
                exact(T::Ipv4, "192.0.2.1"),
            ])
        );
    }

    #[test]
    fn residuals_and_nevers() {
        for s in [
            "[domain-name:value LIKE '%example.com']",
            "[domain-name:value LIKE '%.ex_mple.com']",
            "[domain-name:value MATCHES 'example']",
            "[domain-name:value != 'example.com']",
            "[domain-name:value NOT = 'example.com']",
            "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e' AND file:name = 'a']",
            "[file:name = 'a.exe']",
            "[domain-name:value = 'example.com'] REPEATS 2 TIMES",
            "[ipv4-addr:value ISSUBSET '0.0.0.0/0']",
        ] {
            assert!(matches!(p(s), Plan::Residual(_)), "{s}: {:?}", p(s));
        }
        assert_eq!(
            p("[domain-name:value = 'a.example'] AND [domain-name:value = 'b.example']"),
            Plan::Never(Never::MultiObservation)
        );
        assert_eq!(
            p("[domain-name:value = 'not a domain']"),
            Plan::Never(Never::NoValidLiteral)
        );
        // A branch that a single observation can satisfy keeps the indicator live.
        assert_eq!(
            p(
                "([domain-name:value = 'a.example'] FOLLOWEDBY [url:value = 'http://b.example/']) OR [domain-name:value = 'c.example']"
            ),
            Plan::Indexed(vec![exact(T::Domain, "c.example")])
        );
    }
}
