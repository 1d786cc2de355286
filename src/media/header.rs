//! Header parsing without decoding pixels: stored dimensions for the limit
//! check, JPEG completeness, and HEIF orientation properties. Every read is
//! bounds-checked and nothing allocates in proportion to the input.

use super::{Format, MediaError};

fn corrupt(msg: &str) -> MediaError {
    MediaError::Corrupt(msg.to_string())
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn be64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
}
fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn le24(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 3)?;
    Some(u32::from(s[0]) | u32::from(s[1]) << 8 | u32::from(s[2]) << 16)
}
fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Stored (coded) dimensions from the header, without decoding pixels.
/// For HEIC this is the primary item's `ispe` (before irot).
pub fn header_dimensions(bytes: &[u8], format: Format) -> Result<(u32, u32), MediaError> {
    let (w, h) = match format {
        Format::Jpeg => {
            let j = jpeg_header(bytes)?;
            (j.width, j.height)
        }
        Format::Png => png_dimensions(bytes)?,
        Format::Webp => webp_dimensions(bytes)?,
        Format::Heic => {
            let h = heif_header(bytes)?;
            (h.width, h.height)
        }
    };
    if w == 0 || h == 0 {
        return Err(MediaError::Corrupt(format!(
            "header declares zero size {w}x{h}"
        )));
    }
    Ok((w, h))
}

// ---------------------------------------------------------------- JPEG

#[derive(Debug, Clone, Copy)]
pub(crate) struct JpegHeader {
    pub width: u32,
    pub height: u32,
    /// Offset just past the first SOS segment header (start of scan data).
    pub scan_start: Option<usize>,
}

fn is_sof(m: u8) -> bool {
    matches!(m, 0xC0..=0xCF) && !matches!(m, 0xC4 | 0xC8 | 0xCC)
}

/// Walks JPEG marker segments up to the first SOS.
pub(crate) fn jpeg_header(b: &[u8]) -> Result<JpegHeader, MediaError> {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return Err(corrupt("not a JPEG (no SOI)"));
    }
    let mut i = 2usize;
    let mut dims: Option<(u32, u32)> = None;
    loop {
        // Skip stray bytes between segments, then fill bytes (0xFF runs).
        while i < b.len() && b[i] != 0xFF {
            i += 1;
        }
        while i < b.len() && b[i] == 0xFF {
            i += 1;
        }
        // Without a scan the file cannot decode, but a frame header already
        // seen still goes to the size limits first: a bomb is "too large".
        let Some(&m) = b.get(i) else {
            return match dims {
                Some((width, height)) => Ok(JpegHeader {
                    width,
                    height,
                    scan_start: None,
                }),
                None => Err(corrupt("truncated JPEG: no frame header")),
            };
        };
        i += 1;
        match m {
            0x01 | 0xD0..=0xD7 | 0xD8 => continue,
            0xD9 => {
                return match dims {
                    Some((width, height)) => Ok(JpegHeader {
                        width,
                        height,
                        scan_start: None,
                    }),
                    None => Err(corrupt("JPEG ends before any scan")),
                }
            }
            _ => {}
        }
        let len = be16(b, i).ok_or_else(|| corrupt("truncated JPEG segment"))? as usize;
        if len < 2 {
            return Err(corrupt("invalid JPEG segment length"));
        }
        let seg_end = i + len;
        if is_sof(m) {
            let p = b.get(i + 2..seg_end.min(b.len())).unwrap_or(&[]);
            if p.len() < 6 {
                return Err(corrupt("truncated JPEG frame header"));
            }
            let height = u32::from(u16::from_be_bytes([p[1], p[2]]));
            let width = u32::from(u16::from_be_bytes([p[3], p[4]]));
            if dims.is_none() {
                dims = Some((width, height));
            }
        }
        if m == 0xDA {
            let (width, height) = dims.ok_or_else(|| corrupt("JPEG scan before frame header"))?;
            if seg_end > b.len() {
                return Err(corrupt("truncated JPEG scan header"));
            }
            return Ok(JpegHeader {
                width,
                height,
                scan_start: Some(seg_end),
            });
        }
        if seg_end > b.len() {
            return Err(corrupt("truncated JPEG segment"));
        }
        i = seg_end;
    }
}

/// True if an EOI marker follows the first scan. Inside entropy-coded data
/// 0xFF is always stuffed, so FF D9 there can only be the end marker; a
/// file cut short (an interrupted upload) has none. Searching from the end
/// keeps this cheap for files with trailing MPF images.
pub(crate) fn jpeg_has_eoi(b: &[u8], scan_start: usize) -> bool {
    b.get(scan_start..)
        .is_some_and(|s| s.windows(2).rev().any(|w| w == [0xFF, 0xD9]))
}

// ---------------------------------------------------------------- PNG

fn png_dimensions(b: &[u8]) -> Result<(u32, u32), MediaError> {
    if b.len() < 24 || &b[12..16] != b"IHDR" {
        return Err(corrupt("PNG without IHDR header"));
    }
    let w = be32(b, 16).unwrap_or(0);
    let h = be32(b, 20).unwrap_or(0);
    Ok((w, h))
}

// ---------------------------------------------------------------- WebP

fn webp_dimensions(b: &[u8]) -> Result<(u32, u32), MediaError> {
    let trunc = || corrupt("truncated WebP header");
    let fourcc = b.get(12..16).ok_or_else(trunc)?;
    let p = 20usize;
    match fourcc {
        b"VP8 " => {
            if b.get(p + 3..p + 6) != Some(&[0x9D, 0x01, 0x2A][..]) {
                return Err(corrupt("bad VP8 start code"));
            }
            let w = le16(b, p + 6).ok_or_else(trunc)? & 0x3FFF;
            let h = le16(b, p + 8).ok_or_else(trunc)? & 0x3FFF;
            Ok((u32::from(w), u32::from(h)))
        }
        b"VP8L" => {
            if b.get(p) != Some(&0x2F) {
                return Err(corrupt("bad VP8L signature"));
            }
            let bits = le32(b, p + 1).ok_or_else(trunc)?;
            Ok(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        b"VP8X" => {
            let w = le24(b, p + 4).ok_or_else(trunc)? + 1;
            let h = le24(b, p + 7).ok_or_else(trunc)? + 1;
            Ok((w, h))
        }
        _ => Err(corrupt("unknown WebP chunk")),
    }
}

// ---------------------------------------------------------------- HEIF

/// A geometric transform in the dihedral group, as "mirror left-right
/// (if `flip`), then rotate `rot` quarter turns clockwise".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Transform {
    pub rot: u8,
    pub flip: bool,
}

impl Transform {
    pub const IDENTITY: Transform = Transform {
        rot: 0,
        flip: false,
    };

    /// `self` followed by `next`.
    pub fn then(self, next: Transform) -> Transform {
        // R^a F^f R^b = R^(a ± b) F^f  (F R = R^-1 F)
        let rot = if next.flip {
            (next.rot + 4 - self.rot) % 4
        } else {
            (next.rot + self.rot) % 4
        };
        Transform {
            rot,
            flip: self.flip ^ next.flip,
        }
    }

    #[cfg_attr(not(feature = "heic"), allow(dead_code))]
    pub fn to_exif(self) -> u16 {
        match (self.rot, self.flip) {
            (0, false) => 1,
            (0, true) => 2,
            (2, false) => 3,
            (2, true) => 4,
            (3, true) => 5,
            (1, false) => 6,
            (1, true) => 7,
            (3, false) => 8,
            _ => 1,
        }
    }

    #[cfg(test)]
    pub fn from_exif(o: u16) -> Transform {
        let (rot, flip) = match o {
            2 => (0, true),
            3 => (2, false),
            4 => (2, true),
            5 => (3, true),
            6 => (1, false),
            7 => (1, true),
            8 => (3, false),
            _ => (0, false),
        };
        Transform { rot, flip }
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct HeifHeader {
    /// `ispe` of the primary item (coded size, before transforms).
    pub width: u32,
    pub height: u32,
    /// irot/imir of the primary item, composed in association order.
    #[cfg_attr(not(feature = "heic"), allow(dead_code))]
    pub transform: Transform,
}

struct Boxes<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for Boxes<'a> {
    /// (type, body)
    type Item = Result<([u8; 4], &'a [u8]), MediaError>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.b.len() {
            return None;
        }
        let start = self.pos;
        let size32 = be32(self.b, start);
        let ty: Option<[u8; 4]> = self
            .b
            .get(start + 4..start + 8)
            .and_then(|s| s.try_into().ok());
        let (Some(size32), Some(ty)) = (size32, ty) else {
            self.pos = self.b.len();
            return Some(Err(corrupt("truncated HEIF box header")));
        };
        let (hdr, size) = match size32 {
            0 => (8usize, (self.b.len() - start) as u64),
            1 => match be64(self.b, start + 8) {
                Some(s) => (16, s),
                None => {
                    self.pos = self.b.len();
                    return Some(Err(corrupt("truncated HEIF box header")));
                }
            },
            s => (8, u64::from(s)),
        };
        let end = (start as u64).saturating_add(size);
        if size < hdr as u64 || end > self.b.len() as u64 {
            self.pos = self.b.len();
            return Some(Err(corrupt("HEIF box exceeds its container")));
        }
        let end = end as usize;
        self.pos = end;
        Some(Ok((ty, &self.b[start + hdr..end])))
    }
}

fn boxes(b: &[u8]) -> Boxes<'_> {
    Boxes { b, pos: 0 }
}

fn find_box<'a>(b: &'a [u8], want: &[u8; 4]) -> Result<Option<&'a [u8]>, MediaError> {
    for r in boxes(b) {
        let (ty, body) = r?;
        if &ty == want {
            return Ok(Some(body));
        }
    }
    Ok(None)
}

/// Parses `meta` → `pitm`, `iprp/ipco`, `iprp/ipma` for the primary item.
pub(crate) fn heif_header(b: &[u8]) -> Result<HeifHeader, MediaError> {
    // Top level: tolerate a truncated tail after `meta` (mdat may be cut).
    let mut meta = None;
    for r in boxes(b) {
        match r {
            Ok((ty, body)) if &ty == b"meta" => {
                meta = Some(body);
                break;
            }
            Ok(_) => {}
            Err(e) => return Err(e),
        }
    }
    let meta = meta.ok_or_else(|| corrupt("HEIF without meta box"))?;
    let meta = meta
        .get(4..)
        .ok_or_else(|| corrupt("truncated HEIF meta"))?; // full box

    let pitm = find_box(meta, b"pitm")?.ok_or_else(|| corrupt("HEIF without primary item"))?;
    let primary = match pitm.first() {
        Some(0) => be16(pitm, 4).map(u32::from),
        Some(_) => be32(pitm, 4),
        None => None,
    }
    .ok_or_else(|| corrupt("truncated pitm"))?;

    let iprp = find_box(meta, b"iprp")?.ok_or_else(|| corrupt("HEIF without item properties"))?;
    let ipco = find_box(iprp, b"ipco")?.ok_or_else(|| corrupt("HEIF without ipco"))?;
    let ipma = find_box(iprp, b"ipma")?.ok_or_else(|| corrupt("HEIF without ipma"))?;

    // Property indices (1-based) associated with the primary item.
    let version = *ipma.first().ok_or_else(|| corrupt("truncated ipma"))?;
    let flags = be32(ipma, 0).unwrap_or(0) & 0x00FF_FFFF;
    let entries = be32(ipma, 4).ok_or_else(|| corrupt("truncated ipma"))?;
    let mut p = 8usize;
    let mut assoc: Vec<u16> = Vec::new();
    for _ in 0..entries {
        let (item, n) = if version < 1 {
            (be16(ipma, p).map(u32::from), 2)
        } else {
            (be32(ipma, p), 4)
        };
        let item = item.ok_or_else(|| corrupt("truncated ipma"))?;
        p += n;
        let count = *ipma.get(p).ok_or_else(|| corrupt("truncated ipma"))? as usize;
        p += 1;
        let wide = flags & 1 == 1;
        for _ in 0..count {
            let idx = if wide {
                let v = be16(ipma, p).ok_or_else(|| corrupt("truncated ipma"))?;
                p += 2;
                v & 0x7FFF
            } else {
                let v = *ipma.get(p).ok_or_else(|| corrupt("truncated ipma"))?;
                p += 1;
                u16::from(v & 0x7F)
            };
            if item == primary && idx > 0 {
                assoc.push(idx);
            }
        }
        if item == primary {
            break;
        }
    }

    let props: Vec<([u8; 4], &[u8])> = boxes(ipco).collect::<Result<_, _>>()?;
    let mut dims = None;
    let mut transform = Transform::IDENTITY;
    for idx in assoc {
        let Some(&(ty, body)) = props.get(usize::from(idx) - 1) else {
            continue;
        };
        match &ty {
            b"ispe" => {
                if let (Some(w), Some(h)) = (be32(body, 4), be32(body, 8)) {
                    dims = Some((w, h));
                }
            }
            b"irot" => {
                let angle = body.first().copied().unwrap_or(0) & 3; // anti-clockwise
                transform = transform.then(Transform {
                    rot: (4 - angle) % 4,
                    flip: false,
                });
            }
            b"imir" => {
                // axis 0: mirror about a vertical axis (left-right);
                // axis 1: about a horizontal axis (top-bottom).
                let axis = body.first().copied().unwrap_or(0) & 1;
                let t = if axis == 0 {
                    Transform { rot: 0, flip: true }
                } else {
                    Transform { rot: 2, flip: true }
                };
                transform = transform.then(t);
            }
            _ => {}
        }
    }
    let (width, height) = dims.ok_or_else(|| corrupt("HEIF primary item without ispe"))?;
    Ok(HeifHeader {
        width,
        height,
        transform,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transform_group_matches_exif() {
        for o in 1..=8u16 {
            assert_eq!(Transform::from_exif(o).to_exif(), o);
        }
        let r90 = Transform {
            rot: 1,
            flip: false,
        };
        let fh = Transform { rot: 0, flip: true };
        // Orientation 5 (transpose) = mirror left-right, then rotate 270° CW.
        assert_eq!(fh.then(r90).then(r90).then(r90).to_exif(), 5);
        // Orientation 7 (transverse) = mirror left-right, then rotate 90° CW.
        assert_eq!(fh.then(r90).to_exif(), 7);
        // Rotate 90° CW, then mirror left-right = transpose.
        assert_eq!(r90.then(fh).to_exif(), 5);
        assert_eq!(r90.then(r90).to_exif(), 3);
    }

    #[test]
    fn jpeg_walker() {
        let mut j = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 1, 2];
        j.extend_from_slice(&[0xFF, 0xC0, 0, 17, 8, 0x01, 0x2C, 0x02, 0x58, 3]);
        j.extend_from_slice(&[1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        j.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 63, 0]);
        let h = jpeg_header(&j).unwrap();
        assert_eq!((h.width, h.height), (600, 300));
        assert!(!jpeg_has_eoi(&j, h.scan_start.unwrap()));
        j.extend_from_slice(&[0x12, 0xFF, 0x00, 0xFF, 0xD9]);
        assert!(jpeg_has_eoi(&j, h.scan_start.unwrap()));
        // A cut file never yields a scan: either an error, or the frame
        // size alone (for the limit check) with no scan to decode.
        for cut in 0..30 {
            assert!(
                jpeg_header(&j[..cut]).map_or(true, |h| h.scan_start.is_none()),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn webp_headers() {
        let mut vp8l = b"RIFF\0\0\0\0WEBPVP8L\0\0\0\0\x2f".to_vec();
        vp8l.extend_from_slice(&((99u32) | (49u32 << 14)).to_le_bytes());
        assert_eq!(header_dimensions(&vp8l, Format::Webp).unwrap(), (100, 50));
        let mut vp8x = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0".to_vec();
        vp8x.extend_from_slice(&[0x0F, 0x27, 0, 0x0F, 0x27, 0]);
        assert_eq!(
            header_dimensions(&vp8x, Format::Webp).unwrap(),
            (10000, 10000)
        );
        assert!(header_dimensions(b"RIFF\0\0\0\0WEBPVP8 ", Format::Webp).is_err());
    }

    #[test]
    fn heif_garbage_is_corrupt_not_panic() {
        let base =
            b"\0\0\0\x18ftypheic\0\0\0\0mif1heic\0\0\0\x10meta\0\0\0\0\0\0\0\x08pitm".to_vec();
        for cut in 0..base.len() {
            assert!(heif_header(&base[..cut]).is_err());
        }
        // A box claiming a huge size.
        let huge =
            b"\0\0\0\x18ftypheic\0\0\0\0mif1heic\0\0\0\x01meta\xff\xff\xff\xff\xff\xff\xff\xff";
        assert!(heif_header(huge).is_err());
    }
}
