//! Base64 with the standard alphabet, as Jackson reads and writes `BYTES` in JSON.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Appends the base64 text of `data` with `=` padding.
pub fn encode(out: &mut Vec<u8>, data: &[u8]) {
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        out.push(ALPHABET[(n >> 18) as usize & 63]);
        out.push(ALPHABET[(n >> 12) as usize & 63]);
        out.push(if chunk.len() > 1 { ALPHABET[(n >> 6) as usize & 63] } else { b'=' });
        out.push(if chunk.len() > 2 { ALPHABET[n as usize & 63] } else { b'=' });
    }
}

/// Decodes base64 text (padding optional) into `out`; `None` on a character outside the
/// alphabet or a dangling single character.
pub fn decode(text: &[u8], out: &mut Vec<u8>) -> Option<()> {
    let text = match text.iter().position(|b| *b == b'=') {
        Some(p) if text[p..].iter().all(|b| *b == b'=') => &text[..p],
        Some(_) => return None,
        None => text,
    };
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &c in text {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    if bits >= 6 {
        return None;
    }
    Some(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trips() {
        for data in [&b""[..], b"f", b"fo", b"foo", b"foob", b"\xff\x00\x10"] {
            let mut enc = Vec::new();
            super::encode(&mut enc, data);
            let mut dec = Vec::new();
            super::decode(&enc, &mut dec).unwrap();
            assert_eq!(dec, data);
        }
        let mut dec = Vec::new();
        super::decode(b"Zm9vYg", &mut dec).unwrap();
        assert_eq!(dec, b"foob");
        assert!(super::decode(b"Zm9v!", &mut Vec::new()).is_none());
    }
}
