//! The dependency graph: which object must exist before which, derived from the objects
//! themselves (a policy names its repository, a trust names its OIDC provider, a push policy
//! names repository ARNs), and the order it puts a plan's changes in.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::fmt::Write as _;

use ecrplan_model::{Action, Address, Change, ObjectId, Plan};
use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::error::PlanError;

/// The graph over a set of changes: an edge `a → b` means `b` depends on `a` (a policy on its
/// repository, a role on its provider, a push policy on its role and repositories). Both the
/// live and the desired version contribute edges, so a delete waits for the update that stops
/// naming what it deletes.
struct ChangeGraph {
    graph: DiGraph<usize, ()>,
}

impl ChangeGraph {
    fn new(changes: &[Change]) -> Self {
        let mut graph = DiGraph::with_capacity(changes.len(), changes.len());
        let nodes: Vec<NodeIndex> = (0..changes.len()).map(|i| graph.add_node(i)).collect();
        let by_id: BTreeMap<&ObjectId, usize> = changes
            .iter()
            .enumerate()
            .map(|(i, c)| (&c.id, i))
            .collect();
        for (i, change) in changes.iter().enumerate() {
            let mut deps: Vec<ObjectId> = change
                .before
                .iter()
                .chain(change.after.iter())
                .flat_map(|r| r.dependencies(&change.id.scope))
                .collect();
            deps.sort();
            deps.dedup();
            for dep in deps {
                if let Some(&j) = by_id.get(&dep).filter(|&&j| j != i) {
                    graph.add_edge(nodes[j], nodes[i], ());
                }
            }
        }
        Self { graph }
    }

    fn neighbours(&self, i: usize, dir: Direction) -> impl Iterator<Item = usize> + '_ {
        self.graph
            .neighbors_directed(NodeIndex::new(i), dir)
            .map(|n| self.graph[n])
    }
}

fn is_delete(c: &Change) -> bool {
    c.action == Action::Delete
}

/// Kahn's algorithm over `members`, where `waits_for(i)` lists what must come before `i`; ties
/// are broken by address so that the same inputs always give the same order.
fn kahn(
    changes: &[Change],
    members: &[usize],
    waits_for: impl Fn(usize) -> Vec<usize>,
) -> Result<Vec<usize>, PlanError> {
    let mut in_set = vec![false; changes.len()];
    for &i in members {
        in_set[i] = true;
    }
    let mut blocked = vec![0usize; changes.len()];
    let mut unblocks: Vec<Vec<usize>> = vec![Vec::new(); changes.len()];
    for &i in members {
        let mut before: Vec<usize> = waits_for(i).into_iter().filter(|&j| in_set[j]).collect();
        before.sort_unstable();
        before.dedup();
        blocked[i] = before.len();
        for j in before {
            unblocks[j].push(i);
        }
    }
    let mut ready: BinaryHeap<Reverse<(&Address, usize)>> = members
        .iter()
        .filter(|&&i| blocked[i] == 0)
        .map(|&i| Reverse((&changes[i].address, i)))
        .collect();
    let mut out = Vec::with_capacity(members.len());
    while let Some(Reverse((_, i))) = ready.pop() {
        out.push(i);
        for &k in &unblocks[i] {
            blocked[k] -= 1;
            if blocked[k] == 0 {
                ready.push(Reverse((&changes[k].address, k)));
            }
        }
    }
    let stuck = members
        .iter()
        .filter(|&&i| blocked[i] > 0)
        .map(|&i| &changes[i].address)
        .min();
    if let Some(address) = stuck {
        return Err(PlanError::Cycle(Box::new(address.clone())));
    }
    Ok(out)
}

/// Puts changes in the order the executor runs them and fills `depends_on`: creates, updates,
/// adopts and no-ops in dependency order, then deletes in reverse dependency order.
pub(crate) fn order(mut changes: Vec<Change>) -> Result<Vec<Change>, PlanError> {
    let g = ChangeGraph::new(&changes);
    let (deletes, others): (Vec<usize>, Vec<usize>) =
        (0..changes.len()).partition(|&i| is_delete(&changes[i]));
    let first = kahn(&changes, &others, |i| {
        g.neighbours(i, Direction::Incoming).collect()
    })?;
    let then = kahn(&changes, &deletes, |i| {
        g.neighbours(i, Direction::Outgoing).collect()
    })?;
    let adopted: BTreeMap<&ObjectId, usize> = changes
        .iter()
        .enumerate()
        .filter(|(_, c)| c.action == Action::Adopt)
        .map(|(i, c)| (&c.id, i))
        .collect();
    let mut depends: Vec<Vec<Address>> = vec![Vec::new(); changes.len()];
    for (i, slot) in depends.iter_mut().enumerate() {
        let wanted: Vec<usize> = if is_delete(&changes[i]) {
            // Deleting a policy of an object being adopted acts on an object ecrplan owns only
            // once the adoption ran: when it is skipped (no `--adopt`), the delete must be too.
            let parent =
                (changes[i].before.as_ref()).and_then(|r| r.parent_in(&changes[i].id.scope));
            g.neighbours(i, Direction::Outgoing)
                .chain(parent.and_then(|p| adopted.get(&p).copied()))
                .collect()
        } else {
            g.neighbours(i, Direction::Incoming)
                .filter(|&j| !is_delete(&changes[j]))
                .collect()
        };
        let mut addrs: Vec<Address> = wanted
            .into_iter()
            .filter(|&j| changes[j].action != Action::NoOp)
            .map(|j| changes[j].address.clone())
            .collect();
        addrs.sort();
        addrs.dedup();
        *slot = addrs;
    }
    for (change, deps) in changes.iter_mut().zip(depends) {
        change.depends_on = deps;
    }
    let mut slots: Vec<Option<Change>> = changes.into_iter().map(Some).collect();
    Ok(first
        .into_iter()
        .chain(then)
        .filter_map(|i| slots[i].take())
        .collect())
}

/// The plan's dependency graph in Graphviz DOT: one node per change, labelled with its symbol
/// and address, and an edge from each object to what depends on it.
pub fn graph_dot(plan: &Plan) -> String {
    let g = ChangeGraph::new(&plan.changes);
    let mut out = String::from("digraph ecrplan {\n  rankdir = \"LR\";\n  node [shape = box];\n");
    for c in &plan.changes {
        let style = match c.action {
            Action::NoOp => "",
            Action::Create => ", color = \"green\"",
            Action::Update | Action::Adopt => ", color = \"orange\"",
            Action::Replace | Action::Delete => ", color = \"red\"",
        };
        let _ = writeln!(
            out,
            "  {} [label = {}{}];",
            quote(&c.address.to_string()),
            quote(format!("{} {} ({})", c.action.symbol(), c.address, c.action).trim()),
            style
        );
    }
    let mut edges: Vec<(String, String)> = g
        .graph
        .edge_indices()
        .filter_map(|e| g.graph.edge_endpoints(e))
        .map(|(a, b)| {
            (
                plan.changes[g.graph[a]].address.to_string(),
                plan.changes[g.graph[b]].address.to_string(),
            )
        })
        .collect();
    edges.sort();
    for (a, b) in edges {
        let _ = writeln!(out, "  {} -> {};", quote(&a), quote(&b));
    }
    out.push_str("}\n");
    out
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use ecrplan_model::{JsonDocument, Kind, Resource, RolePolicy, Scope};
    use serde_json::json;

    use super::*;

    #[test]
    fn a_cycle_is_an_error_not_a_hang() {
        let role = Resource::Role(ecrplan_model::Role {
            name: "r".into(),
            path: "/".into(),
            trust: JsonDocument::new(json!({"Statement": {"Principal": {"Federated":
                "arn:aws:iam::111111111111:oidc-provider/p"}}})),
            tags: Default::default(),
        });
        // An id that lies about its resource is the only way to close a loop.
        let policy = Resource::RolePolicy(RolePolicy {
            role: "r".into(),
            name: "x".into(),
            document: JsonDocument::new(json!({})),
        });
        let change = |id: ObjectId, r: Resource, name: &str| Change {
            address: Address {
                name: name.into(),
                ..Address::new(id.kind, id.scope.clone())
            },
            id,
            action: Action::Create,
            before: None,
            after: Some(r),
            replace_because: Vec::new(),
            force: false,
            depends_on: Vec::new(),
        };
        let account = Scope::Account("111111111111".into());
        let changes = vec![
            change(role.id_in(account.clone()), role, "role"),
            change(
                ObjectId::new(Kind::OidcProvider, account, "p"),
                policy,
                "provider",
            ),
        ];
        assert!(matches!(order(changes), Err(PlanError::Cycle(_))));
    }
}
