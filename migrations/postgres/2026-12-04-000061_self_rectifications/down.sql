DROP TABLE self_rectifications;
