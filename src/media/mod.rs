//! Photo evidence processing: pure, synchronous CPU work.
//!
//! `process` runs the whole pipeline from one decode:
//! sniff (magic bytes only) → header dimensions checked against [`Limits`]
//! → decode under `image::Limits` (inside `catch_unwind`) → EXIF
//! → downscale → apply orientation → display copy (long edge ≤ 2048)
//! and thumbnail (long edge ≤ 320) as metadata-free JPEGs.
//!
//! The display copy is resized in the stored orientation and rotated
//! afterwards: resizing is separable, so this gives the same pixels as
//! rotate-then-resize while rotating ~3 MP instead of the full photo.
//!
//! HEIC/HEIF is decoded only with the `heic` cargo feature (system
//! libheif ≥ 1.14); without it `process` answers
//! [`MediaError::HeicUnsupported`], but [`read_exif`] still works.

mod decode;
mod derive;
pub mod documents;
mod exif;
mod header;
pub mod sample;
mod sniff;

use crate::error::codes;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

pub use self::exif::{read_exif, ExifInfo};
pub use self::header::header_dimensions;
pub use self::sniff::{describe_unsupported, sniff};

/// Resource limits applied before and during decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum width × height of the stored image.
    pub max_pixels: u64,
    /// Maximum width or height, in pixels.
    pub max_side: u32,
    /// Maximum bytes the decoder may allocate.
    pub max_alloc_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_pixels: 100_000_000,
            max_side: 20_000,
            max_alloc_bytes: 1 << 30,
        }
    }
}

/// Image formats accepted for upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
    Webp,
    Heic,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Jpeg => "jpeg",
            Format::Png => "png",
            Format::Webp => "webp",
            Format::Heic => "heic",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
            Format::Webp => "image/webp",
            Format::Heic => "image/heic",
        }
    }
}

/// Why an upload could not be processed. Each variant maps to a stable
/// error code and HTTP status for the API layer.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("unsupported image type{}", what.map(|w| format!(" ({w})")).unwrap_or_default())]
    Unsupported { what: Option<&'static str> },
    #[error("HEIC/HEIF images are not supported by this server")]
    HeicUnsupported,
    #[error("image has too many pixels ({width}x{height})")]
    TooManyPixels { width: u32, height: u32 },
    #[error("image dimensions too large ({width}x{height})")]
    TooLarge { width: u32, height: u32 },
    #[error("image is corrupt: {0}")]
    Corrupt(String),
}

impl MediaError {
    pub fn code(&self) -> &'static str {
        match self {
            MediaError::Unsupported { .. } => codes::UNSUPPORTED_IMAGE_TYPE,
            MediaError::HeicUnsupported => codes::HEIC_NOT_SUPPORTED,
            MediaError::TooManyPixels { .. } => codes::IMAGE_TOO_MANY_PIXELS,
            MediaError::TooLarge { .. } => codes::IMAGE_DIMENSIONS_TOO_LARGE,
            MediaError::Corrupt(_) => codes::IMAGE_CORRUPT,
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            MediaError::Unsupported { .. } | MediaError::HeicUnsupported => 415,
            MediaError::TooManyPixels { .. } | MediaError::TooLarge { .. } => 413,
            MediaError::Corrupt(_) => 422,
        }
    }
}

/// A derived, metadata-free JPEG.
#[derive(Debug, Clone)]
pub struct Derived {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// The outcome of [`process`].
#[derive(Debug, Clone)]
pub struct Processed {
    pub format: Format,
    /// Size after orientation (display size) of the original.
    pub width: u32,
    pub height: u32,
    /// The EXIF orientation (1..=8) that was applied; 1 if none. For HEIC
    /// this is the equivalent of the container's irot/imir, which libheif
    /// applies (the EXIF tag is then ignored).
    pub orientation: u16,
    pub exif: ExifInfo,
    /// Long edge ≤ 2048 (never upscaled), orientation applied, no metadata.
    pub display: Derived,
    /// Long edge ≤ 320, orientation applied, no metadata.
    pub thumbnail: Derived,
}

pub(crate) const DISPLAY_MAX: u32 = 2048;
pub(crate) const THUMB_MAX: u32 = 320;

/// Checks header dimensions against `limits` (zero size is corrupt).
pub(crate) fn check_limits(width: u32, height: u32, limits: &Limits) -> Result<(), MediaError> {
    if width == 0 || height == 0 {
        return Err(MediaError::Corrupt(format!(
            "zero image size {width}x{height}"
        )));
    }
    if width > limits.max_side || height > limits.max_side {
        return Err(MediaError::TooLarge { width, height });
    }
    let pixels = u64::from(width) * u64::from(height);
    // The RGB8 working buffer alone must fit the allocation budget.
    if pixels > limits.max_pixels || pixels.saturating_mul(3) > limits.max_alloc_bytes {
        return Err(MediaError::TooManyPixels { width, height });
    }
    Ok(())
}

/// Runs `f`, turning a panic into [`MediaError::Corrupt`] (last guard for
/// decoder bugs on hostile input).
pub(crate) fn guard<T>(
    what: &str,
    f: impl FnOnce() -> Result<T, MediaError>,
) -> Result<T, MediaError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            tracing::warn!(stage = what, panic = %msg, "media: panic caught while processing image");
            Err(MediaError::Corrupt(format!("{what} failed: {msg}")))
        }
    }
}

/// The whole pipeline from one decode:
/// sniff → header limits → decode under `image::Limits` → EXIF → orient →
/// derive display copy and thumbnail.
pub fn process(bytes: &[u8], limits: &Limits) -> Result<Processed, MediaError> {
    let t0 = Instant::now();
    let format = match sniff(bytes) {
        Some(f) => f,
        None => {
            return Err(MediaError::Unsupported {
                what: describe_unsupported(bytes),
            })
        }
    };
    if format == Format::Heic && !cfg!(feature = "heic") {
        return Err(MediaError::HeicUnsupported);
    }
    let (w, h) = guard("header", || header_dimensions(bytes, format))?;
    check_limits(w, h, limits)?;

    let exif = read_exif(bytes, format);
    let t_head = t0.elapsed();

    let decoded = guard("decode", || decode::decode(bytes, format, (w, h), limits))?;
    let t_dec = t0.elapsed();

    // For HEIC libheif has already applied irot/imir; report the equivalent.
    let (orientation, to_apply) = match format {
        Format::Heic => (decoded.applied_orientation, 1),
        _ => {
            let o = exif.orientation.unwrap_or(1);
            (o, o)
        }
    };
    let (sw, sh) = decoded.image.dimensions();
    let (width, height) = if to_apply >= 5 { (sh, sw) } else { (sw, sh) };

    let (display, thumbnail) = guard("derive", || derive::derive(decoded.image, to_apply))?;
    tracing::debug!(
        format = format.as_str(),
        width,
        height,
        orientation,
        header_ms = t_head.as_secs_f64() * 1e3,
        decode_ms = (t_dec - t_head).as_secs_f64() * 1e3,
        derive_ms = (t0.elapsed() - t_dec).as_secs_f64() * 1e3,
        "media: processed"
    );
    Ok(Processed {
        format,
        width,
        height,
        orientation,
        exif,
        display,
        thumbnail,
    })
}

/// Lower-case hex SHA-256 of `bytes` (the evidence fingerprint).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    use std::fmt::Write;
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests;
