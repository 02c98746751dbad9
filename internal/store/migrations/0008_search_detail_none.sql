-- The search index without word positions (detail=none): a third of the
-- size, and quicker to write. It finds the paragraphs holding every word of
-- a phrase; Search checks the phrase itself on their text. The index is
-- built again from the versions once this migration has run (see
-- reindexAt in store.go).
DROP TABLE paragraphs_fts;
CREATE VIRTUAL TABLE paragraphs_fts USING fts5(
    text, content='', columnsize=0, detail=none, tokenize='unicode61 remove_diacritics 2');
