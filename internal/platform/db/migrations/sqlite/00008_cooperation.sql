-- +goose Up
-- South-South and Triangular Cooperation: partner organisations, FOSIS
-- professionals and their availability, and the projects' path from a
-- partner's request to systematization (docs/cooperation.md).
-- Keep in step with ../postgres/00008_cooperation.sql (TestSchemaParity).
-- CHECKs are OR chains, not IN lists (see 00001). Dates are YYYY-MM-DD text,
-- months YYYY-MM text, instants fixed-width UTC text; money is whole units of
-- the project's currency.

-- An organisation may hold several roles at once (AGCI is strategic and
-- technical), so each role is a flag. country is '' for international bodies
-- (IDB, OAS), which are always a third party. reporting marks FOSIS itself:
-- its iati_ref starts every IATI identifier.
CREATE TABLE coop_orgs (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    country    TEXT NOT NULL DEFAULT '',
    iati_ref   TEXT NOT NULL DEFAULT '',
    org_type   INTEGER NOT NULL DEFAULT 10,
    strategic  INTEGER NOT NULL DEFAULT 0 CHECK ((strategic = 0 OR strategic = 1)),
    technical  INTEGER NOT NULL DEFAULT 0 CHECK ((technical = 0 OR technical = 1)),
    financial  INTEGER NOT NULL DEFAULT 0 CHECK ((financial = 0 OR financial = 1)),
    agency     INTEGER NOT NULL DEFAULT 0 CHECK ((agency = 0 OR agency = 1)),
    reporting  INTEGER NOT NULL DEFAULT 0 CHECK ((reporting = 0 OR reporting = 1)),
    created_at TEXT NOT NULL,
    CHECK ((strategic = 1 OR technical = 1 OR financial = 1 OR reporting = 1))
);

-- Which organisation a counterpart's or financer's user account speaks for
-- (the users table belongs to auth and is not changed).
CREATE TABLE coop_members (
    user_id INTEGER PRIMARY KEY REFERENCES users (id),
    org_id  INTEGER NOT NULL REFERENCES coop_orgs (id)
);

-- FOSIS professionals. level is the decision level mirrored teams pair on.
CREATE TABLE coop_staff (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    position   TEXT NOT NULL DEFAULT '',
    level      TEXT NOT NULL CHECK ((level = 'authority' OR level = 'director' OR level = 'coordinator' OR level = 'professional')),
    created_at TEXT NOT NULL
);

-- The national programs a professional designed or ran (the seed's rule: the
-- Chilean team is FOSIS professionals with program experience).
CREATE TABLE coop_staff_programs (
    staff_id INTEGER NOT NULL REFERENCES coop_staff (id),
    program  TEXT NOT NULL,
    role     TEXT NOT NULL CHECK ((role = 'designed' OR role = 'ran')),
    PRIMARY KEY (staff_id, program, role)
);

-- The share of a professional's time cooperation may use, per period of
-- whole months (inclusive). Periods of one person do not overlap (checked in
-- the slice).
CREATE TABLE coop_staff_availability (
    staff_id   INTEGER NOT NULL REFERENCES coop_staff (id),
    month_from TEXT NOT NULL,
    month_to   TEXT NOT NULL,
    share      INTEGER NOT NULL CHECK ((share >= 0 AND share <= 100)),
    PRIMARY KEY (staff_id, month_from)
);

-- A request and, once feasible, the project it becomes. step is where it is
-- on the path; the seed's four stages derive from it. approved_version is the
-- design version the directors approved (0 before).
CREATE TABLE coop_projects (
    id               INTEGER PRIMARY KEY,
    code             TEXT NOT NULL UNIQUE,
    title            TEXT NOT NULL,
    partner_country  TEXT NOT NULL,
    requesting_org   INTEGER NOT NULL REFERENCES coop_orgs (id),
    channel          TEXT NOT NULL CHECK ((channel = 'partner_agency' OR channel = 'agci' OR channel = 'direct' OR channel = 'financer')),
    triangular_asker INTEGER REFERENCES coop_orgs (id),
    problem          TEXT NOT NULL DEFAULT '',
    sector_dac       TEXT NOT NULL DEFAULT '16010',
    segib_sector     TEXT NOT NULL DEFAULT '',
    instrument       TEXT NOT NULL DEFAULT 'project' CHECK ((instrument = 'programme' OR instrument = 'project' OR instrument = 'action')),
    currency         TEXT NOT NULL DEFAULT 'USD',
    public           INTEGER NOT NULL DEFAULT 0 CHECK ((public = 0 OR public = 1)),
    step             TEXT NOT NULL CHECK ((step = 'requested' OR step = 'feasible' OR step = 'rejected' OR step = 'designing' OR step = 'reviewed' OR step = 'agreed' OR step = 'executing' OR step = 'systematizing' OR step = 'closed')),
    requested_on     TEXT NOT NULL,
    actual_start     TEXT,
    actual_end       TEXT,
    approved_version INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX coop_projects_step ON coop_projects (step);

-- The organisations taking part. The requesting institution is a party from
-- the request on (joint design). iati_role is OrganisationRole 1–4.
CREATE TABLE coop_parties (
    project_id INTEGER NOT NULL REFERENCES coop_projects (id),
    org_id     INTEGER NOT NULL REFERENCES coop_orgs (id),
    iati_role  INTEGER NOT NULL CHECK ((iati_role >= 1 AND iati_role <= 4)),
    PRIMARY KEY (project_id, org_id)
);
CREATE INDEX coop_parties_org ON coop_parties (org_id);

-- The feasibility evaluation: its criteria and the decision.
CREATE TABLE coop_feasibility (
    project_id INTEGER PRIMARY KEY REFERENCES coop_projects (id),
    decision   TEXT NOT NULL CHECK ((decision = 'approve' OR decision = 'reject')),
    decided_on TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT ''
);
CREATE TABLE coop_feasibility_criteria (
    project_id INTEGER NOT NULL REFERENCES coop_projects (id),
    criterion  TEXT NOT NULL,
    met        INTEGER NOT NULL CHECK ((met = 0 OR met = 1)),
    note       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (project_id, criterion)
);

-- Every version of the detailed study and draft project, kept as the
-- canonical JSON of cooperation.Design with its SHA-256: a version never
-- changes once saved.
CREATE TABLE coop_designs (
    project_id INTEGER NOT NULL REFERENCES coop_projects (id),
    version    INTEGER NOT NULL,
    spec       TEXT NOT NULL,
    digest     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    PRIMARY KEY (project_id, version)
);

-- Reviews by department directors with the financing sources.
CREATE TABLE coop_reviews (
    id             INTEGER PRIMARY KEY,
    project_id     INTEGER NOT NULL REFERENCES coop_projects (id),
    design_version INTEGER NOT NULL,
    decision       TEXT NOT NULL CHECK ((decision = 'approve' OR decision = 'revise')),
    decided_on     TEXT NOT NULL,
    directors      TEXT NOT NULL,
    financers      TEXT NOT NULL DEFAULT '',
    note           TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL
);
CREATE INDEX coop_reviews_project ON coop_reviews (project_id);

-- The agreement and, per party, its commitment and signature.
CREATE TABLE coop_agreements (
    project_id        INTEGER PRIMARY KEY REFERENCES coop_projects (id),
    kind              TEXT NOT NULL CHECK ((kind = 'bilateral' OR kind = 'trilateral' OR kind = 'two_bilaterals')),
    effective_on      TEXT NOT NULL,
    deadlines         TEXT NOT NULL DEFAULT '',
    resources         TEXT NOT NULL DEFAULT '',
    startup_financing INTEGER NOT NULL DEFAULT 0 CHECK ((startup_financing >= 0)),
    created_at        TEXT NOT NULL
);
CREATE TABLE coop_signatories (
    project_id INTEGER NOT NULL REFERENCES coop_projects (id),
    org_id     INTEGER NOT NULL REFERENCES coop_orgs (id),
    commitment TEXT NOT NULL,
    required   INTEGER NOT NULL DEFAULT 1 CHECK ((required = 0 OR required = 1)),
    signed_on  TEXT,
    signed_by  TEXT NOT NULL DEFAULT '',
    place      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (project_id, org_id)
);

-- Each move along the path, for the project's timeline.
CREATE TABLE coop_steps (
    id         INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES coop_projects (id),
    step       TEXT NOT NULL,
    on_date    TEXT NOT NULL,
    actor      TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    at         TEXT NOT NULL
);
CREATE INDEX coop_steps_project ON coop_steps (project_id);

-- The shared-costs ledger: one line per party, year, category and kind, with
-- what was budgeted and what was executed. In-kind lines carry how they were
-- valued.
CREATE TABLE coop_contributions (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER NOT NULL REFERENCES coop_projects (id),
    org_id      INTEGER NOT NULL REFERENCES coop_orgs (id),
    year        INTEGER NOT NULL,
    category    TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK ((kind = 'cash' OR kind = 'in_kind')),
    valuation   TEXT NOT NULL DEFAULT '',
    budgeted    INTEGER NOT NULL DEFAULT 0 CHECK ((budgeted >= 0)),
    executed    INTEGER NOT NULL DEFAULT 0 CHECK ((executed >= 0)),
    executed_on TEXT,
    UNIQUE (project_id, org_id, year, category, kind),
    CHECK ((kind = 'cash' OR valuation <> ''))
);

-- Exchange events (expert visits, study tours, workshops, remote
-- monitoring…), their participants from both sides and their reports.
CREATE TABLE coop_events (
    id         INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES coop_projects (id),
    kind       TEXT NOT NULL CHECK ((kind = 'expert_visit' OR kind = 'study_tour' OR kind = 'workshop' OR kind = 'seminar' OR kind = 'training' OR kind = 'monitoring')),
    mode       TEXT NOT NULL CHECK ((mode = 'on_site' OR mode = 'remote')),
    starts_on  TEXT NOT NULL,
    ends_on    TEXT NOT NULL,
    place      TEXT NOT NULL DEFAULT '',
    report     TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX coop_events_project ON coop_events (project_id);
CREATE TABLE coop_event_participants (
    event_id    INTEGER NOT NULL REFERENCES coop_events (id),
    seq         INTEGER NOT NULL,
    side        TEXT NOT NULL CHECK ((side = 'chile' OR side = 'partner' OR side = 'third')),
    name        TEXT NOT NULL,
    institution TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (event_id, seq)
);

-- Systematization and evaluation: lessons, the good-practice case and the
-- evaluation with its management response.
CREATE TABLE coop_systematizations (
    project_id          INTEGER PRIMARY KEY REFERENCES coop_projects (id),
    lessons             TEXT NOT NULL DEFAULT '',
    challenge           TEXT NOT NULL DEFAULT '',
    solution            TEXT NOT NULL DEFAULT '',
    results             TEXT NOT NULL DEFAULT '',
    sustainability      TEXT NOT NULL DEFAULT '',
    replicability       TEXT NOT NULL DEFAULT '',
    findings            TEXT NOT NULL DEFAULT '',
    management_response TEXT NOT NULL DEFAULT '',
    updated_at          TEXT NOT NULL
);

-- Documents of a project (the agreement, the project document, budgets,
-- evaluations…), by IATI DocumentCategory; published as document-link.
CREATE TABLE coop_documents (
    id         INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES coop_projects (id),
    title      TEXT NOT NULL,
    category   TEXT NOT NULL,
    url        TEXT NOT NULL,
    format     TEXT NOT NULL,
    language   TEXT NOT NULL CHECK ((language = 'es' OR language = 'en' OR language = 'pt' OR language = 'fr')),
    doc_date   TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX coop_documents_project ON coop_documents (project_id);

-- +goose Down
DROP TABLE coop_documents;
DROP TABLE coop_systematizations;
DROP TABLE coop_event_participants;
DROP TABLE coop_events;
DROP TABLE coop_contributions;
DROP TABLE coop_steps;
DROP TABLE coop_signatories;
DROP TABLE coop_agreements;
DROP TABLE coop_reviews;
DROP TABLE coop_designs;
DROP TABLE coop_feasibility_criteria;
DROP TABLE coop_feasibility;
DROP TABLE coop_parties;
DROP TABLE coop_projects;
DROP TABLE coop_staff_availability;
DROP TABLE coop_staff_programs;
DROP TABLE coop_staff;
DROP TABLE coop_members;
DROP TABLE coop_orgs;
