-- The source columns each dataset was last extracted with, and the last change seen in them. A run compares the source's
-- columns (names and types) with these: a new, removed or retyped column is logged once and shown on the status page; a
-- missing or retyped watermark or key column stops the dataset (schema_note says which) until an operator resets it.
ALTER TABLE watermarks ADD COLUMN source_columns TEXT NULL;      -- JSON array of {"name","type"}, as the source's reader reports them
ALTER TABLE watermarks ADD COLUMN schema_note TEXT NULL;  -- the last drift seen, or why the dataset is stopped ('stopped: …')
