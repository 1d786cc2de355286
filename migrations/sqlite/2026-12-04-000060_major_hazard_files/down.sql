DROP TABLE major_hazard_files;
