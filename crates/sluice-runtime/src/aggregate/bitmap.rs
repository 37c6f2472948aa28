//! The `BITMAP_*_AGG` aggregates, as Flink's `AbstractBitmap*AggFunction` and their
//! `*WithRetract*` forms: `BITMAP_BUILD_AGG` collects INT values into a bitmap,
//! `BITMAP_AND_AGG`, `BITMAP_OR_AGG` and `BITMAP_XOR_AGG` combine input bitmaps, and the
//! `*_CARDINALITY_AGG` forms give the size of that bitmap as BIGINT. NULL inputs are
//! skipped. With no input the result is NULL; `BITMAP_BUILD_AGG` is NULL also when its
//! bitmap is empty (after retraction), the others give an empty bitmap then.
//!
//! One type serves window aggregation (`GroupAccumulator`, whose `merge` combines panes,
//! slices and sessions with the same operation) and the updating `GROUP BY`
//! (`RetractAccumulator`). To take a bitmap back, `BUILD`, `AND` and `OR` count, per
//! group, how many inputs hold each member (a member is in the `AND` when every input
//! holds it, in the `BUILD` or `OR` when one does); `XOR` undoes itself. When the
//! planner knows the input never retracts, no counts are kept.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::builder::BinaryBuilder;
use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use arrow_array::{Array, ArrayRef, BinaryArray, Int32Array, Int64Array};
use arrow_buffer::BooleanBuffer;
use roaring::RoaringBitmap;
use sluice_connector_api::state::{StateReader, StateWriter};

use super::retract::{delegate_results, RetractAccumulator, Results};
use super::selection::for_each_selected;
use super::state::{corrupt, load_exact, state_error};
use super::{AggregateError, GroupAccumulator};
use crate::spec::BitmapAggOp;

/// The state of one group.
#[derive(Clone, Debug, Default)]
struct Group {
    /// Non-NULL inputs taken, minus those taken back.
    inputs: i64,
    /// The running result: the members (`BUILD`), the intersection (`AND`, once there is
    /// an input), the union (`OR`) or the symmetric difference (`XOR`). With counts,
    /// `BUILD` and `OR` keep here the members whose count is positive, and `AND` nothing.
    set: RoaringBitmap,
    /// With retraction, `BUILD`, `OR` and `AND`: the number of inputs holding each member
    /// (never zero; negative when more were taken back than given).
    counts: BTreeMap<u32, i64>,
}

/// The argument column of one batch.
enum Bound {
    Ints(Int32Array),
    Bitmaps(BinaryArray),
}

/// A result as recorded for an output row.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    Set(RoaringBitmap),
    Count(u64),
}

/// `BITMAP_*_AGG` for many groups.
pub struct BitmapAccumulator {
    op: BitmapAggOp,
    cardinality: bool,
    /// Keeps member counts so that inputs can be taken back.
    counting: bool,
    name: &'static str,
    groups: Vec<Group>,
    bound: Option<Bound>,
    results: Results<Option<Value>>,
    failed: Option<AggregateError>,
}

/// A bitmap from its portable serialisation.
fn decode(name: &str, bytes: &[u8]) -> Result<RoaringBitmap, AggregateError> {
    RoaringBitmap::deserialize_from(bytes)
        .map_err(|e| AggregateError::Runtime(format!("{name}: the input is not a serialised bitmap ({e})")))
}

fn encode(bitmap: &RoaringBitmap, out: &mut Vec<u8>) -> Result<(), AggregateError> {
    out.clear();
    bitmap.serialize_into(out).map_err(|e| AggregateError::internal("BITMAP", format!("serialising a bitmap: {e}")))
}

/// Adds `delta` to the count of each member of `members`, and calls `changed` with each
/// member and its count before and after.
fn count_members(counts: &mut BTreeMap<u32, i64>, members: impl Iterator<Item = u32>, delta: i64, mut changed: impl FnMut(u32, i64, i64)) {
    for m in members {
        let before = counts.get(&m).copied().unwrap_or(0);
        let after = before + delta;
        if after == 0 {
            counts.remove(&m);
        } else {
            counts.insert(m, after);
        }
        changed(m, before, after);
    }
}

impl BitmapAccumulator {
    /// An accumulator for `op`; `cardinality` gives the size of the bitmap instead of the
    /// bitmap; `retracting` keeps what taking inputs back needs.
    pub fn new(op: BitmapAggOp, cardinality: bool, retracting: bool) -> Self {
        BitmapAccumulator {
            op,
            cardinality,
            counting: retracting && op != BitmapAggOp::Xor,
            name: op.function_name(cardinality),
            groups: Vec::new(),
            bound: None,
            results: Results::new(),
            failed: None,
        }
    }

    fn bind_column(&self, args: &[ArrayRef]) -> Result<Bound, AggregateError> {
        let column = args.first().ok_or_else(|| AggregateError::internal(self.name, "no argument column"))?;
        if self.op == BitmapAggOp::Build {
            // The planner casts TINYINT and SMALLINT to INT.
            let ints = column.as_primitive_opt::<Int32Type>().ok_or_else(|| AggregateError::internal(self.name, "the argument is not INT"))?;
            Ok(Bound::Ints(ints.clone()))
        } else {
            let bytes = column.as_binary_opt::<i32>().ok_or_else(|| AggregateError::internal(self.name, "the argument is not a BITMAP"))?;
            Ok(Bound::Bitmaps(bytes.clone()))
        }
    }

    /// Adds (or takes back) row `row` of `bound` into `group`.
    fn apply_row(&mut self, bound: &Bound, row: usize, group: usize, retract: bool) -> Result<(), AggregateError> {
        let g = &mut self.groups[group];
        let input = match bound {
            Bound::Ints(ints) => {
                if ints.is_null(row) {
                    return Ok(());
                }
                let member = ints.value(row) as u32;
                g.inputs += if retract { -1 } else { 1 };
                if self.counting {
                    let set = &mut g.set;
                    count_members(&mut g.counts, std::iter::once(member), if retract { -1 } else { 1 }, |m, _, after| {
                        if after > 0 {
                            set.insert(m);
                        } else {
                            set.remove(m);
                        }
                    });
                } else if !retract {
                    g.set.insert(member);
                }
                return Ok(());
            }
            Bound::Bitmaps(bytes) => {
                if bytes.is_null(row) {
                    return Ok(());
                }
                decode(self.name, bytes.value(row))?
            }
        };
        let first = g.inputs == 0;
        g.inputs += if retract { -1 } else { 1 };
        if self.counting {
            let delta = if retract { -1 } else { 1 };
            let set = &mut g.set;
            match self.op {
                BitmapAggOp::And => count_members(&mut g.counts, input.iter(), delta, |_, _, _| {}),
                _ => count_members(&mut g.counts, input.iter(), delta, |m, _, after| {
                    if after > 0 {
                        set.insert(m);
                    } else {
                        set.remove(m);
                    }
                }),
            }
            return Ok(());
        }
        match self.op {
            BitmapAggOp::Xor => g.set ^= input,
            BitmapAggOp::Or | BitmapAggOp::Build => g.set |= input,
            BitmapAggOp::And if first => g.set = input,
            BitmapAggOp::And => g.set &= input,
        }
        Ok(())
    }

    /// The result of a group, as Flink's `getValue`.
    fn value(&self, group: usize) -> Option<Value> {
        let g = &self.groups[group];
        let set = match self.op {
            BitmapAggOp::Build if g.set.is_empty() => return None,
            BitmapAggOp::Build => &g.set,
            _ if g.inputs <= 0 => return None,
            BitmapAggOp::And if self.counting => {
                let all = g.counts.iter().filter(|(_, c)| **c == g.inputs).map(|(m, _)| *m);
                if self.cardinality {
                    return Some(Value::Count(all.count() as u64));
                }
                // The counts are ordered by member, so the bitmap is built in order.
                return Some(Value::Set(RoaringBitmap::from_sorted_iter(all).unwrap_or_default()));
            }
            _ => &g.set,
        };
        Some(if self.cardinality { Value::Count(set.len()) } else { Value::Set(set.clone()) })
    }

    fn column<'a>(&self, values: impl Iterator<Item = Option<&'a Value>>) -> Result<ArrayRef, AggregateError> {
        if self.cardinality {
            let counts: Int64Array = values
                .map(|v| match v {
                    Some(Value::Count(n)) => Some(*n as i64),
                    Some(Value::Set(s)) => Some(s.len() as i64),
                    None => None,
                })
                .collect();
            return Ok(Arc::new(counts));
        }
        let mut out = BinaryBuilder::new();
        let mut buf = Vec::new();
        for v in values {
            match v {
                Some(Value::Set(s)) => {
                    encode(s, &mut buf)?;
                    out.append_value(&buf);
                }
                Some(Value::Count(_)) => return Err(AggregateError::internal(self.name, "a count where a bitmap was expected")),
                None => out.append_null(),
            }
        }
        Ok(Arc::new(out.finish()))
    }

    /// Per group: the input count, the bitmap, then the member counts (members and
    /// counts of all groups, with a length per group).
    fn save_groups(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        let picked: Vec<&Group> = groups.iter().map(|g| &self.groups[*g as usize]).collect();
        out.natives(&picked.iter().map(|g| g.inputs).collect::<Vec<i64>>());
        let mut buf = Vec::new();
        for g in &picked {
            encode(&g.set, &mut buf)?;
            out.bytes(&buf);
        }
        out.natives(&picked.iter().map(|g| g.counts.len() as u32).collect::<Vec<u32>>());
        out.natives(&picked.iter().flat_map(|g| g.counts.keys().copied()).collect::<Vec<u32>>());
        out.natives(&picked.iter().flat_map(|g| g.counts.values().copied()).collect::<Vec<i64>>());
        Ok(())
    }

    fn load_groups(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError> {
        let inputs = load_exact::<i64>(input, groups.len())?;
        let mut sets = Vec::with_capacity(groups.len());
        for _ in groups {
            let bytes = input.bytes().map_err(state_error)?;
            sets.push(RoaringBitmap::deserialize_from(bytes).map_err(|_| corrupt("bitmaps"))?);
        }
        let lengths = load_exact::<u32>(input, groups.len())?;
        let total = lengths.iter().map(|n| *n as usize).sum();
        let members = load_exact::<u32>(input, total)?;
        let counts = load_exact::<i64>(input, total)?;
        let mut entries = members.into_iter().zip(counts);
        for (((g, n), inputs), set) in groups.iter().zip(lengths).zip(inputs).zip(sets) {
            let counts = entries.by_ref().take(n as usize).collect();
            self.groups[*g as usize] = Group { inputs, set, counts };
        }
        Ok(())
    }

    fn merge_groups(&mut self, src: u32, dst: u32) {
        if src == dst {
            return;
        }
        let from = self.groups[src as usize].clone();
        let op = self.op;
        let counting = self.counting;
        let to = &mut self.groups[dst as usize];
        let first = to.inputs == 0;
        to.inputs += from.inputs;
        if counting {
            let set = &mut to.set;
            for (m, c) in from.counts {
                count_members(&mut to.counts, std::iter::once(m), c, |m, _, after| {
                    if op != BitmapAggOp::And {
                        if after > 0 {
                            set.insert(m);
                        } else {
                            set.remove(m);
                        }
                    }
                });
            }
            return;
        }
        match op {
            BitmapAggOp::Build | BitmapAggOp::Or => to.set |= &from.set,
            BitmapAggOp::Xor => to.set ^= &from.set,
            // A side without input does not take part in the intersection.
            BitmapAggOp::And if from.inputs == 0 => {}
            BitmapAggOp::And if first => to.set = from.set,
            BitmapAggOp::And => to.set &= &from.set,
        }
    }
}

impl GroupAccumulator for BitmapAccumulator {
    fn resize(&mut self, num_groups: usize) {
        self.groups.resize_with(num_groups, Group::default);
    }

    fn update(&mut self, args: &[ArrayRef], group_ids: &[u32], selected: Option<&BooleanBuffer>) -> Result<(), AggregateError> {
        let bound = self.bind_column(args)?;
        let nulls = match &bound {
            Bound::Ints(a) => a.nulls().cloned(),
            Bound::Bitmaps(a) => a.nulls().cloned(),
        };
        let mut rows = Vec::new();
        for_each_selected(group_ids.len(), nulls.as_ref(), selected, |row| rows.push(row));
        for row in rows {
            self.apply_row(&bound, row, group_ids[row] as usize, false)?;
        }
        Ok(())
    }

    fn merge(&mut self, src: u32, dst: u32) {
        self.merge_groups(src, dst);
    }

    fn evaluate(&self, groups: &[u32]) -> Result<ArrayRef, AggregateError> {
        let values: Vec<Option<Value>> = groups.iter().map(|g| self.value(*g as usize)).collect();
        self.column(values.iter().map(Option::as_ref))
    }

    fn reset(&mut self, group: u32) {
        self.groups[group as usize] = Group::default();
    }

    fn save(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        self.save_groups(groups, out)
    }

    fn load(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError> {
        self.load_groups(groups, input)
    }
}

impl RetractAccumulator for BitmapAccumulator {
    fn resize(&mut self, num_groups: usize) {
        self.groups.resize_with(num_groups, Group::default);
    }

    fn bind(&mut self, args: &[ArrayRef]) -> Result<(), AggregateError> {
        self.bound = Some(self.bind_column(args)?);
        Ok(())
    }

    fn apply(&mut self, row: usize, group: u32, retract: bool) {
        let Some(bound) = self.bound.take() else { return };
        if let Err(e) = self.apply_row(&bound, row, group as usize, retract) {
            self.failed.get_or_insert(e);
        }
        self.bound = Some(bound);
    }

    fn push_result(&mut self, group: u32) {
        let v = self.value(group as usize);
        self.results.push(v);
    }

    delegate_results!(results);

    fn take_results(&mut self) -> Result<ArrayRef, AggregateError> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        let results = self.results.take();
        self.column(results.iter().map(Option::as_ref))
    }

    fn reset(&mut self, group: u32) {
        self.groups[group as usize] = Group::default();
    }

    fn save(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        self.save_groups(groups, out)
    }

    fn load(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError> {
        self.load_groups(groups, input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bitmaps(sets: &[Option<&[u32]>]) -> ArrayRef {
        let mut b = BinaryBuilder::new();
        let mut buf = Vec::new();
        for s in sets {
            match s {
                Some(m) => {
                    encode(&m.iter().copied().collect(), &mut buf).unwrap();
                    b.append_value(&buf);
                }
                None => b.append_null(),
            }
        }
        Arc::new(b.finish())
    }

    fn members(column: &ArrayRef, row: usize) -> Option<Vec<u32>> {
        let bytes = column.as_binary::<i32>();
        (!bytes.is_null(row)).then(|| RoaringBitmap::deserialize_from(bytes.value(row)).unwrap().iter().collect())
    }

    #[test]
    fn and_takes_back_an_input() {
        let mut a = BitmapAccumulator::new(BitmapAggOp::And, false, true);
        RetractAccumulator::resize(&mut a, 1);
        a.bind(&[bitmaps(&[Some(&[1, 2, 3]), Some(&[2, 3, 4]), None, Some(&[2, 3, 4])])]).unwrap();
        a.apply(0, 0, false);
        a.apply(1, 0, false);
        a.apply(2, 0, false);
        a.push_result(0);
        a.apply(3, 0, true);
        a.push_result(0);
        a.apply(0, 0, true);
        a.push_result(0);
        let out = a.take_results().unwrap();
        assert_eq!(members(&out, 0), Some(vec![2, 3]));
        assert_eq!(members(&out, 1), Some(vec![1, 2, 3]));
        assert_eq!(members(&out, 2), None);
    }

    #[test]
    fn merging_and_skips_groups_without_input() {
        let mut a = BitmapAccumulator::new(BitmapAggOp::And, false, false);
        GroupAccumulator::resize(&mut a, 3);
        a.update(&[bitmaps(&[Some(&[1, 2]), Some(&[2, 5])])], &[0, 2], None).unwrap();
        a.merge(1, 0);
        let out = a.evaluate(&[0, 1]).unwrap();
        assert_eq!(members(&out, 0), Some(vec![1, 2]));
        assert_eq!(members(&out, 1), None);
        a.merge(2, 1);
        a.merge(0, 1);
        assert_eq!(members(&a.evaluate(&[1]).unwrap(), 0), Some(vec![2]));
    }

    #[test]
    fn build_of_nothing_is_null_and_save_round_trips() {
        let mut a = BitmapAccumulator::new(BitmapAggOp::Build, true, true);
        RetractAccumulator::resize(&mut a, 2);
        let ints: ArrayRef = Arc::new(Int32Array::from(vec![Some(-1), None, Some(7), Some(7)]));
        a.bind(&[ints]).unwrap();
        (0..4).for_each(|r| a.apply(r, 0, false));
        a.apply(2, 0, true);
        a.push_result(0);
        a.push_result(1);
        let out = a.take_results().unwrap();
        let counts = out.as_primitive::<arrow_array::types::Int64Type>();
        assert_eq!(counts.value(0), 2);
        assert!(counts.is_null(1));
        let mut w = StateWriter::new(1);
        RetractAccumulator::save(&a, &[0], &mut w).unwrap();
        let bytes = w.finish();
        let (mut r, _) = StateReader::open(&bytes, "test", &[1]).unwrap();
        let mut b = BitmapAccumulator::new(BitmapAggOp::Build, true, true);
        RetractAccumulator::resize(&mut b, 1);
        RetractAccumulator::load(&mut b, &[0], &mut r).unwrap();
        assert_eq!(b.groups[0].counts, a.groups[0].counts);
        assert_eq!(b.groups[0].set, a.groups[0].set);
    }
}
