-- Applications, cases, their tasks and journal, journal checkpoints, and the working calendar.
CREATE TABLE calendar_year (
    year INTEGER PRIMARY KEY,
    notice TEXT NOT NULL,
    document JSONB NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE application (
    id UUID PRIMARY KEY,
    submitted_by TEXT NOT NULL,
    applicant_id UUID REFERENCES account (id),
    organization TEXT,
    representation_id UUID REFERENCES representation (id),
    channel TEXT NOT NULL,
    place TEXT,
    idempotency_key TEXT,
    document JSONB NOT NULL,
    visits INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (submitted_by, idempotency_key)
);
CREATE INDEX application_applicant ON application (applicant_id);
CREATE TABLE cases (
    id UUID PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    application_id UUID NOT NULL REFERENCES application (id),
    implementation_code TEXT NOT NULL,
    implementation_version BIGINT NOT NULL,
    base_code TEXT NOT NULL,
    department TEXT NOT NULL,
    division TEXT NOT NULL,
    channel TEXT NOT NULL,
    state TEXT NOT NULL,
    received_on DATE NOT NULL,
    due_on DATE,
    deficiency_due DATE,
    commitment_pending BOOLEAN NOT NULL DEFAULT FALSE,
    limits_unknown BOOLEAN NOT NULL DEFAULT FALSE,
    version BIGINT NOT NULL,
    journal_seq BIGINT NOT NULL,
    journal_head TEXT NOT NULL,
    form TEXT NOT NULL,
    document JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX cases_department_state ON cases (department, state);
CREATE INDEX cases_state ON cases (state, received_on);
CREATE INDEX cases_application ON cases (application_id);
CREATE INDEX cases_updated ON cases (updated_at);
CREATE INDEX cases_deficiency ON cases (deficiency_due) WHERE deficiency_due IS NOT NULL;
CREATE INDEX cases_commitment ON cases (division) WHERE commitment_pending;
CREATE INDEX cases_limits_unknown ON cases (updated_at) WHERE limits_unknown;
CREATE TABLE task (
    id UUID PRIMARY KEY,
    case_id UUID NOT NULL REFERENCES cases (id),
    step TEXT NOT NULL,
    role TEXT NOT NULL,
    department TEXT NOT NULL,
    division TEXT NOT NULL,
    base_code TEXT NOT NULL,
    state TEXT NOT NULL,
    claimed_by TEXT,
    due_on DATE,
    escalated BOOLEAN NOT NULL DEFAULT FALSE,
    opened_on DATE NOT NULL
);
CREATE INDEX task_inbox ON task (department, role, state);
CREATE INDEX task_holder ON task (claimed_by, state);
CREATE INDEX task_case ON task (case_id);
CREATE TABLE case_journal (
    case_id UUID NOT NULL,
    seq BIGINT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL,
    task TEXT,
    note TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
);
CREATE FUNCTION case_journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case_journal is append-only';
END;
$$;
CREATE TRIGGER case_journal_no_change BEFORE UPDATE OR DELETE ON case_journal
    FOR EACH ROW EXECUTE FUNCTION case_journal_append_only();
CREATE TABLE journal_checkpoint (
    id BIGINT PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    since TIMESTAMPTZ,
    cases BIGINT NOT NULL,
    digest TEXT NOT NULL,
    key_id TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE TABLE checkpoint_head (
    checkpoint_id BIGINT NOT NULL REFERENCES journal_checkpoint (id),
    case_id UUID NOT NULL,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (checkpoint_id, case_id)
);
CREATE INDEX checkpoint_head_case ON checkpoint_head (case_id, seq);
