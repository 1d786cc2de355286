//! Cursor pagination: the cursor is the opaque (base64url) id of the last
//! item of the previous page. Ids are UUID v7, so "after this id" is a
//! stable creation-order seek that never skips or repeats an item, even
//! while rows are being inserted.

use crate::error::AppError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;
use uuid::Uuid;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

pub fn encode_cursor(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(id.as_bytes())
}

pub fn decode_cursor(cursor: Option<&str>) -> Result<Option<Uuid>, AppError> {
    let Some(c) = cursor.filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    URL_SAFE_NO_PAD
        .decode(c)
        .ok()
        .and_then(|b| Uuid::from_slice(&b).ok())
        .map(Some)
        .ok_or_else(|| AppError::field("cursor", "无效的分页游标 / invalid cursor"))
}

pub fn limit(requested: Option<i64>) -> Result<i64, AppError> {
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(AppError::field(
            "limit",
            format!("limit 应在1到{MAX_LIMIT}之间 / limit must be 1..{MAX_LIMIT}"),
        )),
    }
}

/// Fetch `limit + 1` rows; this trims the extra one and makes the cursor.
pub fn page_of<R, T>(
    mut rows: Vec<R>,
    limit: i64,
    id_of: impl Fn(&R) -> Uuid,
    view: impl Fn(R) -> T,
) -> Page<T> {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last().map(|r| encode_cursor(id_of(r)))
    } else {
        None
    };
    Page {
        items: rows.into_iter().map(view).collect(),
        next_cursor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip() {
        let id = Uuid::now_v7();
        assert_eq!(decode_cursor(Some(&encode_cursor(id))).unwrap(), Some(id));
        assert!(decode_cursor(Some("not a cursor")).is_err());
        assert_eq!(decode_cursor(None).unwrap(), None);
    }

    #[test]
    fn page_trims_the_probe_row() {
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        let p = page_of(ids.clone(), 2, |u| *u, |u| u);
        assert_eq!(p.items, ids[..2]);
        assert_eq!(p.next_cursor, Some(encode_cursor(ids[1])));
        let p = page_of(ids.clone(), 3, |u| *u, |u| u);
        assert_eq!(p.next_cursor, None);
    }
}

/// Times both backends can store (PostgreSQL refuses far-out years).
pub fn time_in_range(t: chrono::DateTime<chrono::Utc>) -> bool {
    use chrono::Datelike;
    (1970..=9999).contains(&t.year())
}

/// Field error unless `t` is within the storable range.
pub fn check_time(field: &str, t: Option<chrono::DateTime<chrono::Utc>>) -> Result<(), AppError> {
    match t {
        Some(t) if !time_in_range(t) => Err(AppError::field(
            field,
            "时间超出范围（1970–9999年） / time out of range (years 1970–9999)",
        )),
        _ => Ok(()),
    }
}

/// Search text: no control characters (PostgreSQL text cannot hold NUL).
pub fn search_text(q: Option<String>) -> Result<Option<String>, AppError> {
    let q = q.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    if q.as_deref()
        .is_some_and(|s| s.chars().any(char::is_control) || s.chars().count() > 200)
    {
        return Err(AppError::field(
            "q",
            "搜索内容不能含控制字符且不超过200字 / q must be plain text up to 200 characters",
        ));
    }
    Ok(q)
}

/// Cursor for newest-first lists: the (time, id) of the last row shown.
pub fn encode_seek(t: chrono::NaiveDateTime, id: Uuid) -> String {
    let mut b = t.and_utc().timestamp_micros().to_be_bytes().to_vec();
    b.extend_from_slice(id.as_bytes());
    URL_SAFE_NO_PAD.encode(b)
}

pub fn decode_seek(
    cursor: Option<&str>,
) -> Result<Option<(chrono::NaiveDateTime, Uuid)>, AppError> {
    let Some(c) = cursor.filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let bad = || AppError::field("cursor", "无效的分页游标 / invalid cursor");
    let b = URL_SAFE_NO_PAD.decode(c).map_err(|_| bad())?;
    if b.len() != 24 {
        return Err(bad());
    }
    let micros = i64::from_be_bytes(b[..8].try_into().expect("8 bytes"));
    let t = chrono::DateTime::from_timestamp_micros(micros)
        .ok_or_else(bad)?
        .naive_utc();
    let id = Uuid::from_slice(&b[8..]).map_err(|_| bad())?;
    Ok(Some((t, id)))
}

/// `page_of` for newest-first lists keyed by (time, id).
pub fn seek_page<R, T>(
    mut rows: Vec<R>,
    limit: i64,
    key: impl Fn(&R) -> (chrono::NaiveDateTime, Uuid),
    view: impl Fn(R) -> Result<T, AppError>,
) -> Result<Page<T>, AppError> {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last().map(|r| {
            let (t, id) = key(r);
            encode_seek(t, id)
        })
    } else {
        None
    };
    Ok(Page {
        items: rows.into_iter().map(view).collect::<Result<_, _>>()?,
        next_cursor,
    })
}

#[cfg(test)]
mod seek_tests {
    use super::*;

    #[test]
    fn seek_round_trip() {
        let t = crate::domain::time::now().naive_utc();
        let id = Uuid::new_v4();
        assert_eq!(
            decode_seek(Some(&encode_seek(t, id))).unwrap(),
            Some((t, id))
        );
        assert!(decode_seek(Some("AAAA")).is_err());
    }
}
