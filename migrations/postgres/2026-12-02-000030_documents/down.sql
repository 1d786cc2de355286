DROP TABLE order_documents;
DROP TABLE document_links;
DROP TABLE documents;
