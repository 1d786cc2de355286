-- Usernames are unique regardless of case (`ADMIN` beside `admin` is
-- refused; login accepts any case). Fails if the database already holds
-- two usernames that differ only in case: rename one first.
CREATE UNIQUE INDEX users_username_lower ON users (lower(username));

-- Throttle rows are now keyed per client address, per account from an
-- address and per account (`addr:IP`, `account:NAME@IP`, `account:NAME`);
-- the old per-username rows mean nothing under that scheme.
DELETE FROM login_throttle;
