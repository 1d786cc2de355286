//! Integration suite: real HTTP against the real server and a real
//! database. Run on SQLite by default and on PostgreSQL with
//! `ANHUAN_TEST_DATABASE_URL=postgres://…` (see scripts/test.sh).

mod auth;
mod auth_first;
mod casefile;
mod checklists;
mod cli;
mod console;
mod documents;
mod enterprises;
mod env_audits;
mod errors;
mod findings;
mod flaky;
mod helpers;
mod housekeeping;
mod idempotency;
mod industries;
mod inspections;
mod major_hazard;
mod notice_pdf;
mod notifications;
mod ops;
mod orders;
mod photo_access;
mod photo_demo;
mod photo_exif;
mod photos;
mod revisions;
mod roles;
mod self_check;
mod spreadsheet_bombs;
mod sync;
mod tokens;
mod uploads;
mod users;
