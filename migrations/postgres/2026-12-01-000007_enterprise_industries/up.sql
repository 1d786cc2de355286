-- An enterprise has one or more industries (a JSON array of industry
-- codes, primary first); `industry` stays as the primary one.
ALTER TABLE enterprises ADD COLUMN industries TEXT NOT NULL DEFAULT '[]';
UPDATE enterprises SET industries = '["' || industry || '"]';
