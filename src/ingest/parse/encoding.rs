//! Which encoding a feed is in (BOM, UTF-16/32 pattern, XML declaration, else detection),
//! and the document as UTF-8.

use std::borrow::Cow;

/// UTF-16 and UTF-32 by BOM or, without one, by how `<` is encoded (XML 1.0 appendix F).
#[derive(Debug, Clone, Copy)]
enum Wide {
    Utf16 { big_endian: bool, bom: usize },
    Utf32 { big_endian: bool, bom: usize },
}

fn wide_encoding(bytes: &[u8]) -> Option<Wide> {
    let wide = match bytes {
        [0, 0, 0xFE, 0xFF, ..] => Wide::Utf32 {
            big_endian: true,
            bom: 4,
        },
        [0xFF, 0xFE, 0, 0, ..] => Wide::Utf32 {
            big_endian: false,
            bom: 4,
        },
        [0, 0, 0, b'<', ..] => Wide::Utf32 {
            big_endian: true,
            bom: 0,
        },
        [b'<', 0, 0, 0, ..] => Wide::Utf32 {
            big_endian: false,
            bom: 0,
        },
        [0xFE, 0xFF, ..] => Wide::Utf16 {
            big_endian: true,
            bom: 2,
        },
        [0xFF, 0xFE, ..] => Wide::Utf16 {
            big_endian: false,
            bom: 2,
        },
        [0, b'<', ..] => Wide::Utf16 {
            big_endian: true,
            bom: 0,
        },
        [b'<', 0, ..] => Wide::Utf16 {
            big_endian: false,
            bom: 0,
        },
        _ => return None,
    };
    Some(wide)
}

pub(super) fn needs_transcoding(bytes: &[u8]) -> bool {
    if wide_encoding(bytes).is_some() {
        return true;
    }
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return false;
    }
    match declared_encoding(bytes).and_then(encoding_rs::Encoding::for_label) {
        Some(encoding) => encoding != encoding_rs::UTF_8,
        None => std::str::from_utf8(bytes).is_err(),
    }
}

/// The document as UTF-8: by BOM or UTF-16/32 pattern, else by the XML declaration, else
/// UTF-8 if it is valid, else the legacy encoding its bytes look like (`chardetng`, the
/// detector Firefox uses: GBK and Big5 Chinese feeds, Shift_JIS, Windows-1252, …).
pub(super) fn decode(bytes: &[u8]) -> Cow<'_, str> {
    match wide_encoding(bytes) {
        Some(Wide::Utf16 { big_endian, bom }) => {
            let encoding = if big_endian {
                encoding_rs::UTF_16BE
            } else {
                encoding_rs::UTF_16LE
            };
            return encoding.decode_without_bom_handling(&bytes[bom..]).0;
        }
        Some(Wide::Utf32 { big_endian, bom }) => {
            let unit = |c: &[u8]| {
                let c = [c[0], c[1], c[2], c[3]];
                if big_endian {
                    u32::from_be_bytes(c)
                } else {
                    u32::from_le_bytes(c)
                }
            };
            let chars = bytes[bom..]
                .chunks_exact(4)
                .map(|c| char::from_u32(unit(c)).unwrap_or('\u{fffd}'));
            return Cow::Owned(chars.collect());
        }
        None => {}
    }
    if let Some(text) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8_lossy(text);
    }
    let declared = declared_encoding(bytes).and_then(encoding_rs::Encoding::for_label);
    match declared {
        // A declaration readable as ASCII means the document is not UTF-16, whatever it says.
        Some(encoding)
            if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE =>
        {
            String::from_utf8_lossy(bytes)
        }
        Some(encoding) if encoding != encoding_rs::UTF_8 => {
            encoding.decode_without_bom_handling(bytes).0
        }
        Some(_) => String::from_utf8_lossy(bytes),
        None => match std::str::from_utf8(bytes) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => {
                let mut detector = chardetng::EncodingDetector::new();
                detector.feed(bytes, true);
                detector
                    .guess(None, true)
                    .decode_without_bom_handling(bytes)
                    .0
            }
        },
    }
}

/// `text` with its XML declaration replaced by one that says UTF-8.
pub(super) fn as_utf8_document(text: &str) -> String {
    let text = text.trim_start_matches('\u{feff}');
    let body = match text.strip_prefix("<?xml") {
        Some(decl) => decl.find("?>").map_or(text, |end| &decl[end + 2..]),
        None => text,
    };
    format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>{body}")
}

fn declared_encoding(bytes: &[u8]) -> Option<&[u8]> {
    let head = &bytes[..bytes.len().min(512)];
    let decl_end = head.windows(2).position(|w| w == b"?>")?;
    let decl = &head[..decl_end];
    let at = decl
        .windows(8)
        .position(|w| w.eq_ignore_ascii_case(b"encoding"))?
        + 8;
    let rest = &decl[at..];
    let quote_at = rest.iter().position(|&b| b == b'"' || b == b'\'')?;
    let quote = rest[quote_at];
    let value = &rest[quote_at + 1..];
    let end = value.iter().position(|&b| b == quote)?;
    Some(&value[..end])
}
