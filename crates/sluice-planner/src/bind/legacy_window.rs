//! Legacy group windows: `GROUP BY TUMBLE(ts, size)`, `HOP(ts, slide, size)` and
//! `SESSION(ts, gap)`, with `TUMBLE_START`, `TUMBLE_END` and `TUMBLE_ROWTIME` (and the
//! `HOP_` and `SESSION_` ones) in the SELECT list.

use sluice_expr::ScalarExpr;
use sluice_runtime::spec::WindowKind;
use sluice_sql::ast::{Expr, ExprKind};
use sluice_types::DataType;

use super::expr::ExprContext;
use super::window_tvf::{check_time_attribute, window_duration, window_fields};
use super::Binder;
use crate::error::{not_supported, user, PlanResult};
use crate::logical::PlanField;

/// The group window of a `GROUP BY`, bound over the aggregation's input.
#[derive(Clone, Debug)]
pub struct LegacyWindow {
    /// `TUMBLE`, `HOP` or `SESSION`.
    pub function: &'static str,
    /// The call's arguments as bound, to match `TUMBLE_START(...)` and friends.
    pub args: Vec<ScalarExpr>,
    pub kind: WindowKind,
    pub time_column: usize,
    pub time_type: DataType,
    /// A window on processing time (`PROCTIME()`), not event time.
    pub proctime: bool,
}

impl LegacyWindow {
    /// The start, end and rowtime columns the window aggregation appends.
    pub fn output_fields(&self) -> Vec<PlanField> {
        let f = self.function;
        let names = [format!("{f}_START"), format!("{f}_END"), format!("{f}_ROWTIME")];
        window_fields(&self.time_type, self.proctime, [names[0].as_str(), names[1].as_str(), names[2].as_str()])
    }
}

/// `TUMBLE_START` -> (`TUMBLE`, 0); `_END` is 1, `_ROWTIME` and `_PROCTIME` 2.
pub fn legacy_auxiliary(name: &str) -> Option<(&'static str, usize)> {
    let (base, suffix) = name.split_once('_')?;
    let base = ["TUMBLE", "HOP", "SESSION"].into_iter().find(|b| *b == base)?;
    let part = match suffix {
        "START" => 0,
        "END" => 1,
        "ROWTIME" | "PROCTIME" => 2,
        _ => return None,
    };
    Some((base, part))
}

impl Binder<'_> {
    /// `TUMBLE(ts, size)` and friends as a GROUP BY item; `None` for other expressions.
    pub fn bind_legacy_window(&mut self, expr: &Expr, input: &ExprContext) -> PlanResult<Option<LegacyWindow>> {
        let ExprKind::Function(call) = &expr.kind else { return Ok(None) };
        if call.over.is_some() {
            return Ok(None);
        }
        let upper = call.name.base().value.to_uppercase();
        let Some(function) = ["TUMBLE", "HOP", "SESSION"].into_iter().find(|f| *f == upper) else {
            return Ok(None);
        };
        let arity: &[usize] = match function {
            "TUMBLE" => &[2, 3],
            "HOP" => &[3, 4],
            _ => &[2],
        };
        if !arity.contains(&call.args.len()) {
            return Err(user(format!("wrong number of arguments to group window \"{function}\""), expr.span));
        }
        let mut args = Vec::with_capacity(call.args.len());
        for a in &call.args {
            args.push(self.bind_expr(a, input)?);
        }
        let ScalarExpr::Column { index: time_column, data_type: time_type } = args[0].clone() else {
            return Err(user(format!("the first argument of \"{function}\" must be a time attribute column"), call.args[0].span));
        };
        check_time_attribute(input.schema, time_column, call.args[0].span)?;
        let kind = match function {
            "TUMBLE" => {
                let size = window_duration(self, &call.args[1], "size", false)?;
                let offset = match call.args.get(2) {
                    Some(o) => window_duration(self, o, "offset", true)?,
                    None => 0,
                };
                WindowKind::Tumble { size, offset }
            }
            "HOP" => {
                let slide = window_duration(self, &call.args[1], "slide", false)?;
                let size = window_duration(self, &call.args[2], "size", false)?;
                if size % slide != 0 {
                    return Err(not_supported("a HOP window whose size is not a multiple of its slide", expr.span));
                }
                let offset = match call.args.get(3) {
                    Some(o) => window_duration(self, o, "offset", true)?,
                    None => 0,
                };
                WindowKind::Hop { size, slide, offset }
            }
            _ => WindowKind::Session { gap: window_duration(self, &call.args[1], "gap", false)? },
        };
        let proctime = input.schema.fields[time_column].time_attribute == Some(crate::logical::TimeAttribute::Proctime);
        Ok(Some(LegacyWindow { function, args, kind, time_column, time_type, proctime }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auxiliary_names() {
        assert_eq!(legacy_auxiliary("TUMBLE_START"), Some(("TUMBLE", 0)));
        assert_eq!(legacy_auxiliary("HOP_ROWTIME"), Some(("HOP", 2)));
        assert_eq!(legacy_auxiliary("SESSION_END"), Some(("SESSION", 1)));
        assert_eq!(legacy_auxiliary("TUMBLE_PROCTIME"), Some(("TUMBLE", 2)));
        assert_eq!(legacy_auxiliary("SPLIT_INDEX"), None);
    }
}
