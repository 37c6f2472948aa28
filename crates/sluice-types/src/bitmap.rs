//! How a `BITMAP` value looks as text: Java's `RoaringBitmap.toString()`, the members as
//! unsigned numbers in braces (`{0,10,4294967292}`). A bitmap travels in Arrow as its
//! portable RoaringBitmap serialisation.

use roaring::RoaringBitmap;

/// The text of a bitmap.
pub fn bitmap_text(bitmap: &RoaringBitmap) -> String {
    let mut out = String::with_capacity(2 + bitmap.len() as usize * 4);
    out.push('{');
    let mut digits = itoa::Buffer::new();
    for (i, v) in bitmap.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(digits.format(v));
    }
    out.push('}');
    out
}

/// The text of one serialised bitmap, appended to `out` (the bytes themselves, lossily,
/// when they are no bitmap).
pub fn write_bitmap_text(bytes: &[u8], out: &mut String) {
    match RoaringBitmap::deserialize_from(bytes) {
        Ok(b) => out.push_str(&bitmap_text(&b)),
        Err(_) => out.push_str(&String::from_utf8_lossy(bytes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_print_unsigned_in_unsigned_order() {
        let b: RoaringBitmap = [10i32, -4, 0, 10].iter().map(|v| *v as u32).collect();
        assert_eq!(bitmap_text(&b), "{0,10,4294967292}");
        assert_eq!(bitmap_text(&RoaringBitmap::new()), "{}");
    }
}
