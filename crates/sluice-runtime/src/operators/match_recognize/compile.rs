//! From a row pattern to the states of `nfa::Nfa`, built as Flink's `NFACompiler` does:
//! backwards from the final state, one pattern element at a time, so that each element
//! knows the state that follows it (its *sink*).
//!
//! - A variable is one state with a `TAKE` edge to the sink.
//! - `v?` adds a `PROCEED` edge to the sink (the variable may be skipped).
//! - `v{n,m}` is `n` required states and `m - n` optional ones, each optional one able to
//!   proceed to the sink.
//! - `v+`, `v*`, `v{n,}` end in a looping state: `PROCEED` to the sink, `TAKE` to itself.
//! - A greedy quantifier with a choice (a loop, or `{n,m}` with `n < m`) makes every edge
//!   of its sink also require that the quantified variable's condition is false: the
//!   next variable may only start on a row the loop cannot take. This is Flink's greedy,
//!   which is not a regex engine's backtracking greedy.
//! - An alternation is a state with one `PROCEED` edge to each branch.

use super::nfa::{Action, Cond, Edge, Nfa, State, StateId, VarId};
use crate::spec::MatchPattern;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CompileError {
    #[error("{0}")]
    Unsupported(String),
}

pub fn compile(pattern: &MatchPattern) -> Result<Nfa, CompileError> {
    let mut b = Builder { states: Vec::new() };
    let final_state = b.add(State { var: None, is_final: true, edges: Vec::new() });
    let start = b.element(pattern, final_state)?;
    Ok(Nfa::new(b.states, start))
}

struct Builder {
    states: Vec<State>,
}

impl Builder {
    fn add(&mut self, s: State) -> StateId {
        self.states.push(s);
        self.states.len() - 1
    }

    fn single(&mut self, var: VarId, next: StateId, optional_to: Option<StateId>) -> StateId {
        let mut edges = vec![Edge { action: Action::Take, target: next, cond: Cond::Atom(var) }];
        if let Some(sink) = optional_to {
            edges.push(Edge { action: Action::Proceed, target: sink, cond: Cond::True });
        }
        self.add(State { var: Some(var), is_final: false, edges })
    }

    /// Makes every edge leaving `sink` also require NOT `var`'s condition.
    fn greedy(&mut self, sink: StateId, var: VarId) {
        for e in &mut self.states[sink].edges {
            let cond = std::mem::replace(&mut e.cond, Cond::True);
            e.cond = cond.and(Cond::Not(Box::new(Cond::Atom(var))));
        }
    }

    /// Compiles `p` in front of `sink`, returning its first state.
    fn element(&mut self, p: &MatchPattern, sink: StateId) -> Result<StateId, CompileError> {
        match p {
            MatchPattern::Var(v) => Ok(self.single(*v, sink, None)),
            MatchPattern::Concat(items) => {
                let mut next = sink;
                for item in items.iter().rev() {
                    next = self.element(item, next)?;
                }
                Ok(next)
            }
            MatchPattern::Alternation(branches) => {
                let mut edges = Vec::new();
                for b in branches {
                    let head = self.element(b, sink)?;
                    edges.push(Edge { action: Action::Proceed, target: head, cond: Cond::True });
                }
                Ok(self.add(State { var: None, is_final: false, edges }))
            }
            MatchPattern::Quantified { pattern, min, max, greedy } => {
                let MatchPattern::Var(v) = pattern.as_ref() else {
                    return Err(CompileError::Unsupported(
                        "a quantifier on a group of variables, such as (A B)+ (Flink cannot run it either)".into(),
                    ));
                };
                let v = *v;
                let (min, max) = (*min, *max);
                match max {
                    None => {
                        // Loop: PROCEED to the sink first, then TAKE to itself.
                        let looping = self.add(State { var: Some(v), is_final: false, edges: Vec::new() });
                        self.states[looping].edges = vec![
                            Edge { action: Action::Proceed, target: sink, cond: Cond::True },
                            Edge { action: Action::Take, target: looping, cond: Cond::Atom(v) },
                        ];
                        if *greedy {
                            self.greedy(sink, v);
                        }
                        // `min` takes reach the loop (one when min is 0, with the first
                        // state optional).
                        let required = min.max(1);
                        let mut next = looping;
                        for _ in 1..required {
                            next = self.single(v, next, None);
                        }
                        Ok(self.single(v, next, (min == 0).then_some(sink)))
                    }
                    Some(max) => {
                        if max == 0 || max < min {
                            return Err(CompileError::Unsupported(format!("the quantifier {{{min},{max}}}")));
                        }
                        // `v?` is never greedy in Flink (the planner skips `greedy()` for it).
                        if *greedy && min != max && !(min == 0 && max == 1) {
                            self.greedy(sink, v);
                        }
                        let required = min.max(1);
                        let mut next = sink;
                        for _ in required..max {
                            next = self.single(v, next, Some(sink));
                        }
                        for _ in 1..required {
                            next = self.single(v, next, None);
                        }
                        Ok(self.single(v, next, (min == 0).then_some(sink)))
                    }
                }
            }
        }
    }
}
