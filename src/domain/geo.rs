//! Distances on the WGS-84 sphere, for photo plausibility checks.

/// Great-circle distance in metres (haversine, mean Earth radius).
pub fn distance_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    const R: f64 = 6_371_008.8;
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * R * a.sqrt().asin()
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_distances() {
        // Qianjiang to Chongqing city centre: about 250 km.
        let d = super::distance_m(29.533, 108.771, 29.563, 106.551);
        assert!((210_000.0..230_000.0).contains(&d), "{d}");
        assert!(super::distance_m(29.5, 108.7, 29.5, 108.7) < 1e-6);
        // One thousandth of a degree of latitude is ~111 m.
        let d = super::distance_m(29.0, 108.0, 29.001, 108.0);
        assert!((110.0..112.5).contains(&d), "{d}");
    }
}
