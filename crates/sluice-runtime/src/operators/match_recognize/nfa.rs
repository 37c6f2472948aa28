//! The automaton behind `MATCH_RECOGNIZE`, with Flink CEP's semantics.
//!
//! Flink compiles a row pattern into states joined by `TAKE` edges (consume the row as a
//! pattern variable and move on) and `PROCEED` edges (move on without consuming; an
//! epsilon move). Every row of a partition is offered to every partial match and to a
//! fresh one that starts at that row. A partial match that can neither take nor proceed
//! dies. A match that reaches the final state is held back while a partial match that
//! started earlier is still alive, so that matches come out in the order of their first
//! row, and the `AFTER MATCH SKIP` strategy then prunes the partial and held matches it
//! overlaps.
//!
//! Partial matches share their prefixes: a path is a list of `Node`s linked backwards,
//! so a branch costs one node (Flink's `SharedBuffer`).
//!
//! Conditions are evaluated by the caller. A condition is a formula over *atoms*: atom
//! `v` is the `DEFINE` of variable `v` evaluated with the current row taken as `v` and
//! the rows the partial match has so far. `Nfa::atoms` says which atoms a partial match
//! in a given state may need, so the operator can evaluate them for many partial
//! matches at once before `PartitionNfa::step` reads the answers.

use std::sync::Arc;

use smallvec::SmallVec;

pub type VarId = usize;
pub type StateId = usize;

/// A boolean formula over the `DEFINE` atoms.
#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    True,
    /// The `DEFINE` of a variable (TRUE for a variable without one).
    Atom(VarId),
    Not(Box<Cond>),
    And(Box<Cond>, Box<Cond>),
}

impl Cond {
    pub fn and(self, other: Cond) -> Cond {
        match (self, other) {
            (Cond::True, c) | (c, Cond::True) => c,
            (a, b) => Cond::And(Box::new(a), Box::new(b)),
        }
    }

    fn atoms(&self, out: &mut Vec<VarId>) {
        match self {
            Cond::True => {}
            Cond::Atom(v) => out.push(*v),
            Cond::Not(c) => c.atoms(out),
            Cond::And(a, b) => {
                a.atoms(out);
                b.atoms(out);
            }
        }
    }

    /// The value with some atoms unknown (`None`): `Some` when the known atoms decide it.
    fn eval3(&self, known: &impl Fn(VarId) -> Option<bool>) -> Option<bool> {
        match self {
            Cond::True => Some(true),
            Cond::Atom(v) => known(*v),
            Cond::Not(c) => c.eval3(known).map(|b| !b),
            Cond::And(a, b) => match (a.eval3(known), b.eval3(known)) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            },
        }
    }

    fn mentions(&self, v: VarId) -> bool {
        match self {
            Cond::True => false,
            Cond::Atom(w) => *w == v,
            Cond::Not(c) => c.mentions(v),
            Cond::And(a, b) => a.mentions(v) || b.mentions(v),
        }
    }

    fn negated_atoms(&self, negated: bool, out: &mut Vec<VarId>) {
        match self {
            Cond::True => {}
            Cond::Atom(v) => {
                if negated {
                    out.push(*v)
                }
            }
            Cond::Not(c) => c.negated_atoms(!negated, out),
            Cond::And(a, b) => {
                a.negated_atoms(negated, out);
                b.negated_atoms(negated, out);
            }
        }
    }

    fn eval(&self, atom: &mut impl FnMut(VarId) -> bool) -> bool {
        match self {
            Cond::True => true,
            Cond::Atom(v) => atom(*v),
            Cond::Not(c) => !c.eval(atom),
            Cond::And(a, b) => a.eval(atom) && b.eval(atom),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Take,
    Proceed,
}

#[derive(Clone, Debug)]
pub struct Edge {
    pub action: Action,
    pub target: StateId,
    pub cond: Cond,
}

#[derive(Clone, Debug)]
pub struct State {
    /// The variable a `TAKE` from this state assigns the row to (`None` for the final
    /// state).
    pub var: Option<VarId>,
    pub is_final: bool,
    pub edges: Vec<Edge>,
}

/// A compiled pattern.
#[derive(Clone, Debug)]
pub struct Nfa {
    pub states: Vec<State>,
    pub start: StateId,
    /// Per state: the atoms a partial match in that state may evaluate on one row.
    atoms: Vec<Vec<VarId>>,
    /// Per state: the conditions of the edges those atoms come from.
    conds: Vec<Vec<Cond>>,
    /// Per state: the atoms that appear negated (the guards of greedy quantifiers).
    guards: Vec<Vec<VarId>>,
    pub final_state: StateId,
}

impl Nfa {
    pub fn new(states: Vec<State>, start: StateId) -> Self {
        let final_state = states.iter().position(|s| s.is_final).unwrap_or(0);
        let mut nfa = Nfa { states, start, atoms: Vec::new(), conds: Vec::new(), guards: Vec::new(), final_state };
        let per_state: Vec<(Vec<VarId>, Vec<Cond>)> = (0..nfa.states.len()).map(|s| nfa.collect_atoms(s)).collect();
        for (atoms, conds) in per_state {
            let mut guards = Vec::new();
            for c in &conds {
                c.negated_atoms(false, &mut guards);
            }
            guards.sort_unstable();
            guards.dedup();
            nfa.atoms.push(atoms);
            nfa.conds.push(conds);
            nfa.guards.push(guards);
        }
        nfa
    }

    /// Whether atom `v` can wait until the guards of `state` (atoms that appear negated)
    /// are known: then `needed` may find it irrelevant. A greedy loop's own condition is
    /// the guard of the next variable's, which matters only when the loop cannot go on.
    pub fn can_defer(&self, state: StateId, v: VarId) -> bool {
        !self.guards[state].is_empty() && !self.guards[state].contains(&v)
    }

    /// Whether some condition of `state` that reads atom `v` is not yet decided by the
    /// atoms `known` answers.
    pub fn needed(&self, state: StateId, v: VarId, known: &impl Fn(VarId) -> Option<bool>) -> bool {
        self.conds[state].iter().any(|c| c.mentions(v) && c.eval3(known).is_none())
    }

    /// The atoms used by the decision graph of `state` (every edge reachable through
    /// `PROCEED` edges) and by the `PROCEED` chains after each `TAKE` target.
    fn collect_atoms(&self, state: StateId) -> (Vec<VarId>, Vec<Cond>) {
        let mut out = Vec::new();
        let mut conds = Vec::new();
        let mut seen = vec![false; self.states.len()];
        let mut stack = vec![state];
        let mut take_targets = Vec::new();
        while let Some(s) = stack.pop() {
            if std::mem::replace(&mut seen[s], true) {
                continue;
            }
            for e in &self.states[s].edges {
                e.cond.atoms(&mut out);
                conds.push(e.cond.clone());
                match e.action {
                    Action::Proceed => stack.push(e.target),
                    Action::Take => take_targets.push(e.target),
                }
            }
        }
        let mut seen = vec![false; self.states.len()];
        let mut stack = take_targets;
        while let Some(s) = stack.pop() {
            if std::mem::replace(&mut seen[s], true) {
                continue;
            }
            for e in &self.states[s].edges {
                if e.action == Action::Proceed {
                    e.cond.atoms(&mut out);
                    conds.push(e.cond.clone());
                    stack.push(e.target);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        (out, conds)
    }

    pub fn atoms(&self, state: StateId) -> &[VarId] {
        &self.atoms[state]
    }
}

/// One row of a partition as the automaton sees it. `seq` orders the rows of a
/// partition as they were processed (Flink's `EventId`: rowtime, then arrival).
#[derive(Clone, Debug)]
pub struct Event<R> {
    pub seq: u64,
    pub ts: i64,
    pub row: R,
}

/// A row taken into a partial match, linked to the rows taken before it.
///
/// Rows taken as the same variable one after another form a *run* (with Flink's
/// patterns, each variable's rows are one run). Each node knows its run, so `LAST(A.x)`
/// seen from deep inside a long run of `B` rows jumps over that run instead of walking it.
#[derive(Debug)]
pub struct Node<R> {
    pub var: VarId,
    pub event: Event<R>,
    pub prev: Option<Arc<Node<R>>>,
    /// The last node before this node's run.
    pub before_run: Option<Arc<Node<R>>>,
    /// This node's position in its run, from 1.
    pub run_len: u32,
}

impl<R> Node<R> {
    /// A node taking `event` as `var` after `prev`.
    pub fn new(var: VarId, event: Event<R>, prev: Option<Arc<Node<R>>>) -> Self {
        let (before_run, run_len) = match &prev {
            Some(p) if p.var == var => (p.before_run.clone(), p.run_len + 1),
            _ => (prev.clone(), 1),
        };
        Node { var, event, prev, before_run, run_len }
    }

    /// The node `steps` rows before this one.
    pub fn back(&self, steps: usize) -> Option<&Node<R>> {
        let mut n = self;
        for _ in 0..steps {
            n = n.prev.as_deref()?;
        }
        Some(n)
    }
}

impl<R> Drop for Node<R> {
    // A long path would otherwise drop recursively, one stack frame per row.
    fn drop(&mut self) {
        self.before_run = None;
        let mut next = self.prev.take();
        while let Some(node) = next {
            match Arc::try_unwrap(node) {
                Ok(mut n) => {
                    n.before_run = None;
                    next = n.prev.take();
                }
                Err(_) => break,
            }
        }
    }
}

/// Iterates a path from its last row back to its first.
pub fn path_rev<R>(path: Option<&Arc<Node<R>>>) -> impl Iterator<Item = &Node<R>> {
    let mut cur = path.map(|n| n.as_ref());
    std::iter::from_fn(move || {
        let n = cur?;
        cur = n.prev.as_deref();
        Some(n)
    })
}

/// A partial match (Flink's `ComputationState`).
#[derive(Debug)]
pub struct Computation<R> {
    pub state: StateId,
    pub path: Option<Arc<Node<R>>>,
    /// The first row: `(seq, ts)`; `None` for the computation waiting at the start state.
    pub start: Option<(u64, i64)>,
}

impl<R> Clone for Computation<R> {
    fn clone(&self) -> Self {
        Computation { state: self.state, path: self.path.clone(), start: self.start }
    }
}

impl<R> Computation<R> {
    /// Flink's order of partial matches: by first row, the start state last.
    fn order_key(&self) -> u64 {
        self.start.map(|(seq, _)| seq).unwrap_or(u64::MAX)
    }
}

/// `AFTER MATCH SKIP ...`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    PastLastRow,
    ToNextRow,
    ToFirst(VarId),
    ToLast(VarId),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NfaError {
    #[error("could not skip to {0} variable \"{1}\": the match has no row for it")]
    SkipToMissing(&'static str, VarId),
    #[error("could not skip to the first row of the match: AFTER MATCH SKIP TO {0} would find the same match again")]
    SkipToFirstRow(&'static str),
    #[error("a partition holds more than {limit} partial matches")]
    TooManyPartialMatches { limit: usize },
}

/// A finished match: its rows in order, with the variable each was taken as.
pub type Match<R> = Vec<(VarId, Event<R>)>;

/// A finished match as the path of its last row, with the time it was emitted at (the
/// rowtime of the row being processed, or the time passed to `advance_time`), which is
/// what Flink's `MATCH_ROWTIME()` returns.
pub type MatchPath<R> = (Arc<Node<R>>, i64);

/// The automaton's state for one partition.
#[derive(Debug)]
pub struct PartitionNfa<R> {
    /// Live partial matches in Flink's order, the start computation last.
    pub partials: Vec<Computation<R>>,
    /// Matches found but held back behind an earlier partial match.
    pub completed: Vec<Computation<R>>,
    /// The previous step's vector of partial matches, kept to be refilled.
    spare: Vec<Computation<R>>,
}

impl<R: Clone> PartitionNfa<R> {
    pub fn new(nfa: &Nfa) -> Self {
        PartitionNfa {
            partials: vec![Computation { state: nfa.start, path: None, start: None }],
            completed: Vec::new(),
            spare: Vec::new(),
        }
    }

    /// Whether nothing is held but the start computation.
    pub fn is_idle(&self) -> bool {
        self.completed.is_empty() && self.partials.iter().all(|c| c.start.is_none())
    }

    /// Partial matches alive (not counting the start computation) plus held matches.
    pub fn size(&self) -> usize {
        self.partials.len() + self.completed.len() - self.partials.iter().filter(|c| c.start.is_none()).count()
    }

    /// Offers one row to every partial match. `atom(i, v)` answers atom `v` for
    /// `self.partials[i]` as it was before this call. Finished matches go to `out` in
    /// the order Flink emits them.
    pub fn step(
        &mut self,
        nfa: &Nfa,
        skip: Skip,
        event: &Event<R>,
        atom: &mut impl FnMut(usize, VarId) -> bool,
        out: &mut Vec<MatchPath<R>>,
    ) -> Result<(), NfaError> {
        let mut next = std::mem::take(&mut self.spare);
        next.clear();
        let mut finished: Vec<Computation<R>> = Vec::new();
        // The edges and states of one decision graph: a few, kept on the stack.
        let mut edges: SmallVec<[(StateId, StateId); 8]> = SmallVec::new();
        let mut stack: SmallVec<[StateId; 8]> = SmallVec::new();
        for (i, c) in self.partials.iter().enumerate() {
            let mut check = |cond: &Cond| cond.eval(&mut |v| atom(i, v));
            // The decision graph: follow PROCEED edges whose condition holds, collect
            // the TAKE edges whose condition holds.
            edges.clear();
            stack.clear();
            stack.push(c.state);
            while let Some(s) = stack.pop() {
                for e in &nfa.states[s].edges {
                    if check(&e.cond) {
                        match e.action {
                            Action::Proceed => stack.push(e.target),
                            Action::Take => edges.push((s, e.target)),
                        }
                    }
                }
            }
            for &(source, target) in &edges {
                let Some(var) = nfa.states[source].var else { continue };
                let node = Arc::new(Node::new(var, event.clone(), c.path.clone()));
                let start = c.start.or(Some((event.seq, event.ts)));
                let taken = Computation { state: target, path: Some(node), start };
                let reaches_final = nfa.states[target].is_final || final_after_proceed(nfa, target, &mut check);
                if reaches_final {
                    let mut done = taken.clone();
                    done.state = nfa.final_state;
                    if !nfa.states[target].is_final {
                        next.push(taken);
                    }
                    finished.push(done);
                } else {
                    next.push(taken);
                }
            }
            if c.start.is_none() {
                next.push(Computation { state: c.state, path: None, start: None });
            }
        }
        // Already in Flink's order: the partial matches were visited by first row, and
        // the ones the start computation (always last) began start at this row.
        debug_assert!(next.windows(2).all(|w| w[0].order_key() <= w[1].order_key()));
        let mut old = std::mem::replace(&mut self.partials, next);
        old.clear();
        self.spare = old;
        // Held matches stay sorted by first row (ties in arrival order); a match held
        // behind a long-lived partial match may wait for many rows.
        for f in finished {
            let at = self.completed.partition_point(|c| c.order_key() <= f.order_key());
            self.completed.insert(at, f);
        }
        self.emit(skip, event.ts, out)
    }

    /// Drops partial matches whose first row is `within` or more before `ts` (Flink's
    /// `advanceTime`), which may release held matches.
    pub fn advance_time(&mut self, ts: i64, within: Option<i64>, skip: Skip, out: &mut Vec<MatchPath<R>>) -> Result<(), NfaError> {
        if let Some(w) = within {
            self.partials.retain(|c| match c.start {
                Some((_, start)) => ts.saturating_sub(start) < w,
                None => true,
            });
        }
        self.emit(skip, ts, out)
    }

    /// Emits held matches that no earlier partial match can precede, pruning as the
    /// skip strategy says after each.
    fn emit(&mut self, skip: Skip, ts: i64, out: &mut Vec<MatchPath<R>>) -> Result<(), NfaError> {
        if self.completed.is_empty() {
            return Ok(());
        }
        debug_assert!(self.completed.windows(2).all(|w| w[0].order_key() <= w[1].order_key()));
        while let Some(first) = self.completed.first() {
            let earliest_partial = self.partials.first().map(|c| c.order_key()).unwrap_or(u64::MAX);
            if first.order_key() > earliest_partial {
                break;
            }
            let done = self.completed.remove(0);
            let Some(path) = done.path else { continue };
            let rows = extract(Some(&path));
            if let Some(pruning) = pruning_seq(skip, &rows)? {
                let strict = matches!(skip, Skip::ToFirst(_) | Skip::ToLast(_));
                let prune = |c: &Computation<R>| match c.start {
                    Some((seq, _)) => {
                        if strict {
                            seq < pruning
                        } else {
                            seq <= pruning
                        }
                    }
                    None => false,
                };
                self.partials.retain(|c| !prune(c));
                self.completed.retain(|c| !prune(c));
            }
            out.push((path, ts));
        }
        Ok(())
    }
}


fn final_after_proceed(nfa: &Nfa, state: StateId, check: &mut impl FnMut(&Cond) -> bool) -> bool {
    let mut stack = vec![state];
    while let Some(s) = stack.pop() {
        for e in &nfa.states[s].edges {
            if e.action == Action::Proceed && check(&e.cond) {
                if nfa.states[e.target].is_final {
                    return true;
                }
                stack.push(e.target);
            }
        }
    }
    false
}


/// The rows of a finished match, first to last.
pub fn extract<R: Clone>(path: Option<&Arc<Node<R>>>) -> Match<R> {
    let mut rows: Vec<(VarId, Event<R>)> = path_rev(path).map(|n| (n.var, n.event.clone())).collect();
    rows.reverse();
    rows
}

/// The row the skip strategy prunes up to (Flink's pruning `EventId`).
fn pruning_seq<R>(skip: Skip, rows: &Match<R>) -> Result<Option<u64>, NfaError> {
    let first = rows.first().map(|(_, e)| e.seq);
    Ok(match skip {
        Skip::PastLastRow => rows.last().map(|(_, e)| e.seq),
        Skip::ToNextRow => first,
        Skip::ToFirst(v) | Skip::ToLast(v) => {
            let (word, mut of_var) = match skip {
                Skip::ToFirst(_) => ("FIRST", rows.iter().filter(|(var, _)| *var == v).map(|(_, e)| e.seq).min()),
                _ => ("LAST", rows.iter().filter(|(var, _)| *var == v).map(|(_, e)| e.seq).max()),
            };
            let Some(seq) = of_var.take() else {
                return Err(NfaError::SkipToMissing(word, v));
            };
            if Some(seq) == first {
                return Err(NfaError::SkipToFirstRow(word));
            }
            Some(seq)
        }
    })
}
