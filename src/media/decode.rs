//! One decode under limits, to RGB8 (alpha composited onto white).

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, RgbImage};

use super::header::{jpeg_has_eoi, jpeg_header};
use super::{check_limits, Format, Limits, MediaError};

pub(crate) struct Decoded {
    /// Pixels in stored orientation (for HEIC: already transformed by libheif).
    pub image: RgbImage,
    /// Orientation applied during decoding (HEIC irot/imir), else 1.
    pub applied_orientation: u16,
}

/// Decodes `bytes` (already sniffed and header-checked as `header`).
pub(crate) fn decode(
    bytes: &[u8],
    format: Format,
    header: (u32, u32),
    limits: &Limits,
) -> Result<Decoded, MediaError> {
    let image_format = match format {
        Format::Jpeg => {
            let h = jpeg_header(bytes)?;
            if !h.scan_start.is_some_and(|s| jpeg_has_eoi(bytes, s)) {
                // zune-jpeg fills missing data with grey instead of failing.
                return Err(MediaError::Corrupt(
                    "truncated JPEG (no end-of-image marker)".into(),
                ));
            }
            return decode_jpeg(bytes, header, limits);
        }
        Format::Png => ImageFormat::Png,
        Format::Webp => ImageFormat::WebP,
        Format::Heic => return decode_heic(bytes, header, limits),
    };

    let mut il = image::Limits::default();
    il.max_image_width = Some(limits.max_side);
    il.max_image_height = Some(limits.max_side);
    il.max_alloc = Some(limits.max_alloc_bytes);

    let mut reader = ImageReader::with_format(Cursor::new(bytes), image_format);
    reader.limits(il.clone());
    let map = |e: ImageError| map_image_error(e, header);
    let mut decoder = reader.into_decoder().map_err(map)?;
    let dims = decoder.dimensions();
    if dims != header {
        return Err(MediaError::Corrupt(format!(
            "header says {}x{} but decoder sees {}x{}",
            header.0, header.1, dims.0, dims.1
        )));
    }
    check_limits(dims.0, dims.1, limits)?;
    // As `ImageReader::decode` does: the output buffer counts against
    // max_alloc, and the decoder gets what is left.
    il.reserve(decoder.total_bytes()).map_err(map)?;
    decoder.set_limits(il).map_err(map)?;
    let img = DynamicImage::from_decoder(decoder).map_err(map)?;
    Ok(Decoded {
        image: to_rgb8(img),
        applied_orientation: 1,
    })
}

/// JPEG through zune-jpeg in strict mode: `image` runs it lenient, which
/// turns a corrupt entropy-coded segment into a grey (or smeared) picture
/// with only a log line; evidence must be refused instead.
fn decode_jpeg(bytes: &[u8], header: (u32, u32), limits: &Limits) -> Result<Decoded, MediaError> {
    use zune_core::bytestream::ZCursor;
    use zune_core::colorspace::ColorSpace;
    use zune_core::options::DecoderOptions;

    let corrupt = |e: zune_jpeg::errors::DecodeErrors| MediaError::Corrupt(format!("JPEG: {e}"));
    // Headers lenient (cameras write odd but harmless bytes between
    // segments), the entropy-coded data strict.
    let options = DecoderOptions::default()
        .set_strict_mode(false)
        .set_max_width(limits.max_side as usize)
        .set_max_height(limits.max_side as usize)
        .jpeg_set_out_colorspace(ColorSpace::RGB);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    decoder.decode_headers().map_err(corrupt)?;
    decoder.set_options(options.set_strict_mode(true));
    let dims = decoder
        .dimensions()
        .map(|(w, h)| (w as u32, h as u32))
        .ok_or_else(|| MediaError::Corrupt("JPEG: no frame header".into()))?;
    if dims != header {
        return Err(MediaError::Corrupt(format!(
            "header says {}x{} but decoder sees {}x{}",
            header.0, header.1, dims.0, dims.1
        )));
    }
    check_limits(dims.0, dims.1, limits)?;
    let size = decoder
        .output_buffer_size()
        .filter(|&n| n as u64 <= limits.max_alloc_bytes)
        .ok_or(MediaError::TooManyPixels {
            width: dims.0,
            height: dims.1,
        })?;
    let mut pixels = vec![0u8; size];
    decoder.decode_into(&mut pixels).map_err(corrupt)?;
    let image = RgbImage::from_raw(dims.0, dims.1, pixels)
        .ok_or_else(|| MediaError::Corrupt("JPEG: decoded size mismatch".into()))?;
    Ok(Decoded {
        image,
        applied_orientation: 1,
    })
}

fn map_image_error(e: ImageError, (width, height): (u32, u32)) -> MediaError {
    match e {
        ImageError::Limits(_) => MediaError::TooManyPixels { width, height },
        other => MediaError::Corrupt(other.to_string()),
    }
}

#[inline]
fn over_white(c: u8, a: u8) -> u8 {
    let (c, a) = (u32::from(c), u32::from(a));
    ((c * a + 255 * (255 - a) + 127) / 255) as u8
}

#[inline]
fn to8(v: u16) -> u8 {
    ((u32::from(v) * 255 + 32895) >> 16) as u8
}

/// Converts any decoded image to RGB8; alpha is composited onto white,
/// 16-bit and grey images are converted.
pub(crate) fn to_rgb8(img: DynamicImage) -> RgbImage {
    let (w, h) = (img.width(), img.height());
    match img {
        DynamicImage::ImageRgb8(i) => i,
        DynamicImage::ImageRgba8(i) => composite(
            w,
            h,
            i.as_raw().chunks_exact(4).map(|p| [p[0], p[1], p[2], p[3]]),
        ),
        DynamicImage::ImageLumaA8(i) => composite(
            w,
            h,
            i.as_raw().chunks_exact(2).map(|p| [p[0], p[0], p[0], p[1]]),
        ),
        DynamicImage::ImageRgba16(i) => composite(
            w,
            h,
            i.as_raw()
                .chunks_exact(4)
                .map(|p| [to8(p[0]), to8(p[1]), to8(p[2]), to8(p[3])]),
        ),
        DynamicImage::ImageLumaA16(i) => composite(
            w,
            h,
            i.as_raw().chunks_exact(2).map(|p| {
                let l = to8(p[0]);
                [l, l, l, to8(p[1])]
            }),
        ),
        other if other.color().has_alpha() => {
            let rgba = other.to_rgba8();
            drop(other);
            composite(
                w,
                h,
                rgba.as_raw()
                    .chunks_exact(4)
                    .map(|p| [p[0], p[1], p[2], p[3]]),
            )
        }
        other => other.to_rgb8(),
    }
}

fn composite(w: u32, h: u32, px: impl Iterator<Item = [u8; 4]>) -> RgbImage {
    let mut out = RgbImage::new(w, h);
    for (dst, [r, g, b, a]) in out.pixels_mut().zip(px) {
        *dst = image::Rgb([over_white(r, a), over_white(g, a), over_white(b, a)]);
    }
    out
}

#[cfg(feature = "heic")]
fn decode_heic(bytes: &[u8], header: (u32, u32), limits: &Limits) -> Result<Decoded, MediaError> {
    use libheif_rs::{ColorSpace, HeifContext, LibHeif, RgbChroma};
    use std::sync::OnceLock;

    static LIB: OnceLock<LibHeif> = OnceLock::new();
    let lib = LIB.get_or_init(LibHeif::new);
    let hh = super::header::heif_header(bytes)?;
    let err = |e: libheif_rs::HeifError| MediaError::Corrupt(format!("HEIF: {e}"));

    let ctx = HeifContext::read_from_bytes(bytes).map_err(err)?;
    let handle = ctx.primary_image_handle().map_err(err)?;
    let (w, h) = (handle.width(), handle.height());
    check_limits(w, h, limits)?;
    let swapped = (header.1, header.0);
    if (w, h) != header && (w, h) != swapped {
        // A clap (crop) box can shrink the image; never let it grow.
        if u64::from(w) * u64::from(h) > u64::from(header.0) * u64::from(header.1) {
            return Err(MediaError::Corrupt(format!(
                "HEIF handle {w}x{h} exceeds ispe {}x{}",
                header.0, header.1
            )));
        }
    }
    // libheif-rs 0.20 frees DecodingOptions before use: only pass None.
    let img = lib
        .decode(&handle, ColorSpace::Rgb(RgbChroma::Rgb), None)
        .map_err(err)?;
    let planes = img.planes();
    let plane = planes
        .interleaved
        .ok_or_else(|| MediaError::Corrupt("HEIF: no interleaved RGB plane".into()))?;
    let (pw, ph) = (plane.width, plane.height);
    check_limits(pw, ph, limits)?;
    if plane.storage_bits_per_pixel != 24 {
        return Err(MediaError::Corrupt(format!(
            "HEIF: unexpected {} bits per pixel",
            plane.storage_bits_per_pixel
        )));
    }
    let row = pw as usize * 3;
    if plane.stride < row || plane.data.len() < plane.stride * (ph as usize - 1) + row {
        return Err(MediaError::Corrupt(
            "HEIF: plane smaller than its size".into(),
        ));
    }
    let mut out = Vec::with_capacity(row * ph as usize);
    for y in 0..ph as usize {
        out.extend_from_slice(&plane.data[y * plane.stride..y * plane.stride + row]);
    }
    let image = RgbImage::from_raw(pw, ph, out)
        .ok_or_else(|| MediaError::Corrupt("HEIF: bad plane".into()))?;
    Ok(Decoded {
        image,
        applied_orientation: hh.transform.to_exif(),
    })
}

#[cfg(not(feature = "heic"))]
fn decode_heic(_: &[u8], _: (u32, u32), _: &Limits) -> Result<Decoded, MediaError> {
    Err(MediaError::HeicUnsupported)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{GrayAlphaImage, ImageBuffer, LumaA, Rgba, RgbaImage};

    #[test]
    fn alpha_composites_onto_white() {
        let mut i = RgbaImage::new(2, 1);
        i.put_pixel(0, 0, Rgba([0, 0, 0, 0]));
        i.put_pixel(1, 0, Rgba([10, 20, 30, 255]));
        let out = to_rgb8(DynamicImage::ImageRgba8(i));
        assert_eq!(out.as_raw(), &[255, 255, 255, 10, 20, 30]);

        let g = GrayAlphaImage::from_raw(1, 1, vec![0, 128]).unwrap();
        let out = to_rgb8(DynamicImage::ImageLumaA8(g));
        assert_eq!(out.as_raw(), &[127, 127, 127]);

        let g16: ImageBuffer<LumaA<u16>, Vec<u16>> =
            ImageBuffer::from_raw(1, 1, vec![65535, 0]).unwrap();
        assert_eq!(
            to_rgb8(DynamicImage::ImageLumaA16(g16)).as_raw(),
            &[255, 255, 255]
        );
        let r16: ImageBuffer<Rgba<u16>, Vec<u16>> =
            ImageBuffer::from_raw(1, 1, vec![65535, 0, 32768, 65535]).unwrap();
        assert_eq!(
            to_rgb8(DynamicImage::ImageRgba16(r16)).as_raw(),
            &[255, 0, 128]
        );
    }
}
