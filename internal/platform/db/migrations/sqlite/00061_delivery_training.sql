-- +goose Up
-- Training, deliveries of goods and works, and plan actions with their due
-- dates (internal/delivery/training.go, goods.go, progress.go;
-- docs/delivery.md). A course belongs to a programme line's training
-- component, an agency and a commune; its sessions are taken attendance of
-- per participant (a case); the course copies the component's completion
-- rule when it is created. Goods and works delivered to a family are lines
-- with a quantity and a unit cost in whole pesos. Plan actions are kept one
-- a row so that the alerts find the ones past due by an index.
-- Keep in step with ../postgres/00061_delivery_training.sql (TestSchemaParity).
CREATE TABLE delivery_courses (
    id             INTEGER PRIMARY KEY,
    line_code      TEXT NOT NULL,
    component      TEXT NOT NULL,
    agency_code    TEXT NOT NULL REFERENCES agencies (code),
    commune_code   TEXT NOT NULL,
    region_code    TEXT NOT NULL,
    title          TEXT NOT NULL,
    starts_on      TEXT NOT NULL,
    ends_on        TEXT NOT NULL,
    rule           TEXT NOT NULL,
    rule_min       INTEGER NOT NULL CHECK (rule_min >= 0),
    attendance_pct INTEGER NOT NULL CHECK (attendance_pct >= 0 AND attendance_pct <= 100),
    created_at     TEXT NOT NULL,
    created_by     TEXT NOT NULL
);
CREATE INDEX delivery_courses_agency_idx ON delivery_courses (agency_code, starts_on);
CREATE INDEX delivery_courses_region_idx ON delivery_courses (region_code, starts_on);

-- A course's sessions. version moves by compare-and-set each time the
-- attendance is saved, so two people saving the same session's attendance
-- at once do not overwrite each other unseen.
CREATE TABLE delivery_course_sessions (
    id        INTEGER PRIMARY KEY,
    course_id INTEGER NOT NULL REFERENCES delivery_courses (id),
    number    INTEGER NOT NULL CHECK (number > 0),
    on_date   TEXT NOT NULL,
    minutes   INTEGER NOT NULL CHECK (minutes > 0),
    topic     TEXT NOT NULL DEFAULT '',
    status    TEXT NOT NULL CHECK (status = 'scheduled' OR status = 'held'),
    version   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (course_id, number)
);

-- Who takes part in a course: cases of the course's line.
CREATE TABLE delivery_course_participants (
    course_id INTEGER NOT NULL REFERENCES delivery_courses (id),
    case_id   INTEGER NOT NULL REFERENCES delivery_cases (id),
    added_on  TEXT NOT NULL,
    added_by  TEXT NOT NULL,
    PRIMARY KEY (course_id, case_id)
);
CREATE INDEX delivery_course_participants_case_idx ON delivery_course_participants (case_id);

-- Attendance per participant per session (minutes attended: the session's
-- minutes when present, fewer for a partial attendance, 0 when absent).
CREATE TABLE delivery_attendance (
    session_id  INTEGER NOT NULL REFERENCES delivery_course_sessions (id),
    case_id     INTEGER NOT NULL REFERENCES delivery_cases (id),
    present     INTEGER NOT NULL CHECK (present = 0 OR present = 1),
    minutes     INTEGER NOT NULL CHECK (minutes >= 0),
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    PRIMARY KEY (session_id, case_id)
);
CREATE INDEX delivery_attendance_case_idx ON delivery_attendance (case_id);

-- Goods and works delivered to a family (housing solutions, beds, garden
-- technologies, the goods of a seed capital), in whole pesos.
CREATE TABLE delivery_goods (
    id            INTEGER PRIMARY KEY,
    case_id       INTEGER NOT NULL REFERENCES delivery_cases (id),
    component     TEXT NOT NULL,
    item          TEXT NOT NULL,
    quantity      INTEGER NOT NULL CHECK (quantity > 0),
    unit_cost_clp INTEGER NOT NULL CHECK (unit_cost_clp >= 0),
    received_on   TEXT NOT NULL,
    received_by   TEXT NOT NULL,
    notes         TEXT NOT NULL DEFAULT '',
    recorded_at   TEXT NOT NULL,
    recorded_by   TEXT NOT NULL
);
CREATE INDEX delivery_goods_case_idx ON delivery_goods (case_id);

-- The actions of each plan version, with their due dates; done_on is set
-- once, by compare-and-set.
CREATE TABLE delivery_plan_actions (
    plan_id  INTEGER NOT NULL REFERENCES delivery_plans (id),
    idx      INTEGER NOT NULL CHECK (idx >= 0),
    case_id  INTEGER NOT NULL REFERENCES delivery_cases (id),
    action   TEXT NOT NULL,
    due_on   TEXT NOT NULL,
    done_on  TEXT,
    done_by  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (plan_id, idx)
);
CREATE INDEX delivery_plan_actions_case_idx ON delivery_plan_actions (case_id, due_on);

-- +goose Down
DROP TABLE delivery_plan_actions;
DROP TABLE delivery_goods;
DROP TABLE delivery_attendance;
DROP TABLE delivery_course_participants;
DROP TABLE delivery_course_sessions;
DROP TABLE delivery_courses;
