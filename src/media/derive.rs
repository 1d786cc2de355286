//! Display copy and thumbnail: fast_image_resize + orientation + jpeg-encoder.

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::RgbImage;
use jpeg_encoder::{ColorType, Encoder};

use super::{Derived, MediaError, DISPLAY_MAX, THUMB_MAX};

pub(crate) const JPEG_QUALITY: u8 = 84;

/// Size that fits `(w, h)` into a `max`-pixel long edge, never upscaling.
pub(crate) fn fit(w: u32, h: u32, max: u32) -> (u32, u32) {
    let long = w.max(h);
    if long <= max {
        return (w, h);
    }
    let scale = |s: u32| -> u32 {
        let v = (u64::from(s) * u64::from(max) + u64::from(long) / 2) / u64::from(long);
        (v as u32).clamp(1, max)
    };
    if w >= h {
        (max, scale(h))
    } else {
        (scale(w), max)
    }
}

fn resize(src: &RgbImage, w: u32, h: u32) -> Result<RgbImage, MediaError> {
    let mut dst = RgbImage::new(w, h);
    let opts = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new()
        .resize(src, &mut dst, &opts)
        .map_err(|e| MediaError::Corrupt(format!("resize failed: {e}")))?;
    Ok(dst)
}

/// Applies EXIF orientation `o` (1..=8) in one pass.
pub(crate) fn orient(src: RgbImage, o: u16) -> RgbImage {
    if !(2..=8).contains(&o) {
        return src;
    }
    let (w, h) = (src.width() as usize, src.height() as usize);
    let (dw, dh) = if o >= 5 { (h, w) } else { (w, h) };
    let s = src.as_raw();
    // Allocated at its final size, so no size check can fail later.
    let mut img = RgbImage::new(dw as u32, dh as u32);
    let out: &mut [u8] = &mut img;
    // For each display pixel (x, y), the stored pixel it shows.
    let map: fn(usize, usize, usize, usize) -> (usize, usize) = match o {
        2 => |x, y, w, _| (w - 1 - x, y),
        3 => |x, y, w, h| (w - 1 - x, h - 1 - y),
        4 => |x, y, _, h| (x, h - 1 - y),
        5 => |x, y, _, _| (y, x),
        6 => |x, y, _, h| (y, h - 1 - x),
        7 => |x, y, w, h| (w - 1 - y, h - 1 - x),
        _ => |x, y, w, _| (w - 1 - y, x),
    };
    for (y, row) in out.chunks_exact_mut(dw * 3).enumerate().take(dh) {
        for (x, px) in row.chunks_exact_mut(3).enumerate() {
            let (sx, sy) = map(x, y, w, h);
            let i = (sy * w + sx) * 3;
            px.copy_from_slice(&s[i..i + 3]);
        }
    }
    img
}

pub(crate) fn encode_jpeg(img: &RgbImage) -> Result<Derived, MediaError> {
    let (w, h) = img.dimensions();
    let (w16, h16) = match (u16::try_from(w), u16::try_from(h)) {
        (Ok(a), Ok(b)) => (a, b),
        _ => {
            return Err(MediaError::Corrupt(format!(
                "derived image too large to encode: {w}x{h}"
            )))
        }
    };
    let mut out = Vec::with_capacity((w as usize * h as usize) / 4 + 1024);
    let mut enc = Encoder::new(&mut out, JPEG_QUALITY);
    // Standard Huffman tables: jpeg-encoder 0.7.1's optimized tables come out
    // mis-decoded by zune-jpeg 0.5 on some images (libjpeg-turbo is fine).
    enc.set_optimized_huffman_tables(false);
    enc.encode(img.as_raw(), w16, h16, ColorType::Rgb)
        .map_err(|e| MediaError::Corrupt(format!("JPEG encoding failed: {e}")))?;
    Ok(Derived {
        jpeg: out,
        width: w,
        height: h,
    })
}

/// Display copy and thumbnail from one decoded image in stored orientation.
/// Resizes first, then orients the (small) result.
pub(crate) fn derive(img: RgbImage, orientation: u16) -> Result<(Derived, Derived), MediaError> {
    let (w, h) = img.dimensions();
    let (rw, rh) = fit(w, h, DISPLAY_MAX);
    let display = if (rw, rh) == (w, h) {
        img
    } else {
        resize(&img, rw, rh)?
    };
    let display = orient(display, orientation);

    let (dw, dh) = display.dimensions();
    let (tw, th) = fit(dw, dh, THUMB_MAX);
    let display_jpeg = encode_jpeg(&display)?;
    let thumb_jpeg = if (tw, th) == (dw, dh) {
        display_jpeg.clone()
    } else {
        encode_jpeg(&resize(&display, tw, th)?)?
    };
    Ok((display_jpeg, thumb_jpeg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_sizes() {
        assert_eq!(fit(4000, 3000, 2048), (2048, 1536));
        assert_eq!(fit(3000, 4000, 2048), (1536, 2048));
        assert_eq!(fit(1800, 1200, 2048), (1800, 1200));
        assert_eq!(fit(2048, 1536, 320), (320, 240));
        assert_eq!(fit(20000, 3, 2048), (2048, 1));
        assert_eq!(fit(1800, 1200, 320), (320, 213));
    }

    #[test]
    fn orientations_map_corners() {
        // 3x2 stored image; pixel value = index.
        let src = RgbImage::from_fn(3, 2, |x, y| image::Rgb([(y * 3 + x) as u8, 0, 0]));
        let px = |img: &RgbImage| img.pixels().map(|p| p[0]).collect::<Vec<_>>();
        assert_eq!(px(&orient(src.clone(), 1)), [0, 1, 2, 3, 4, 5]);
        assert_eq!(px(&orient(src.clone(), 2)), [2, 1, 0, 5, 4, 3]);
        assert_eq!(px(&orient(src.clone(), 3)), [5, 4, 3, 2, 1, 0]);
        assert_eq!(px(&orient(src.clone(), 4)), [3, 4, 5, 0, 1, 2]);
        // 5..8 are 2x3.
        assert_eq!(px(&orient(src.clone(), 5)), [0, 3, 1, 4, 2, 5]);
        assert_eq!(px(&orient(src.clone(), 6)), [3, 0, 4, 1, 5, 2]);
        assert_eq!(px(&orient(src.clone(), 7)), [5, 2, 4, 1, 3, 0]);
        assert_eq!(px(&orient(src.clone(), 8)), [2, 5, 1, 4, 0, 3]);
        assert_eq!(orient(src, 6).dimensions(), (2, 3));
    }
}
