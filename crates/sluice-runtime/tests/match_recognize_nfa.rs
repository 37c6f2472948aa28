//! The `MATCH_RECOGNIZE` automaton (`compile` + `PartitionNfa`) against a brute-force
//! matcher that works on the pattern as a list of quantified variables, with no state
//! graph: it keeps every alive partial match as an explicit list of `(row, variable)`,
//! extends each one by every element that may take the next row (Flink's strict
//! contiguity, its greedy rule as `NOT` of the previous variable's condition whenever
//! a row passes an element's entry, completion right after a row), and emits completed
//! matches in order of their first row, held back behind earlier partial matches and
//! pruned by the skip strategy, with `WITHIN` dropping old partial matches before each
//! new rowtime. See /work/notes/flink_cep_semantics.md §0-4.

use proptest::prelude::*;
use sluice_runtime::operators::match_recognize::compile::compile;
use sluice_runtime::operators::match_recognize::nfa::{extract, Event, NfaError, PartitionNfa, Skip};
use sluice_runtime::spec::MatchPattern;

/// One element of a pattern: the variable numbered by its position, quantified.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Elem {
    min: u32,
    /// `None` is unbounded.
    max: Option<u32>,
    /// The quantifier as written is greedy (no trailing `?`).
    greedy: bool,
    /// No quantifier at all (`A` rather than `A{1}`).
    plain: bool,
}

impl Elem {
    /// Flink's greedy: a choice (min != max), not `?`, not reluctant.
    fn is_greedy(&self) -> bool {
        self.greedy && Some(self.min) != self.max && !(self.min == 0 && self.max == Some(1))
    }

    fn below_max(&self, count: u32) -> bool {
        self.max.is_none_or(|m| count < m)
    }
}

/// A `DEFINE`, over the rows' only column `x`. The current row is counted as the
/// variable being defined.
#[derive(Clone, Copy, Debug, PartialEq)]
enum CondSpec {
    True,
    Ge(i64),
    Le(i64),
    Eq(i64),
    /// `x > LAST(v.x, 1)`: above the variable's own previous row (false without one).
    RiseOwn,
    /// `x < LAST(w.x)` for another variable `w` (false while `w` has no row).
    BelowOther(usize),
    /// `COUNT(v.x) <= k`, the current row included.
    CountLe(usize),
    /// `COUNT(*) <= k`: the rows of the match so far, the current row included.
    LenLe(usize),
    /// `x < FIRST(x)`: below the first row of the match (false on the first row).
    BelowFirst,
}

#[derive(Clone, Debug)]
struct Case {
    elems: Vec<Elem>,
    conds: Vec<CondSpec>,
    skip: Skip,
    within: Option<i64>,
    /// `(x, ts)`, ts non-decreasing.
    rows: Vec<(i64, i64)>,
}

/// Where an error came out: before row `t` (advance_time), while stepping row `t`, or at
/// the final advance_time (`t` = number of rows).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Advance,
    Step,
    End,
}

/// A match as `(row, variable)` first to last, with its emission time.
type Found = (Vec<(usize, usize)>, i64);

#[derive(Debug, Default, PartialEq)]
struct Outcome {
    matches: Vec<Found>,
    error: Option<(usize, Phase, NfaError)>,
}

fn var_name(v: usize) -> char {
    (b'A' + v as u8) as char
}

fn pattern_text(elems: &[Elem]) -> String {
    let parts: Vec<String> = elems
        .iter()
        .enumerate()
        .map(|(v, e)| {
            let q = if e.plain {
                String::new()
            } else {
                match (e.min, e.max) {
                    (0, Some(1)) => "?".into(),
                    (1, None) => "+".into(),
                    (0, None) => "*".into(),
                    (n, Some(m)) if n == m => format!("{{{n}}}"),
                    (n, Some(m)) => format!("{{{n},{m}}}"),
                    (n, None) => format!("{{{n},}}"),
                }
            };
            let reluctant = !e.greedy && !e.plain && Some(e.min) != e.max;
            format!("{}{}{}", var_name(v), q, if reluctant { "?" } else { "" })
        })
        .collect();
    parts.join(" ")
}

/// Parses `A B+? C{2,3}` (variables named A, B, C, ... in order).
fn parse(pattern: &str) -> Vec<Elem> {
    pattern
        .split_whitespace()
        .enumerate()
        .map(|(i, tok)| {
            assert_eq!(tok.as_bytes()[0], b'A' + i as u8, "variables are A, B, C, ... in order");
            let q = &tok[1..];
            let (q, reluctant) = match q.strip_suffix('?') {
                Some(rest) if !rest.is_empty() => (rest, true),
                _ => (q, false),
            };
            let (min, max) = match q {
                "" => (1, Some(1)),
                "?" => (0, Some(1)),
                "+" => (1, None),
                "*" => (0, None),
                _ => {
                    let inner = q.strip_prefix('{').and_then(|s| s.strip_suffix('}')).expect("a quantifier");
                    match inner.split_once(',') {
                        None => {
                            let n = inner.parse().unwrap();
                            (n, Some(n))
                        }
                        Some((n, "")) => (n.parse().unwrap(), None),
                        Some((n, m)) => (n.parse().unwrap(), Some(m.parse().unwrap())),
                    }
                }
            };
            Elem { min, max, greedy: !reluctant, plain: q.is_empty() }
        })
        .collect()
}

fn to_pattern(elems: &[Elem]) -> MatchPattern {
    MatchPattern::Concat(
        elems
            .iter()
            .enumerate()
            .map(|(v, e)| {
                if e.plain {
                    MatchPattern::Var(v)
                } else {
                    MatchPattern::Quantified {
                        pattern: Box::new(MatchPattern::Var(v)),
                        min: e.min,
                        max: e.max,
                        greedy: e.greedy,
                    }
                }
            })
            .collect(),
    )
}

/// The `DEFINE` of `v` on row `t`, taken as `v` after `prefix` (`(row, variable)`).
fn cond(case: &Case, v: usize, prefix: &[(usize, usize)], t: usize) -> bool {
    let x = case.rows[t].0;
    let last_of = |w: usize| prefix.iter().rev().find(|(_, var)| *var == w).map(|(r, _)| case.rows[*r].0);
    match case.conds[v] {
        CondSpec::True => true,
        CondSpec::Ge(k) => x >= k,
        CondSpec::Le(k) => x <= k,
        CondSpec::Eq(k) => x == k,
        CondSpec::RiseOwn => last_of(v).is_some_and(|p| x > p),
        CondSpec::BelowOther(w) => last_of(w).is_some_and(|p| x < p),
        CondSpec::CountLe(k) => prefix.iter().filter(|(_, var)| *var == v).count() < k,
        CondSpec::LenLe(k) => prefix.len() < k,
        CondSpec::BelowFirst => prefix.first().is_some_and(|&(r, _)| x < case.rows[r].0),
    }
}

// ------------------------------------------------------------------------------------
// The automaton, driven as the operator drives it.

fn run_nfa(case: &Case) -> Outcome {
    let nfa = compile(&to_pattern(&case.elems)).expect("compiles");
    let vars = case.elems.len();
    let mut part = PartitionNfa::<usize>::new(&nfa);
    let mut out = Vec::new();
    let mut res = Outcome::default();
    let collect = |out: &mut Vec<_>, res: &mut Outcome| {
        for (path, ts) in out.drain(..) {
            let rows = extract(Some(&path)).into_iter().map(|(var, e)| (e.row, var)).collect();
            res.matches.push((rows, ts));
        }
    };
    for (t, &(_, ts)) in case.rows.iter().enumerate() {
        if case.within.is_some() && (t == 0 || case.rows[t - 1].1 != ts) {
            let r = part.advance_time(ts, case.within, case.skip, &mut out);
            collect(&mut out, &mut res);
            if let Err(e) = r {
                res.error = Some((t, Phase::Advance, e));
                return res;
            }
        }
        // Every atom of every partial match, answered before the step; and the atoms the
        // operator would have evaluated (it answers false for the others).
        let mut table = Vec::new();
        let mut allowed = Vec::new();
        for c in &part.partials {
            let prefix: Vec<(usize, usize)> =
                extract(c.path.as_ref()).into_iter().map(|(var, e)| (e.row, var)).collect();
            table.push((0..vars).map(|v| cond(case, v, &prefix, t)).collect::<Vec<_>>());
            allowed.push(nfa.atoms(c.state).to_vec());
        }
        let mut unlisted = Vec::new();
        let mut atom = |ci: usize, v: usize| {
            if !allowed[ci].contains(&v) {
                unlisted.push((ci, v));
            }
            table[ci][v]
        };
        let r = part.step(&nfa, case.skip, &Event { seq: t as u64, ts, row: t }, &mut atom, &mut out);
        assert!(unlisted.is_empty(), "row {t}: step read atoms {unlisted:?} that Nfa::atoms does not list");
        collect(&mut out, &mut res);
        if let Err(e) = r {
            res.error = Some((t, Phase::Step, e));
            return res;
        }
    }
    let r = part.advance_time(i64::MAX, case.within, case.skip, &mut out);
    collect(&mut out, &mut res);
    if let Err(e) = r {
        res.error = Some((case.rows.len(), Phase::End, e));
    }
    res
}

// ------------------------------------------------------------------------------------
// The brute force.

type Path = Vec<(usize, usize)>;

/// Emits waiting matches (ordered by first row, then insertion) that no alive partial
/// match precedes, pruning after each.
fn brute_emit(
    alive: &mut Vec<Path>,
    waiting: &mut Vec<(u64, Path)>,
    skip: Skip,
    ts: i64,
    out: &mut Vec<Found>,
) -> Result<(), NfaError> {
    loop {
        let Some(idx) = (0..waiting.len()).min_by_key(|&i| (waiting[i].1[0].0, waiting[i].0)) else { break };
        let start = waiting[idx].1[0].0;
        if alive.iter().any(|p| p[0].0 < start) {
            break;
        }
        let (_, m) = waiting.remove(idx);
        let first = m[0].0;
        let rows_of = |v: usize| m.iter().filter(move |(_, var)| *var == v).map(|(r, _)| *r);
        let (target, strict) = match skip {
            Skip::PastLastRow => (m.last().unwrap().0, false),
            Skip::ToNextRow => (first, false),
            Skip::ToFirst(v) => {
                let r = rows_of(v).min().ok_or(NfaError::SkipToMissing("FIRST", v))?;
                if r == first {
                    return Err(NfaError::SkipToFirstRow("FIRST"));
                }
                (r, true)
            }
            Skip::ToLast(v) => {
                let r = rows_of(v).max().ok_or(NfaError::SkipToMissing("LAST", v))?;
                if r == first {
                    return Err(NfaError::SkipToFirstRow("LAST"));
                }
                (r, true)
            }
        };
        let pruned = |s: usize| if strict { s < target } else { s <= target };
        alive.retain(|p| !pruned(p[0].0));
        waiting.retain(|(_, w)| !pruned(w[0].0));
        out.push((m, ts));
    }
    Ok(())
}

fn brute(case: &Case) -> Outcome {
    let elems = &case.elems;
    let n = elems.len();
    let mut alive: Vec<Path> = Vec::new();
    let mut waiting: Vec<(u64, Path)> = Vec::new();
    let mut inserted = 0u64;
    let mut res = Outcome::default();
    for (t, &(_, ts)) in case.rows.iter().enumerate() {
        if let Some(w) = case.within {
            if t == 0 || case.rows[t - 1].1 != ts {
                alive.retain(|p| ts - case.rows[p[0].0].1 < w);
                if let Err(e) = brute_emit(&mut alive, &mut waiting, case.skip, ts, &mut res.matches) {
                    res.error = Some((t, Phase::Advance, e));
                    return res;
                }
            }
        }
        let mut next: Vec<Path> = Vec::new();
        let mut done: Vec<Path> = Vec::new();
        for p in alive.iter().cloned().chain(std::iter::once(Vec::new())) {
            // The element of the last row and how many rows it has taken.
            let last = p.last().map(|&(_, k)| (k, p.iter().rev().take_while(|(_, v)| *v == k).count() as u32));
            for j in 0..n {
                // The elements whose entry the row passes on its way to be taken as j.
                let passed = match last {
                    None if elems[..j].iter().all(|e| e.min == 0) => 0..j + 1,
                    Some((k, c)) if j == k && elems[k].below_max(c) => j..j,
                    Some((k, c)) if j > k && c >= elems[k].min && elems[k + 1..j].iter().all(|e| e.min == 0) => {
                        k + 1..j + 1
                    }
                    _ => continue,
                };
                let greedy_ok = |e: usize| e == 0 || !elems[e - 1].is_greedy() || !cond(case, e - 1, &p, t);
                if !cond(case, j, &p, t) || !passed.clone().all(greedy_ok) {
                    continue;
                }
                let count = match last {
                    Some((k, c)) if k == j => c + 1,
                    _ => 1,
                };
                let mut q = p.clone();
                q.push((t, j));
                // Completes if the rest can be skipped, passing their entries on this row.
                if count >= elems[j].min && elems[j + 1..].iter().all(|e| e.min == 0) && (j + 1..n).all(greedy_ok) {
                    done.push(q.clone());
                }
                if elems[j].below_max(count) || j + 1 < n {
                    next.push(q);
                }
            }
        }
        // The insertion order of this row's matches: by first row, then (for one first
        // row; they all end here, so have equal length) by the elements they take, in
        // order; only the first of a tie is ever emitted, the skip prunes the others.
        done.sort_by_key(|p| (p[0].0, p.iter().map(|(_, v)| *v).collect::<Vec<_>>()));
        for d in done {
            waiting.push((inserted, d));
            inserted += 1;
        }
        alive = next;
        if let Err(e) = brute_emit(&mut alive, &mut waiting, case.skip, ts, &mut res.matches) {
            res.error = Some((t, Phase::Step, e));
            return res;
        }
    }
    if case.within.is_some() {
        alive.clear();
    }
    if let Err(e) = brute_emit(&mut alive, &mut waiting, case.skip, i64::MAX, &mut res.matches) {
        res.error = Some((case.rows.len(), Phase::End, e));
    }
    res
}

fn check(case: &Case) {
    let expected = brute(case);
    let actual = run_nfa(case);
    assert_eq!(
        actual,
        expected,
        "PATTERN ({}) DEFINE {:?} SKIP {:?} WITHIN {:?}\nrows (x, ts): {:?}",
        pattern_text(&case.elems),
        case.conds,
        case.skip,
        case.within,
        case.rows
    );
}

// ------------------------------------------------------------------------------------
// Hand-checked cases (both the automaton and the brute force must give them).

/// Rows with the given `x`, at ts 0, 10, 20, ...
fn rows(xs: &[i64]) -> Vec<(i64, i64)> {
    xs.iter().enumerate().map(|(i, x)| (*x, 10 * i as i64)).collect()
}

fn run(pattern: &str, conds: &[CondSpec], skip: Skip, within: Option<i64>, rows: Vec<(i64, i64)>) -> Outcome {
    let case = Case { elems: parse(pattern), conds: conds.to_vec(), skip, within, rows };
    let actual = run_nfa(&case);
    assert_eq!(actual, brute(&case), "the automaton and the brute force disagree on {pattern}");
    actual
}

/// A match from `(row, variable letter)`, emitted at `ts`.
fn m(rows: &[(usize, char)], ts: i64) -> Found {
    (rows.iter().map(|(r, c)| (*r, (*c as u8 - b'A') as usize)).collect(), ts)
}

fn ok(matches: Vec<Found>) -> Outcome {
    Outcome { matches, error: None }
}

use CondSpec::*;

#[test]
fn greedy_loop_leaves_to_the_next_variable_only_rows_it_cannot_take() {
    // A: x = 0, B: x <= 2, C: x >= 2. Row 2 (x = 2) is both a B and a C.
    let conds = [Eq(0), Le(2), Ge(2)];
    assert_eq!(
        run("A B+ C", &conds, Skip::PastLastRow, None, rows(&[0, 1, 2, 3])),
        ok(vec![m(&[(0, 'A'), (1, 'B'), (2, 'B'), (3, 'C')], 30)])
    );
    assert_eq!(
        run("A B+? C", &conds, Skip::PastLastRow, None, rows(&[0, 1, 2, 3])),
        ok(vec![m(&[(0, 'A'), (1, 'B'), (2, 'C')], 20)])
    );
    // When every C is also a B, the greedy loop never lets C start.
    assert_eq!(run("A B+ C", &[Eq(0), Ge(1), Ge(2)], Skip::PastLastRow, None, rows(&[0, 1, 2, 3, 0])), ok(vec![]));
}

#[test]
fn optional_variable_is_skipped_when_the_row_completes_the_match() {
    // A: x = 0, B: x >= 1, C: x >= 2. Row 1 (x = 2) could be B or C: C completes at once
    // and its emission prunes the B branch. Row 4 (x = 1) is only a B.
    let conds = [Eq(0), Ge(1), Ge(2)];
    assert_eq!(
        run("A B? C", &conds, Skip::PastLastRow, None, rows(&[0, 2, 3, 0, 1, 3])),
        ok(vec![m(&[(0, 'A'), (1, 'C')], 10), m(&[(3, 'A'), (4, 'B'), (5, 'C')], 50)])
    );
}

#[test]
fn bounded_greedy_quantifier_keeps_its_not_after_the_maximum() {
    // A: x = 0, B: x = 1, C: x >= 1. After three B's, C still needs NOT B, so a fourth
    // x = 1 kills the first attempt.
    let conds = [Eq(0), Eq(1), Ge(1)];
    let xs = [0, 1, 1, 1, 1, 2, 0, 1, 1, 2, 0, 1, 1, 1, 2];
    assert_eq!(
        run("A B{2,3} C", &conds, Skip::PastLastRow, None, rows(&xs)),
        ok(vec![
            m(&[(6, 'A'), (7, 'B'), (8, 'B'), (9, 'C')], 90),
            m(&[(10, 'A'), (11, 'B'), (12, 'B'), (13, 'B'), (14, 'C')], 140),
        ])
    );
    // Reluctant: C as soon as two B's are in.
    assert_eq!(
        run("A B{2,3}? C", &conds, Skip::PastLastRow, None, rows(&xs)),
        ok(vec![
            m(&[(0, 'A'), (1, 'B'), (2, 'B'), (3, 'C')], 30),
            m(&[(6, 'A'), (7, 'B'), (8, 'B'), (9, 'C')], 90),
            m(&[(10, 'A'), (11, 'B'), (12, 'B'), (13, 'C')], 130),
        ])
    );
}

#[test]
fn skip_to_next_row_finds_overlapping_matches() {
    let conds = [Ge(1), Ge(1)];
    assert_eq!(
        run("A B", &conds, Skip::ToNextRow, None, rows(&[1, 1, 1])),
        ok(vec![m(&[(0, 'A'), (1, 'B')], 10), m(&[(1, 'A'), (2, 'B')], 20)])
    );
    assert_eq!(run("A B", &conds, Skip::PastLastRow, None, rows(&[1, 1, 1])), ok(vec![m(&[(0, 'A'), (1, 'B')], 10)]));
}

#[test]
fn held_back_match_comes_out_when_the_earlier_partial_match_dies() {
    // A: TRUE, B: COUNT(B) <= 3, C: x < A.x. The attempt from row 0 outlives the match
    // from row 1 (found at row 3) and dies at row 4 (a fourth B, and 1 is not below 1):
    // the held match comes out at row 4's time, and its emission prunes everything
    // started up to row 3, including the second match from row 1 found at row 4.
    let conds = [True, CountLe(3), BelowOther(0)];
    assert_eq!(
        run("A B+? C", &conds, Skip::PastLastRow, None, rows(&[1, 4, 3, 2, 1])),
        ok(vec![m(&[(1, 'A'), (2, 'B'), (3, 'C')], 40)])
    );
    // WITHIN 50: before row 4 (ts 100) every partial match is too old, which releases the
    // held match at ts 100.
    let mut timed = rows(&[1, 4, 3, 2, 1]);
    timed[4].1 = 100;
    assert_eq!(
        run("A B+? C", &conds, Skip::PastLastRow, Some(50), timed),
        ok(vec![m(&[(1, 'A'), (2, 'B'), (3, 'C')], 100)])
    );
    // Without WITHIN an attempt alive at the end holds later matches forever.
    assert_eq!(run("A B+? C", &conds, Skip::PastLastRow, None, rows(&[1, 4, 3, 2])), ok(vec![]));
}

#[test]
fn skip_to_the_first_row_of_the_match_is_an_error() {
    assert_eq!(
        run("A B", &[True, True], Skip::ToFirst(0), None, rows(&[0, 0])),
        Outcome { matches: vec![], error: Some((1, Phase::Step, NfaError::SkipToFirstRow("FIRST"))) }
    );
    assert_eq!(
        run("A B? C", &[True, Eq(1), Eq(2)], Skip::ToLast(1), None, rows(&[0, 2])),
        Outcome { matches: vec![], error: Some((1, Phase::Step, NfaError::SkipToMissing("LAST", 1))) }
    );
}

// ------------------------------------------------------------------------------------
// Random cases.

type RawElem = ((u32, Option<u32>, bool), bool);

fn quantifier() -> impl Strategy<Value = (u32, Option<u32>, bool)> {
    // (min, max, plain)
    prop_oneof![
        Just((1, Some(1), true)),
        Just((0, Some(1), false)),
        Just((1, None, false)),
        Just((0, None, false)),
        (1u32..=3).prop_map(|n| (n, Some(n), false)),
        (0u32..=3, 1u32..=3).prop_map(|(a, b)| (a.min(b), Some(a.max(b)), false)),
        (0u32..=3).prop_map(|n| (n, None, false)),
    ]
}

/// Turns raw random choices into a pattern Flink accepts (§1.4-1.5).
fn normalize(raw: &[RawElem], mandatory: usize) -> Vec<Elem> {
    let mut elems: Vec<Elem> =
        raw.iter().map(|&((min, max, plain), greedy)| Elem { min, max, greedy: greedy || plain, plain }).collect();
    // `??` is refused: make it `?`.
    for e in &mut elems {
        if e.min == 0 && e.max == Some(1) {
            e.greedy = true;
        }
    }
    // `X?` / `X*` after a greedy element is refused: make that element reluctant.
    for i in 1..elems.len() {
        if elems[i].min == 0 && matches!(elems[i].max, Some(1) | None) && elems[i - 1].is_greedy() {
            elems[i - 1].greedy = false;
        }
    }
    // A greedy last element is refused.
    let last = elems.len() - 1;
    if elems[last].is_greedy() {
        elems[last].greedy = false;
    }
    // So are patterns that can match nothing.
    if elems.iter().all(|e| e.min == 0) {
        let i = mandatory % elems.len();
        elems[i].min = 1;
    }
    elems
}

/// Random cases. `dense` draws longer inputs with fewer distinct values and conditions
/// that read the match so far, which are what make an earlier partial match outlive a
/// later one (held-back matches) and partial matches of one start diverge.
fn case(dense: bool) -> impl Strategy<Value = Case> {
    (1usize..=4).prop_flat_map(move |n| {
        let elem = (quantifier(), any::<bool>());
        let kinds: &[u8] = if dense { &[0, 2, 3, 4, 5, 6] } else { &[0, 0, 0, 1, 2, 3, 4, 5, 6, 7] };
        let cond = (prop::sample::select(kinds), 0i64..5, 0usize..4);
        let skip = (0u8..4, 0usize..n);
        let within = prop::option::weighted(0.4, 1i64..10);
        let row = (0i64..if dense { 3 } else { 5 }, 0i64..3);
        (
            prop::collection::vec(elem, n),
            0usize..n,
            prop::collection::vec(cond, n),
            skip,
            within,
            prop::collection::vec(row, if dense { 6..=12 } else { 0..=12 }),
        )
            .prop_map(move |(raw, mandatory, conds, (skip, sv), within, raw_rows)| {
                let elems = normalize(&raw, mandatory);
                let conds = conds
                    .iter()
                    .enumerate()
                    .map(|(v, &(kind, k, w))| match kind {
                        0 => True,
                        1 => Ge(k),
                        2 => RiseOwn,
                        3 if n > 1 => BelowOther(if w % n == v { (v + 1) % n } else { w % n }),
                        3 => RiseOwn,
                        4 => CountLe(1 + k as usize % 3),
                        5 => LenLe(2 + k as usize),
                        6 => BelowFirst,
                        _ => Le(k),
                    })
                    .collect();
                let skip = match skip {
                    0 => Skip::PastLastRow,
                    1 => Skip::ToNextRow,
                    2 => Skip::ToFirst(sv),
                    _ => Skip::ToLast(sv),
                };
                let mut ts = 0;
                let rows = raw_rows
                    .iter()
                    .map(|&(x, dt)| {
                        ts += dt;
                        (x, ts)
                    })
                    .collect();
                Case { elems, conds, skip, within, rows }
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn automaton_matches_brute_force(case in case(false)) {
        check(&case);
    }

    #[test]
    fn automaton_matches_brute_force_on_prefix_conditions(case in case(true)) {
        check(&case);
    }
}
