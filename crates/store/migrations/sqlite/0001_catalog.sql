CREATE TABLE division (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_code TEXT,
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    document TEXT NOT NULL
);
CREATE TABLE department (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    division_code TEXT NOT NULL,
    document TEXT NOT NULL
);
CREATE TABLE service_place (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    division_code TEXT NOT NULL,
    document TEXT NOT NULL
);
CREATE TABLE life_event (
    key TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    document TEXT NOT NULL
);
CREATE TABLE catalog_version (
    id TEXT PRIMARY KEY,
    entity TEXT NOT NULL CHECK (entity IN ('base', 'implementation')),
    code TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version > 0),
    base_code TEXT,
    base_version INTEGER,
    name TEXT NOT NULL,
    division_code TEXT,
    department_code TEXT,
    effective_from TEXT NOT NULL,
    published_at TEXT NOT NULL,
    summary TEXT,
    document TEXT NOT NULL,
    resolved TEXT,
    UNIQUE (entity, code, version)
);
CREATE INDEX catalog_version_current ON catalog_version (entity, code, effective_from, version);
CREATE INDEX catalog_version_base ON catalog_version (base_code);
CREATE TABLE catalog_draft (
    entity TEXT NOT NULL,
    code TEXT NOT NULL,
    base_code TEXT,
    document TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (entity, code)
);
CREATE TABLE catalog_meta (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO catalog_meta (key, value) VALUES ('revision', 0);
