//! The object page's relationships: the objects directly related to it — relationship SROs where it
//! is the source or the target, the objects it refers to through its `*_ref(s)` properties (a
//! report's `object_refs`, a sighting's `sighting_of_ref`), and the reports, groupings, notes and
//! opinions that refer to it — as a small server-drawn SVG graph and the same as a table.
//!
//! Every read goes through `Service::list_objects` with the reader's principal: a relationship, a
//! container or a neighbour the reader may not see is not drawn, not listed and not counted. At
//! most [`MAX_NODES`] neighbours are drawn; "and N more" counts only visible ones.

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use simpul_core::intel::refs::REF_PROPERTIES;
use simpul_core::intel::store::{MAX_PAGE, ObjectQuery, StoredObject};
use simpul_core::{CoreError, OrgId, Principal, Service};

use crate::web::view::{Badge, tlp_badge};

/// The most neighbours the graph and the table show.
pub const MAX_NODES: usize = 25;
/// The most referred ids of the object looked up (a report may refer to 100,000 objects).
const MAX_LOOKUP: usize = 1000;
/// The types whose `object_refs` say "contains": they are listed as referring to the object.
const CONTAINERS: [&str; 4] = ["report", "grouping", "note", "opinion"];

/// A node's box in the SVG, in user units.
const NODE_W: i32 = 150;
const NODE_H: i32 = 50;
const ROW: i32 = 58;
const PAD: i32 = 12;
/// Centre column and the inner and outer columns of each side (x of the box's left edge).
const CENTRE_X: i32 = 425;
const LEFT_X: [i32; 2] = [205, 10];
const RIGHT_X: [i32; 2] = [645, 840];
/// The characters of a name that fit a node's box.
pub const NAME_CHARS: usize = 21;
/// A side with more neighbours than this takes two staggered columns.
const ONE_COLUMN: usize = 7;
/// Labels on the edges only while the graph is this small (the table names every relationship).
const EDGE_LABELS: usize = 10;

/// An object the graph draws.
#[derive(Debug)]
pub struct Node {
    pub href: String,
    pub stix_type: String,
    pub name: String,
    /// `name` cut to fit its box.
    pub short: String,
    pub tlp: Badge,
    /// The TLP colour class for SVG text (`tlp-green`).
    pub tlp_class: &'static str,
    pub org: String,
    pub revoked: bool,
    pub x: i32,
    pub y: i32,
    /// The TLP box's width (it fits the label).
    pub tlp_w: i32,
}

/// A relationship of the object with a drawn neighbour.
#[derive(Debug)]
pub struct Link {
    /// `uses`, `indicates`, `contains`, `sighting of`, ….
    pub label: String,
    /// The relationship as the table says it: `this indicates →`, `← contains this`.
    pub phrase: String,
    /// From the object to the neighbour (else from the neighbour to the object).
    pub outgoing: bool,
    /// Index in [`Graph::nodes`].
    pub node: usize,
}

/// An edge as drawn: a line from (x1, y1) to (x2, y2) (the arrow at the second end), its label at
/// (lx, ly) when labels are drawn.
#[derive(Debug)]
pub struct Edge {
    pub x1: i32,
    pub y1: i32,
    pub x2: i32,
    pub y2: i32,
    pub lx: i32,
    pub ly: i32,
    pub label: String,
}

/// The relationships of one object as the reader may see them.
#[derive(Debug, Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub links: Vec<Link>,
    pub edges: Vec<Edge>,
    /// Visible neighbours beyond [`MAX_NODES`].
    pub more: usize,
    /// Whether a lookup stopped at its bound (there may be more than counted).
    pub bounded: bool,
    pub view_x: i32,
    pub view_w: i32,
    pub view_h: i32,
    pub centre_x: i32,
    pub centre_y: i32,
    pub edge_labels: bool,
}

impl Graph {
    /// The graph's description for its `<desc>`.
    pub fn description(&self) -> String {
        let n = self.nodes.len() + self.more;
        format!(
            "This object and the {n} object{} directly related to it that you may see; \
             the table beside it lists the same relationships.",
            if n == 1 { "" } else { "s" }
        )
    }
}

/// A relationship found, before the neighbour is known to be visible.
struct Found {
    other: String,
    label: String,
    phrase: String,
    outgoing: bool,
}

/// The relationships of `o` that `p` may see, with `short_org` naming producers.
pub async fn relationships(
    s: &Service,
    p: &Principal,
    o: &StoredObject,
    short_org: &(dyn Fn(&OrgId) -> String + Sync),
) -> Result<Graph, CoreError> {
    let me = p.as_user().map(|u| u.org.id);
    let json: Value = serde_json::from_str(&o.json).unwrap_or_default();
    let mut found: Vec<Found> = Vec::new();
    let mut bounded = false;
    // What the object refers to.
    let mut looked_up = 0usize;
    for prop in REF_PROPERTIES {
        let (label, phrase) = ref_label(prop);
        let ids: Vec<&str> = match json.get(prop) {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        for id in ids {
            if looked_up == MAX_LOOKUP {
                bounded = true;
                break;
            }
            looked_up += 1;
            found.push(Found {
                other: id.to_owned(),
                label: label.to_owned(),
                phrase: phrase.to_owned(),
                outgoing: true,
            });
        }
    }
    let visible: HashMap<String, StoredObject> =
        lookup(s, p, me, found.iter().map(|f| f.other.as_str())).await?;
    // The relationships and containers that refer to the object.
    let referring = |types: &[&str]| ObjectQuery {
        refs: vec![o.stix_id.clone()],
        types: types.iter().map(|t| (*t).to_owned()).collect(),
        exclude_ids: vec![o.stix_id.clone()],
        latest_only: true,
        revoked: Some(false),
        limit: MAX_PAGE,
        ..ObjectQuery::default()
    };
    let sros = s.list_objects(p, &referring(&["relationship"])).await?;
    let containers = s.list_objects(p, &referring(&CONTAINERS)).await?;
    bounded |= sros.len() == MAX_PAGE as usize || containers.len() == MAX_PAGE as usize;
    let mut ends: Vec<Found> = Vec::new();
    for sro in &sros {
        let v: Value = serde_json::from_str(&sro.json).unwrap_or_default();
        let (src, tgt) = (str_of(&v, "source_ref"), str_of(&v, "target_ref"));
        let label = str_of(&v, "relationship_type").to_owned();
        if src == o.stix_id && tgt != o.stix_id {
            ends.push(Found {
                other: tgt.to_owned(),
                phrase: format!("this {label} →"),
                label,
                outgoing: true,
            });
        } else if tgt == o.stix_id && src != o.stix_id {
            ends.push(Found {
                other: src.to_owned(),
                phrase: format!("← {label} this"),
                label,
                outgoing: false,
            });
        }
    }
    let mut visible_ends = lookup(s, p, me, ends.iter().map(|f| f.other.as_str())).await?;
    visible_ends.extend(visible);
    for c in containers {
        found.push(Found {
            other: c.stix_id.clone(),
            label: "contains".to_owned(),
            phrase: "← contains this".to_owned(),
            outgoing: false,
        });
        visible_ends.entry(c.stix_id.clone()).or_insert(c);
    }
    found.extend(ends);
    Ok(build(o, found, &visible_ends, bounded, short_org))
}

/// The latest version of each of `ids` that `p` may see (one per id: the reader's organisation's
/// lineage first, else the one stored first).
async fn lookup<'a>(
    s: &Service,
    p: &Principal,
    me: Option<OrgId>,
    ids: impl Iterator<Item = &'a str>,
) -> Result<HashMap<String, StoredObject>, CoreError> {
    let mut wanted: Vec<String> = Vec::new();
    let mut seen = HashSet::new();
    for id in ids {
        if seen.insert(id) {
            wanted.push(id.to_owned());
        }
    }
    let mut out: HashMap<String, StoredObject> = HashMap::new();
    // A chunk's ids may have several lineages each: half a page of ids fills at most a page
    // unless an id has more than two, when the chunk's page is merely shorter than complete.
    for chunk in wanted.chunks(MAX_PAGE as usize / 2) {
        let q = ObjectQuery {
            ids: chunk.to_vec(),
            latest_only: true,
            limit: MAX_PAGE,
            ..ObjectQuery::default()
        };
        for v in s.list_objects(p, &q).await? {
            let keep = match out.get(&v.stix_id) {
                None => true,
                Some(have) => Some(have.producer_org) != me && Some(v.producer_org) == me,
            };
            if keep {
                out.insert(v.stix_id.clone(), v);
            }
        }
    }
    Ok(out)
}

fn str_of<'v>(v: &'v Value, key: &str) -> &'v str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// How a reference property reads as a relationship: its edge label and its phrase.
fn ref_label(prop: &str) -> (&'static str, &'static str) {
    match prop {
        "sighting_of_ref" => ("sighting of", "this is a sighting of →"),
        "where_sighted_refs" => ("sighted at", "this was sighted at →"),
        "observed_data_refs" => ("observed data", "this cites the observed data →"),
        "source_ref" => ("source", "this relationship's source →"),
        "target_ref" => ("target", "this relationship's target →"),
        _ => ("contains", "this contains →"),
    }
}

/// The graph of what was found among what is visible: each visible neighbour once, in the order
/// found, the first [`MAX_NODES`] drawn.
fn build(
    o: &StoredObject,
    found: Vec<Found>,
    visible: &HashMap<String, StoredObject>,
    bounded: bool,
    short_org: &(dyn Fn(&OrgId) -> String + Sync),
) -> Graph {
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut order: Vec<&StoredObject> = Vec::new();
    let mut links: Vec<Link> = Vec::new();
    let mut more: HashSet<&str> = HashSet::new();
    let mut seen_links = HashSet::new();
    for f in found {
        if f.other == o.stix_id {
            continue;
        }
        let Some(n) = visible.get(&f.other) else {
            continue;
        };
        let i = match index.get(&f.other) {
            Some(&i) => i,
            None if order.len() < MAX_NODES => {
                order.push(n);
                index.insert(f.other.clone(), order.len() - 1);
                order.len() - 1
            }
            None => {
                more.insert(n.stix_id.as_str());
                continue;
            }
        };
        if seen_links.insert((i, f.label.clone(), f.outgoing)) {
            links.push(Link {
                label: f.label,
                phrase: f.phrase,
                outgoing: f.outgoing,
                node: i,
            });
        }
    }
    // A neighbour sits on the right when the object's first link with it goes out to it.
    let right: Vec<bool> = (0..order.len())
        .map(|i| {
            links
                .iter()
                .find(|l| l.node == i)
                .is_some_and(|l| l.outgoing)
        })
        .collect();
    let mut nodes: Vec<Node> = order
        .iter()
        .map(|n| {
            let tlp = tlp_badge(n.tlp);
            let (tlp_class, tlp_w) = (tlp_class(&tlp), tlp_width(&tlp));
            let name = super::super::dashboard::display_name(n);
            Node {
                href: format!("/objects/{}", n.stix_id),
                stix_type: n.stix_type.clone(),
                short: truncate(&name, NAME_CHARS),
                name,
                tlp,
                tlp_class,
                org: short_org(&n.producer_org),
                revoked: n.revoked,
                x: 0,
                y: 0,
                tlp_w,
            }
        })
        .collect();
    let mut g = Graph {
        more: more.len(),
        bounded,
        edge_labels: nodes.len() <= EDGE_LABELS,
        ..Graph::default()
    };
    // Layout: the object in the middle, what refers to it on the left, what it refers to on the
    // right; a side of many takes two columns, the outer one half a row lower.
    let sides = [
        (
            LEFT_X,
            (0..nodes.len()).filter(|&i| !right[i]).collect::<Vec<_>>(),
        ),
        (RIGHT_X, (0..nodes.len()).filter(|&i| right[i]).collect()),
    ];
    let shape = |n: usize| {
        let cols = if n > ONE_COLUMN { 2 } else { 1 };
        let rows = i32::try_from(n.div_ceil(cols)).unwrap_or(0);
        (cols, rows * ROW + if cols == 2 { ROW / 2 } else { 0 })
    };
    let height = sides
        .iter()
        .map(|(_, members)| shape(members.len()).1)
        .fold(ROW, i32::max);
    for (xs, members) in &sides {
        let (cols, h) = shape(members.len());
        let shift = (height - h) / 2;
        for (k, &i) in members.iter().enumerate() {
            let col = k % cols;
            let row = i32::try_from(k / cols).unwrap_or(0);
            nodes[i].x = xs[col];
            nodes[i].y = PAD + shift + row * ROW + if col == 1 { ROW / 2 } else { 0 };
        }
    }
    g.view_h = height + 2 * PAD - (ROW - NODE_H);
    g.centre_x = CENTRE_X;
    g.centre_y = PAD + (height - (ROW - NODE_H)) / 2 - NODE_H / 2;
    let left_most = nodes.iter().map(|n| n.x).min().unwrap_or(CENTRE_X);
    let right_most = nodes.iter().map(|n| n.x).max().unwrap_or(CENTRE_X);
    g.view_x = left_most.min(CENTRE_X) - PAD;
    g.view_w = right_most.max(CENTRE_X) + NODE_W + PAD - g.view_x;
    // One edge per neighbour: its relationships' labels, the arrow as the first one points.
    for (i, n) in nodes.iter().enumerate() {
        let labels: Vec<&str> = links
            .iter()
            .filter(|l| l.node == i)
            .map(|l| l.label.as_str())
            .collect();
        let (cy, ny) = (g.centre_y + NODE_H / 2, n.y + NODE_H / 2);
        let (cx, nx) = if right[i] {
            (CENTRE_X + NODE_W, n.x)
        } else {
            (CENTRE_X, n.x + NODE_W)
        };
        let ((x1, y1), (x2, y2)) = if right[i] {
            ((cx, cy), (nx, ny))
        } else {
            ((nx, ny), (cx, cy))
        };
        g.edges.push(Edge {
            x1,
            y1,
            x2,
            y2,
            lx: (x1 + x2) / 2,
            ly: (y1 + y2) / 2 - 4,
            label: truncate(&labels.join(", "), 18),
        });
    }
    g.nodes = nodes;
    g.links = links;
    g
}

/// A badge's colour class alone (`tlp-green`), for SVG text.
pub fn tlp_class(b: &Badge) -> &'static str {
    b.class.rsplit(' ').next().unwrap_or("tlp-clear")
}

/// The width of the box behind a TLP label in the SVG.
pub fn tlp_width(b: &Badge) -> i32 {
    i32::try_from(b.label.len()).unwrap_or(16) * 7 + 8
}

/// `s` cut to at most `max` characters, an ellipsis marking the cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::truncate;

    #[test]
    fn long_names_are_cut_with_an_ellipsis() {
        assert_eq!(truncate("short", 22), "short");
        assert_eq!(truncate("abcdefghij", 5), "abcd…");
        assert_eq!(truncate("ñññññ", 5), "ñññññ");
    }
}
