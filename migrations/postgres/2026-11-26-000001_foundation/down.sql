DROP TABLE login_throttle;
DROP TABLE sessions;
DROP TABLE user_enterprises;
DROP TABLE users;
DROP TABLE enterprises;
