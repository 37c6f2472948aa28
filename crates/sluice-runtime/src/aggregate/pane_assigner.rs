use super::AggregateError;
use crate::spec::WindowKind;

/// The start of the window of length `size` (aligned to `offset`) that holds `t`.
#[inline]
pub fn align(t: i64, size: i64, offset: i64) -> i64 {
    t.wrapping_sub(t.wrapping_sub(offset).rem_euclid(size))
}

/// Splits time windows into panes so that each row is accumulated once and windows are
/// merged from panes when they fire, as Flink's slicing window operator does:
///
/// - TUMBLE: a pane is a window;
/// - HOP with `size` a multiple of `slide`: panes of `slide`, a window merges
///   `size / slide` of them;
/// - HOP otherwise: a pane per window, and a row goes into each window holding it;
/// - CUMULATE: panes of `step`, window `k` of a period merges its first `k` panes.
///
/// Panes are named by their end (wall-clock microseconds).
#[derive(Clone, Copy, Debug)]
pub enum PaneAssigner {
    Tumble { size: i64, offset: i64 },
    Hop { size: i64, slide: i64, offset: i64 },
    HopUnshared { size: i64, slide: i64, offset: i64 },
    Cumulate { step: i64, max_size: i64, offset: i64 },
}

impl PaneAssigner {
    pub fn new(kind: WindowKind) -> Result<Self, AggregateError> {
        let positive = |name: &str, v: i64| {
            if v > 0 {
                Ok(v)
            } else {
                Err(AggregateError::Unsupported(format!("a window {name} that is not positive ({v} µs)")))
            }
        };
        Ok(match kind {
            WindowKind::Tumble { size, offset } => PaneAssigner::Tumble { size: positive("size", size)?, offset },
            WindowKind::Hop { size, slide, offset } => {
                let (size, slide) = (positive("size", size)?, positive("slide", slide)?);
                if size % slide == 0 {
                    PaneAssigner::Hop { size, slide, offset }
                } else {
                    PaneAssigner::HopUnshared { size, slide, offset }
                }
            }
            WindowKind::Cumulate { step, max_size, offset } => {
                let (step, max_size) = (positive("step", step)?, positive("max size", max_size)?);
                if max_size % step != 0 {
                    return Err(AggregateError::Unsupported(
                        "a CUMULATE window whose max size is not a multiple of its step".into(),
                    ));
                }
                PaneAssigner::Cumulate { step, max_size, offset }
            }
            WindowKind::Session { .. } => {
                return Err(AggregateError::Unsupported("SESSION windows in a sliced window operator".into()))
            }
        })
    }

    /// How many panes a row can fall into (one except for unshared HOP windows).
    pub fn panes_per_row(&self) -> usize {
        match *self {
            PaneAssigner::HopUnshared { size, slide, .. } => (size / slide + 1) as usize,
            _ => 1,
        }
    }

    /// The end of the `k`-th pane of a row at wall-clock time `t`, if it has one.
    #[inline]
    pub fn pane_end(&self, t: i64, k: usize) -> Option<i64> {
        match *self {
            PaneAssigner::Tumble { size, offset } => Some(align(t, size, offset).saturating_add(size)),
            PaneAssigner::Hop { slide, offset, .. } => Some(align(t, slide, offset).saturating_add(slide)),
            PaneAssigner::Cumulate { step, offset, .. } => Some(align(t, step, offset).saturating_add(step)),
            PaneAssigner::HopUnshared { size, slide, offset } => {
                let back = (k as i64).checked_mul(slide)?;
                let end = align(t, slide, offset).checked_sub(back)?.checked_add(size)?;
                (end > t).then_some(end)
            }
        }
    }

    /// The end of the last window that includes the pane: once it fired, the pane's
    /// state is no longer needed and rows of the pane are late.
    pub fn last_window_end(&self, pane_end: i64) -> i64 {
        match *self {
            PaneAssigner::Tumble { .. } | PaneAssigner::HopUnshared { .. } => pane_end,
            PaneAssigner::Hop { size, slide, .. } => pane_end.saturating_sub(slide).saturating_add(size),
            PaneAssigner::Cumulate { step, max_size, offset } => {
                align(pane_end.saturating_sub(step), max_size, offset).saturating_add(max_size)
            }
        }
    }

    /// The ends of the windows that include the pane, ascending.
    pub fn windows_of_pane(&self, pane_end: i64) -> Steps {
        match *self {
            PaneAssigner::Tumble { .. } | PaneAssigner::HopUnshared { .. } => Steps::one(pane_end),
            PaneAssigner::Hop { slide, .. } => Steps::new(pane_end, slide, self.last_window_end(pane_end)),
            PaneAssigner::Cumulate { step, .. } => Steps::new(pane_end, step, self.last_window_end(pane_end)),
        }
    }

    /// Flink's slice size: the step at which the watermark may fire windows.
    pub fn slice_size(&self) -> i64 {
        fn gcd(a: i64, b: i64) -> i64 {
            if b == 0 {
                a.abs()
            } else {
                gcd(b, a % b)
            }
        }
        match *self {
            PaneAssigner::Tumble { size, .. } => size,
            PaneAssigner::Hop { slide, .. } => slide,
            PaneAssigner::HopUnshared { size, slide, .. } => gcd(size, slide),
            PaneAssigner::Cumulate { step, .. } => step,
        }
    }

    /// The start of the window ending at `window_end` and the ends of its panes.
    pub fn panes_of_window(&self, window_end: i64) -> (i64, Steps) {
        match *self {
            PaneAssigner::Tumble { size, .. } | PaneAssigner::HopUnshared { size, .. } => {
                (window_end.saturating_sub(size), Steps::one(window_end))
            }
            PaneAssigner::Hop { size, slide, .. } => {
                let start = window_end.saturating_sub(size);
                (start, Steps::new(start.saturating_add(slide), slide, window_end))
            }
            PaneAssigner::Cumulate { step, max_size, offset } => {
                let start = align(window_end.saturating_sub(step), max_size, offset);
                (start, Steps::new(start.saturating_add(step), step, window_end))
            }
        }
    }
}

/// `first, first + step, ...` up to and including `last`, without overflowing.
#[derive(Clone, Copy, Debug)]
pub struct Steps {
    next: Option<i64>,
    step: i64,
    last: i64,
}

impl Steps {
    fn new(first: i64, step: i64, last: i64) -> Self {
        Steps { next: (first <= last).then_some(first), step, last }
    }

    fn one(value: i64) -> Self {
        Steps { next: Some(value), step: 1, last: value }
    }
}

impl Iterator for Steps {
    type Item = i64;

    fn next(&mut self) -> Option<i64> {
        let current = self.next?;
        self.next = current.checked_add(self.step).filter(|n| *n <= self.last);
        Some(current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000_000;

    #[test]
    fn tumble_aligns_to_epoch_and_offset() {
        let a = PaneAssigner::new(WindowKind::Tumble { size: 5 * MIN, offset: 0 }).unwrap();
        assert_eq!(a.pane_end(7 * MIN, 0), Some(10 * MIN));
        assert_eq!(a.pane_end(10 * MIN, 0), Some(15 * MIN));
        assert_eq!(a.pane_end(-1, 0), Some(0));
        let b = PaneAssigner::new(WindowKind::Tumble { size: 5 * MIN, offset: MIN }).unwrap();
        assert_eq!(b.pane_end(7 * MIN, 0), Some(11 * MIN));
    }

    #[test]
    fn hop_panes_and_windows() {
        let a = PaneAssigner::new(WindowKind::Hop { size: 6 * MIN, slide: 2 * MIN, offset: 0 }).unwrap();
        assert_eq!(a.pane_end(3 * MIN, 0), Some(4 * MIN));
        assert_eq!(a.last_window_end(4 * MIN), 8 * MIN);
        assert_eq!(a.windows_of_pane(4 * MIN).collect::<Vec<_>>(), vec![4 * MIN, 6 * MIN, 8 * MIN]);
        let (start, panes) = a.panes_of_window(8 * MIN);
        assert_eq!(start, 2 * MIN);
        assert_eq!(panes.collect::<Vec<_>>(), vec![4 * MIN, 6 * MIN, 8 * MIN]);
    }

    #[test]
    fn unshared_hop_gives_every_window() {
        let a = PaneAssigner::new(WindowKind::Hop { size: 5 * MIN, slide: 2 * MIN, offset: 0 }).unwrap();
        let ends: Vec<i64> = (0..a.panes_per_row()).filter_map(|k| a.pane_end(3 * MIN, k)).collect();
        // Windows [2, 7), [0, 5) and [-2, 3) hold 3; [-2, 3) does not.
        assert_eq!(ends, vec![7 * MIN, 5 * MIN]);
    }

    #[test]
    fn cumulate_windows_share_a_start() {
        let a = PaneAssigner::new(WindowKind::Cumulate { step: MIN, max_size: 3 * MIN, offset: 0 }).unwrap();
        assert_eq!(a.pane_end(4 * MIN + 5, 0), Some(5 * MIN));
        assert_eq!(a.last_window_end(5 * MIN), 6 * MIN);
        assert_eq!(a.windows_of_pane(4 * MIN).collect::<Vec<_>>(), vec![4 * MIN, 5 * MIN, 6 * MIN]);
        let (start, panes) = a.panes_of_window(5 * MIN);
        assert_eq!(start, 3 * MIN);
        assert_eq!(panes.collect::<Vec<_>>(), vec![4 * MIN, 5 * MIN]);
        assert!(PaneAssigner::new(WindowKind::Cumulate { step: 2 * MIN, max_size: 3 * MIN, offset: 0 }).is_err());
    }

    #[test]
    fn extremes_do_not_overflow() {
        let a = PaneAssigner::new(WindowKind::Hop { size: 5 * MIN, slide: 2 * MIN, offset: 0 }).unwrap();
        for t in [i64::MIN, i64::MIN + 1, i64::MAX, i64::MAX - 1] {
            for k in 0..a.panes_per_row() {
                let _ = a.pane_end(t, k);
            }
        }
        let b = PaneAssigner::new(WindowKind::Cumulate { step: MIN, max_size: 3 * MIN, offset: 0 }).unwrap();
        let e = b.pane_end(i64::MAX, 0).unwrap();
        let _ = b.windows_of_pane(e).count();
        let _ = b.panes_of_window(i64::MAX).1.count();
    }
}
