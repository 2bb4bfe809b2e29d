-- Applying online: drafts an applicant fills in over several visits, and the files uploaded
-- for their materials (stored by content hash outside the database; a row here says whose
-- and for what). A file belongs to a draft until the draft is submitted, then to the case.
CREATE TABLE draft (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES account (id),
    applicant_id TEXT NOT NULL REFERENCES account (id),
    representation_id TEXT REFERENCES representation (id),
    implementation_code TEXT NOT NULL,
    form TEXT NOT NULL,
    document TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX draft_account ON draft (account_id, updated_at);
CREATE TABLE attachment (
    id TEXT PRIMARY KEY,
    draft_id TEXT REFERENCES draft (id),
    case_id TEXT REFERENCES cases (id),
    uploaded_by TEXT NOT NULL,
    material_id TEXT NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK ((draft_id IS NULL) <> (case_id IS NULL))
) WITHOUT ROWID;
CREATE INDEX attachment_draft ON attachment (draft_id) WHERE draft_id IS NOT NULL;
CREATE INDEX attachment_case ON attachment (case_id) WHERE case_id IS NOT NULL;
CREATE INDEX attachment_hash ON attachment (hash);
-- The visits a case may take (its guide's promise, and at least the one to apply at a
-- window), to flag an application that needed more.
ALTER TABLE cases ADD COLUMN visits_allowed INTEGER;
-- When an applicant last read their cases: changes since are news in their space.
CREATE TABLE cases_seen (
    account_id TEXT PRIMARY KEY REFERENCES account (id),
    seen_at TEXT NOT NULL
);
