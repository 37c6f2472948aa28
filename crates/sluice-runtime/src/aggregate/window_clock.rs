use sluice_types::temporal::SessionTimeZone;

use crate::spec::MILLI;

/// The two clocks of a window operator: windows are computed on the wall clock
/// (`TIMESTAMP`, or a `TIMESTAMP_LTZ` seen in the session time zone) while watermarks
/// and `window_time` are instants. With no zone, or UTC, both are the same.
///
/// All conversions saturate instead of overflowing, so extreme timestamps and the final
/// `i64::MAX` watermark are safe.
#[derive(Clone, Copy, Debug, Default)]
pub struct WindowClock {
    zone: Option<SessionTimeZone>,
}

impl WindowClock {
    pub fn new(zone: Option<SessionTimeZone>) -> Self {
        WindowClock { zone: zone.filter(|z| !z.is_utc()) }
    }

    /// The wall-clock time of a rowtime.
    #[inline]
    pub fn local(&self, rowtime: i64) -> i64 {
        match self.zone {
            None => rowtime,
            Some(SessionTimeZone::Fixed(seconds)) => rowtime.saturating_add(i64::from(seconds) * 1_000_000),
            Some(zone) => zone.to_local(rowtime),
        }
    }

    /// The instant of a wall-clock time.
    #[inline]
    pub fn instant(&self, local: i64) -> i64 {
        match self.zone {
            None => local,
            Some(SessionTimeZone::Fixed(seconds)) => local.saturating_sub(i64::from(seconds) * 1_000_000),
            Some(zone) => zone.to_instant(local),
        }
    }

    /// The `window_time` of a window ending at wall-clock `end`, which is also the
    /// watermark that fires it: one millisecond before the end, as an instant.
    #[inline]
    pub fn fire_time(&self, end: i64) -> i64 {
        self.instant(end).saturating_sub(MILLI)
    }

    /// Whether a window ending at `end` has fired at watermark `watermark`.
    #[inline]
    pub fn has_fired(&self, end: i64, watermark: i64) -> bool {
        self.fire_time(end) <= watermark
    }
}
