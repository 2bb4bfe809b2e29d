-- Applications, cases, their tasks and journal, journal checkpoints, and the working calendar.
-- The tables of small rows keyed by text are WITHOUT ROWID: each row is stored once, in its
-- key's b-tree, so a submission writes one b-tree per table fewer. Cases keep their rowid:
-- their rows are large and change often.
CREATE TABLE calendar_year (
    year INTEGER PRIMARY KEY,
    notice TEXT NOT NULL,
    document TEXT NOT NULL,
    imported_at TEXT NOT NULL
);
CREATE TABLE application (
    id TEXT PRIMARY KEY,
    submitted_by TEXT NOT NULL,
    applicant_id TEXT REFERENCES account (id),
    organization TEXT,
    representation_id TEXT REFERENCES representation (id),
    channel TEXT NOT NULL,
    place TEXT,
    idempotency_key TEXT,
    document TEXT NOT NULL,
    visits INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    UNIQUE (submitted_by, idempotency_key)
) WITHOUT ROWID;
CREATE INDEX application_applicant ON application (applicant_id);
CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    application_id TEXT NOT NULL REFERENCES application (id),
    implementation_code TEXT NOT NULL,
    implementation_version INTEGER NOT NULL,
    base_code TEXT NOT NULL,
    department TEXT NOT NULL,
    division TEXT NOT NULL,
    channel TEXT NOT NULL,
    state TEXT NOT NULL,
    received_on TEXT NOT NULL,
    due_on TEXT,
    deficiency_due TEXT,
    commitment_pending INTEGER NOT NULL DEFAULT 0,
    limits_unknown INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL,
    journal_seq INTEGER NOT NULL,
    journal_head TEXT NOT NULL,
    form TEXT NOT NULL,
    document TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX cases_department_state ON cases (department, state);
CREATE INDEX cases_state ON cases (state, received_on);
CREATE INDEX cases_application ON cases (application_id);
CREATE INDEX cases_updated ON cases (updated_at);
CREATE INDEX cases_deficiency ON cases (deficiency_due) WHERE deficiency_due IS NOT NULL;
CREATE INDEX cases_commitment ON cases (division) WHERE commitment_pending;
CREATE INDEX cases_limits_unknown ON cases (updated_at) WHERE limits_unknown;
CREATE TABLE task (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    step TEXT NOT NULL,
    role TEXT NOT NULL,
    department TEXT NOT NULL,
    division TEXT NOT NULL,
    base_code TEXT NOT NULL,
    state TEXT NOT NULL,
    claimed_by TEXT,
    due_on TEXT,
    escalated INTEGER NOT NULL DEFAULT 0,
    opened_on TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX task_inbox ON task (department, role, state);
CREATE INDEX task_holder ON task (claimed_by, state);
CREATE INDEX task_case ON task (case_id);
CREATE TABLE case_journal (
    case_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL,
    task TEXT,
    note TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
) WITHOUT ROWID;
CREATE TRIGGER case_journal_no_update BEFORE UPDATE ON case_journal
    BEGIN SELECT RAISE(ABORT, 'case_journal is append-only'); END;
CREATE TRIGGER case_journal_no_delete BEFORE DELETE ON case_journal
    BEGIN SELECT RAISE(ABORT, 'case_journal is append-only'); END;
CREATE TABLE journal_checkpoint (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    since TEXT,
    cases INTEGER NOT NULL,
    digest TEXT NOT NULL,
    key_id TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE TABLE checkpoint_head (
    checkpoint_id INTEGER NOT NULL REFERENCES journal_checkpoint (id),
    case_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (checkpoint_id, case_id)
) WITHOUT ROWID;
CREATE INDEX checkpoint_head_case ON checkpoint_head (case_id, seq);
