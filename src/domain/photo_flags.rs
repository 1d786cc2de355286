//! Plausibility of photo evidence: never a rejection, always a flag the
//! verifier sees next to the photo.

use super::geo::distance_m;
use chrono::{DateTime, Duration, Utc};

pub struct Evidence {
    pub now: DateTime<Utc>,
    pub exif_time: Option<DateTime<Utc>>,
    pub exif_gps: Option<(f64, f64)>,
    pub client_time: Option<DateTime<Utc>>,
    pub client_gps: Option<(f64, f64)>,
    pub enterprise_gps: Option<(f64, f64)>,
}

pub struct Thresholds {
    pub max_age: Duration,
    pub max_distance_m: f64,
    /// Clock skew tolerated between EXIF and the phone's own report.
    pub time_tolerance: Duration,
    /// GPS disagreement tolerated between EXIF and the phone's report.
    pub gps_tolerance_m: f64,
}

pub fn flags(e: &Evidence, t: &Thresholds) -> Vec<&'static str> {
    let mut f = Vec::new();
    match e.exif_time {
        None => f.push("exif_time_missing"),
        Some(at) => {
            if at > e.now + Duration::minutes(10) {
                f.push("exif_time_in_future");
            } else if at < e.now - t.max_age {
                f.push("exif_time_too_old");
            }
            if let Some(c) = e.client_time {
                if (c - at).abs() > t.time_tolerance {
                    f.push("client_time_mismatch");
                }
            }
        }
    }
    match e.exif_gps {
        None => f.push("exif_gps_missing"),
        Some((lat, lon)) => {
            if let Some((elat, elon)) = e.enterprise_gps {
                if distance_m(lat, lon, elat, elon) > t.max_distance_m {
                    f.push("gps_far_from_enterprise");
                }
            }
            if let Some((clat, clon)) = e.client_gps {
                if distance_m(lat, lon, clat, clon) > t.gps_tolerance_m {
                    f.push("client_location_mismatch");
                }
            }
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn th() -> Thresholds {
        Thresholds {
            max_age: Duration::days(30),
            max_distance_m: 1000.0,
            time_tolerance: Duration::minutes(10),
            gps_tolerance_m: 500.0,
        }
    }

    #[test]
    fn plausible_photo_has_no_flags() {
        let now = Utc::now();
        let e = Evidence {
            now,
            exif_time: Some(now - Duration::hours(1)),
            exif_gps: Some((29.533, 108.771)),
            client_time: Some(now - Duration::hours(1) + Duration::minutes(2)),
            client_gps: Some((29.5331, 108.7712)),
            enterprise_gps: Some((29.534, 108.772)),
        };
        assert!(flags(&e, &th()).is_empty());
    }

    #[test]
    fn each_doubt_is_flagged() {
        let now = Utc::now();
        let e = Evidence {
            now,
            exif_time: Some(now - Duration::days(400)),
            exif_gps: Some((51.48, -3.18)),
            client_time: Some(now),
            client_gps: Some((29.53, 108.77)),
            enterprise_gps: Some((29.53, 108.77)),
        };
        assert_eq!(
            flags(&e, &th()),
            [
                "exif_time_too_old",
                "client_time_mismatch",
                "gps_far_from_enterprise",
                "client_location_mismatch"
            ]
        );
        let e = Evidence {
            now,
            exif_time: Some(now + Duration::days(2)),
            exif_gps: None,
            client_time: None,
            client_gps: None,
            enterprise_gps: None,
        };
        assert_eq!(
            flags(&e, &th()),
            ["exif_time_in_future", "exif_gps_missing"]
        );
    }
}
