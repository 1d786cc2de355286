DROP TABLE photo_links;
DROP TABLE photos;
