//! The change feed `GET /api/v1/sync`: scope, `gone` when a third party
//! loses an enterprise, cursor rules, and no skipped change under
//! concurrent writers (on PostgreSQL a later transaction can commit a
//! smaller sequence number).

use crate::helpers::*;
use diesel::connection::SimpleConnection;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};
use uuid::Uuid;

async fn sync_page(app: &TestApp, token: &str, cursor: Option<&str>, limit: u32) -> Value {
    let mut path = format!("/api/v1/sync?limit={limit}");
    if let Some(c) = cursor {
        path.push_str(&format!("&cursor={c}"));
    }
    let r = app.get(&path, token).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

/// Follows the feed from `cursor` until `until` holds for what was seen
/// and the feed has nothing more. A change shows once every transaction
/// that began before it has ended (on PostgreSQL other tests' transactions
/// count too), so a reader polls; a test that checks an absence first
/// waits for a marker written after it.
async fn follow_until(
    app: &TestApp,
    token: &str,
    mut cursor: Option<String>,
    limit: u32,
    until: impl Fn(&[Value]) -> bool,
) -> (Vec<Value>, String) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    loop {
        let page = sync_page(app, token, cursor.as_deref(), limit).await;
        let changes = page["changes"].as_array().unwrap();
        assert!(changes.len() <= limit as usize);
        seen.extend(changes.iter().cloned());
        cursor = Some(page["next_cursor"].as_str().unwrap().to_string());
        if !page["has_more"].as_bool().unwrap() {
            if until(&seen) {
                return (seen, cursor.unwrap());
            }
            assert!(Instant::now() < deadline, "never came: {seen:?}");
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Follows until the record `id` has arrived (as any op).
async fn follow_to(
    app: &TestApp,
    token: &str,
    cursor: Option<String>,
    limit: u32,
    id: &str,
) -> (Vec<Value>, String) {
    follow_until(app, token, cursor, limit, |seen| {
        seen.iter().any(|c| c["id"] == id)
    })
    .await
}

fn ids_of(changes: &[Value], kind: &str, op: &str) -> HashSet<String> {
    changes
        .iter()
        .filter(|c| c["type"] == kind && c["op"] == op)
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

async fn finding(app: &TestApp, token: &str, enterprise: &str, photos: &[&str]) -> String {
    let id = Uuid::new_v4().to_string();
    let body = json!({"enterprise_id": enterprise, "category": "safety", "level": "general",
                      "description": "液氨储罐区围堰排水阀常开", "lat": 29.53, "lon": 108.77, "photo_ids": photos});
    let r = app
        .put(&format!("/api/v1/findings/{id}"), token, &body)
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    id
}

fn deadline() -> String {
    (anhuan::domain::time::park_today(chrono::Utc::now()) + chrono::Duration::days(10)).to_string()
}

#[actix_web::test]
async fn the_feed_carries_everything_in_scope_and_nothing_else() {
    let app = TestApp::spawn().await;
    let e = app.create_enterprise("黔江化工有限公司").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let f = app.create_enterprise("黔江建材有限公司").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, insp) = app.user("inspector", None, &[]).await;
    let (_, officer) = app.user("safety_officer", None, &[]).await;
    let (_, ent_e) = app.user("enterprise", Some(&e), &[]).await;
    let (_, ent_f) = app.user("enterprise", Some(&f), &[]).await;
    let photo = app.photo(&insp).await;
    let ff = finding(&app, &insp, &f, &[]).await;
    let fe = finding(&app, &insp, &e, &[&photo]).await;
    let r = app
        .post(
            "/api/v1/rectification-orders",
            &officer,
            json!({"enterprise_id": e, "finding_ids": [fe], "requirements": "关闭排水阀并挂牌管理", "deadline": deadline()}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let order: Value = r.json().await.unwrap();
    let oid = order["id"].as_str().unwrap().to_string();

    // The enterprise pages through its whole scope, three at a time, up
    // to the order (the last write).
    let (seen, cursor) = follow_to(&app, &ent_e, None, 3, &oid).await;
    assert_eq!(
        ids_of(&seen, "enterprise", "upsert"),
        HashSet::from([e.clone()])
    );
    assert_eq!(
        ids_of(&seen, "finding", "upsert"),
        HashSet::from([fe.clone()])
    );
    assert_eq!(
        ids_of(&seen, "order", "upsert"),
        HashSet::from([oid.clone()])
    );
    assert_eq!(
        ids_of(&seen, "photo", "upsert"),
        HashSet::from([photo.clone()])
    );
    assert!(
        ids_of(&seen, "checklist", "upsert").len() >= 3,
        "checklist versions"
    );
    let text = serde_json::to_string(&seen).unwrap();
    assert!(
        !text.contains(&f) && !text.contains(&ff),
        "nothing of another enterprise"
    );
    let rec = seen.iter().rev().find(|c| c["type"] == "order").unwrap();
    assert_eq!(rec["record"]["status"], "issued");
    assert_eq!(rec["record"]["number"], order["number"]);
    let issued = seen
        .iter()
        .find(|c| c["type"] == "order_event")
        .expect("the issue event");
    assert_eq!(issued["record"]["order_id"], oid.as_str());
    assert_eq!(issued["record"]["action"], "issue");

    // Another enterprise's finding changes, then this one signs for its order.
    finding(&app, &insp, &f, &[]).await;
    let r = app
        .post(
            &format!("/api/v1/rectification-orders/{oid}/acknowledge"),
            &ent_e,
            json!({"comment": "已签收", "responsible_person": {"name": "王工", "phone": "13800000000"}}),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let (seen, cursor) = follow_until(&app, &ent_e, Some(cursor), 50, |seen| {
        seen.iter()
            .any(|c| c["type"] == "order_event" && c["record"]["action"] == "acknowledge")
    })
    .await;
    let o = seen
        .iter()
        .rev()
        .find(|c| c["type"] == "order")
        .expect("the order changed");
    assert_eq!(o["record"]["status"], "rectifying");
    let ev = seen.iter().find(|c| c["type"] == "order_event").unwrap();
    assert_eq!(ev["record"]["order_id"], oid.as_str());
    let text = serde_json::to_string(&seen).unwrap();
    assert!(
        !text.contains(&f),
        "nothing of the other enterprise: {text}"
    );

    // Park staff see both enterprises; the other enterprise sees its own.
    let (seen, _) = follow_until(&app, &insp, None, 200, |seen| {
        let fs = ids_of(seen, "finding", "upsert");
        fs.contains(&fe) && fs.contains(&ff)
    })
    .await;
    assert!(ids_of(&seen, "photo", "upsert").contains(&photo));
    let (seen, _) = follow_until(&app, &ent_f, None, 200, |seen| {
        ids_of(seen, "finding", "upsert").len() == 2
    })
    .await;
    assert!(ids_of(&seen, "finding", "upsert").contains(&ff));
    let text = serde_json::to_string(&seen).unwrap();
    assert!(
        !text.contains(&e) && !text.contains(&photo) && !text.contains(&oid),
        "{text}"
    );

    // A cursor is bound to its user's scope; a broken one is refused.
    let r = app
        .get(&format!("/api/v1/sync?cursor={cursor}"), &ent_f)
        .await;
    assert_problem(r, 410, "sync_cursor_stale").await;
    for bad in ["cursor=AAAA", "cursor=%21%21", "limit=0", "limit=1001"] {
        let r = app.get(&format!("/api/v1/sync?{bad}"), &ent_e).await;
        assert_problem(r, 422, "validation_failed").await;
    }
    let r = app.get("/api/v1/sync?since=1", &ent_e).await;
    assert_problem(r, 400, "invalid_query").await;
    let r = app
        .client
        .get(app.url("/api/v1/sync"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[actix_web::test]
async fn a_photo_is_its_uploaders_until_it_is_attached() {
    let app = TestApp::spawn().await;
    let e = app.create_enterprise("黔江电镀有限公司").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, insp) = app.user("inspector", None, &[]).await;
    let (_, other) = app.user("inspector", None, &[]).await;
    let (_, ent_e) = app.user("enterprise", Some(&e), &[]).await;
    let photo = app.photo(&insp).await;
    let marker = finding(&app, &insp, &e, &[]).await;
    let (mine, _) = follow_to(&app, &insp, None, 100, &marker).await;
    assert!(ids_of(&mine, "photo", "upsert").contains(&photo));
    let mut cursors = Vec::new();
    for token in [&other, &ent_e] {
        let (seen, cursor) = follow_to(&app, token, None, 100, &marker).await;
        assert!(!ids_of(&seen, "photo", "upsert").contains(&photo));
        cursors.push(cursor);
    }
    finding(&app, &insp, &e, &[&photo]).await;
    for (token, cursor) in [&other, &ent_e].into_iter().zip(cursors) {
        let (seen, _) = follow_to(&app, token, Some(cursor), 100, &photo).await;
        let p = seen.iter().find(|c| c["type"] == "photo").unwrap();
        assert_eq!(p["record"]["id"], photo.as_str());
    }
}

#[actix_web::test]
async fn a_third_party_unassigned_gets_gone_for_the_enterprises_records() {
    let app = TestApp::spawn().await;
    let e = app.create_enterprise("黔江锰业有限公司").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let f = app.create_enterprise("黔江硅业有限公司").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, insp) = app.user("inspector", None, &[]).await;
    let (agency, agency_tok) = app.user("third_party", None, &[&e, &f]).await;
    let (_, colleague) = app.user("third_party", None, &[&e]).await;
    let agency_id = agency["id"].as_str().unwrap().to_string();
    let photo = app.photo(&insp).await;
    let fe = finding(&app, &insp, &e, &[&photo]).await;
    let ff = finding(&app, &insp, &f, &[]).await;
    let own = app.photo(&agency_tok).await;
    let fe_own = finding(&app, &agency_tok, &e, &[&own]).await;

    let (seen, cursor) = follow_to(&app, &agency_tok, None, 4, &fe_own).await;
    assert_eq!(
        ids_of(&seen, "enterprise", "upsert"),
        HashSet::from([e.clone(), f.clone()])
    );
    assert_eq!(
        ids_of(&seen, "finding", "upsert"),
        HashSet::from([fe.clone(), ff.clone(), fe_own.clone()])
    );
    let (_, colleague_cursor) = follow_to(&app, &colleague, None, 100, &fe_own).await;

    // The agency loses E; the same token now reads the smaller scope.
    let r = app
        .patch(
            &format!("/api/v1/users/{agency_id}"),
            &app.admin,
            json!({"assigned_enterprise_ids": [f]}),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let (seen, cursor) = follow_until(&app, &agency_tok, Some(cursor), 2, |seen| {
        !ids_of(seen, "enterprise", "gone").is_empty()
    })
    .await;
    assert_eq!(
        ids_of(&seen, "enterprise", "gone"),
        HashSet::from([e.clone()])
    );
    assert_eq!(
        ids_of(&seen, "finding", "gone"),
        HashSet::from([fe.clone(), fe_own.clone()])
    );
    assert_eq!(
        ids_of(&seen, "photo", "gone"),
        HashSet::from([photo.clone()]),
        "its own photo stays"
    );
    assert!(
        seen.iter()
            .all(|c| c["op"] == "gone" && c.get("record").is_none()),
        "{seen:?}"
    );
    let text = serde_json::to_string(&seen).unwrap();
    assert!(
        !text.contains(&f) && !text.contains(&ff),
        "F is still the agency's: {text}"
    );
    let r = app
        .get(&format!("/api/v1/findings/{fe}"), &agency_tok)
        .await;
    assert_eq!(r.status(), 404);

    // E's later changes do not reach it (F's, written after, do); the
    // colleague, still assigned to E, gets them and no gone of its own.
    let fe2 = finding(&app, &insp, &e, &[]).await;
    let ff2 = finding(&app, &insp, &f, &[]).await;
    let (seen, cursor) = follow_to(&app, &agency_tok, Some(cursor), 50, &ff2).await;
    assert!(
        !serde_json::to_string(&seen).unwrap().contains(&fe2),
        "{seen:?}"
    );
    let (seen, _) = follow_to(&app, &colleague, Some(colleague_cursor), 50, &fe2).await;
    assert_eq!(
        ids_of(&seen, "finding", "upsert"),
        HashSet::from([fe2.clone()])
    );
    assert!(seen.iter().all(|c| c["op"] == "upsert"), "{seen:?}");

    // Given E back, the agency gets E and its records again.
    let r = app
        .patch(
            &format!("/api/v1/users/{agency_id}"),
            &app.admin,
            json!({"assigned_enterprise_ids": [e, f]}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let (seen, _) = follow_to(&app, &agency_tok, Some(cursor), 50, &e).await;
    assert_eq!(
        ids_of(&seen, "enterprise", "upsert"),
        HashSet::from([e.clone()])
    );
    assert_eq!(
        ids_of(&seen, "finding", "upsert"),
        HashSet::from([fe.clone(), fe_own.clone(), fe2.clone()])
    );
    assert!(ids_of(&seen, "photo", "upsert").contains(&photo));
    assert!(
        !serde_json::to_string(&seen).unwrap().contains(&ff),
        "F did not change"
    );
}

/// The columns of `findings`, for copying one row in SQL.
const FINDING_COLUMNS: &str = "enterprise_id, department, source, category, level, status, location_text, lat, lon, \
     photo_ids, inspection_id, item_code, template_id, regulatory_basis, major_criterion, reported_by, \
     previous_finding_id, created_at, updated_at, revision";

/// What a writer leaves behind: (id, final name or description).
type Written = Vec<(String, String)>;

/// One writer on its own connection: each transaction adds a record and
/// changes it, holding the transaction open for a while in between, so on
/// PostgreSQL transactions that began later often commit first. Even
/// rounds add an enterprise, odd rounds a finding of `e`.
fn writer(
    db: anhuan::db::Db,
    w: usize,
    rounds: usize,
    template_e: String,
    template_f: String,
    pg: bool,
) -> (Written, Written) {
    let (mut enterprises, mut findings) = (Vec::new(), Vec::new());
    for i in 0..rounds {
        let id = Uuid::now_v7().to_string();
        let hold = Duration::from_millis(((w * 7 + i * 13) % 25) as u64);
        let (insert, update, done) = if i % 2 == 0 {
            let name = format!("w{w}-{i}-v1");
            (
                format!(
                    "INSERT INTO enterprises (id, name, credit_code, industry, address, lat, lon, contacts, created_at, updated_at, industries) \
                     SELECT '{id}', 'w{w}-{i}-v0', '{}', industry, address, lat, lon, contacts, created_at, updated_at, industries \
                     FROM enterprises WHERE id = '{template_e}'",
                    credit_code()
                ),
                format!("UPDATE enterprises SET name = '{name}' WHERE id = '{id}'"),
                (&mut enterprises, name),
            )
        } else {
            let text = format!("w{w}-{i}-v1");
            (
                format!(
                    "INSERT INTO findings (id, description, {FINDING_COLUMNS}) \
                     SELECT '{id}', 'w{w}-{i}-v0', {FINDING_COLUMNS} FROM findings WHERE id = '{template_f}'"
                ),
                format!("UPDATE findings SET description = '{text}' WHERE id = '{id}'"),
                (&mut findings, text),
            )
        };
        db.run_blocking(|c| {
            c.write_tx(|c| {
                c.batch_execute(&insert)?;
                if pg {
                    c.batch_execute(&format!("SELECT pg_sleep({})", hold.as_secs_f64()))?;
                } else {
                    std::thread::sleep(hold);
                }
                c.batch_execute(&update)
            })
            .map_err(anhuan::db::DbError::from)
        })
        .expect("write");
        done.0.push((id, done.1));
    }
    (enterprises, findings)
}

/// A reader following the feed: the latest name (or description) of each
/// record it has seen, and the ids it has seen by type.
struct Follower {
    token: String,
    cursor: Option<String>,
    latest: HashMap<String, String>,
    types: HashMap<String, HashSet<String>>,
    caught_up: bool,
}

impl Follower {
    fn new(token: &str) -> Follower {
        Follower {
            token: token.to_string(),
            cursor: None,
            latest: HashMap::new(),
            types: HashMap::new(),
            caught_up: false,
        }
    }

    async fn step(&mut self, app: &TestApp) {
        let page = sync_page(app, &self.token, self.cursor.as_deref(), 7).await;
        for c in page["changes"].as_array().unwrap() {
            assert_eq!(c["op"], "upsert", "{c}");
            let (kind, id) = (c["type"].as_str().unwrap(), c["id"].as_str().unwrap());
            self.types.entry(kind.into()).or_default().insert(id.into());
            let text = match kind {
                "enterprise" => &c["record"]["name"],
                "finding" => &c["record"]["description"],
                _ => continue,
            };
            self.latest.insert(id.into(), text.as_str().unwrap().into());
        }
        self.cursor = Some(page["next_cursor"].as_str().unwrap().to_string());
        self.caught_up = page["has_more"] == false;
    }

    fn has_all(&self, written: &Written) -> bool {
        written
            .iter()
            .all(|(id, text)| self.latest.get(id) == Some(text))
    }

    fn missing<'a>(&self, written: &'a Written) -> Vec<&'a (String, String)> {
        written
            .iter()
            .filter(|(id, text)| self.latest.get(id) != Some(text))
            .collect()
    }
}

/// Two readers follow the feed with small pages while six writers write:
/// the park (sees everything) and the enterprise the findings belong to
/// (never sees the new enterprises, so its cursor moves past rows that are
/// not its own). At the end each has every record it may see, in its
/// final state, and nothing else; the park's copy equals the database.
/// Without the transaction horizon this fails on PostgreSQL.
#[actix_web::test]
async fn the_feed_never_skips_a_change_under_concurrent_writers() {
    const WRITERS: usize = 6;
    const ROUNDS: usize = 12;
    let app = TestApp::spawn().await;
    let e = app.create_enterprise("模板企业").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, insp) = app.user("inspector", None, &[]).await;
    let (_, ent_e) = app.user("enterprise", Some(&e), &[]).await;
    let template_f = finding(&app, &insp, &e, &[]).await;
    let pg = backend_url().is_some();
    let handles: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (db, e, f) = (app.db(), e.clone(), template_f.clone());
            std::thread::spawn(move || writer(db, w, ROUNDS, e, f, pg))
        })
        .collect();

    let mut park = Follower::new(&app.admin);
    let mut enterprise = Follower::new(&ent_e);
    let mut handles = Some(handles);
    let mut written: Option<(Written, Written)> = None;
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        park.step(&app).await;
        enterprise.step(&app).await;
        if handles
            .as_ref()
            .is_some_and(|hs| hs.iter().all(|h| h.is_finished()))
        {
            let (mut es, mut fs) = (Vec::new(), Vec::new());
            for h in handles.take().unwrap() {
                let (a, b) = h.join().unwrap();
                es.extend(a);
                fs.extend(b);
            }
            written = Some((es, fs));
        }
        if let Some((es, fs)) = &written {
            if park.caught_up
                && enterprise.caught_up
                && park.has_all(es)
                && park.has_all(fs)
                && enterprise.has_all(fs)
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the park misses {:?} {:?}; the enterprise misses {:?}",
                park.missing(es),
                park.missing(fs),
                enterprise.missing(fs)
            );
        }
        if park.caught_up && enterprise.caught_up {
            actix_web::rt::time::sleep(Duration::from_millis(5)).await;
        }
    }
    let (es, fs) = written.unwrap();
    assert_eq!(
        (es.len(), fs.len()),
        (WRITERS * ROUNDS / 2, WRITERS * ROUNDS / 2)
    );
    assert_eq!(
        enterprise.types["enterprise"],
        HashSet::from([e.clone()]),
        "the enterprise saw only itself"
    );
    assert_eq!(enterprise.types["finding"].len(), fs.len() + 1);

    // The park's copy against the database at the end.
    let stored: Vec<(String, String)> = app
        .db()
        .run_blocking(|c| {
            use anhuan::db::schema::{enterprises as en, findings as fi};
            use diesel::prelude::*;
            let load = |c: &mut anhuan::db::DbConn| -> diesel::QueryResult<Vec<(anhuan::db::DbUuid, String)>> {
                let mut rows = en::table.select((en::id, en::name)).load(c)?;
                rows.extend(fi::table.select((fi::id, fi::description)).load(c)?);
                Ok(rows)
            };
            load(c)
                .map(|rows| rows.into_iter().map(|(id, n)| (id.0.to_string(), n)).collect())
                .map_err(anhuan::db::DbError::from)
        })
        .unwrap();
    assert_eq!(stored.len(), es.len() + fs.len() + 2);
    for (id, text) in stored {
        assert_eq!(park.latest.get(&id), Some(&text), "{id}");
    }
}
