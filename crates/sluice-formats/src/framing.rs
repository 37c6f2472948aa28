//! Finding record boundaries in a byte buffer (newline-delimited records), shared by the
//! file and message sources so they split input at memchr speed.

/// The index of the first `\n` in `buf`.
#[inline]
pub fn find_newline(buf: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', buf)
}

/// Whether a line holds nothing but whitespace (such lines are not records).
#[inline]
pub fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|b| b.is_ascii_whitespace())
}
