DROP INDEX users_username_lower;
DELETE FROM login_throttle;
