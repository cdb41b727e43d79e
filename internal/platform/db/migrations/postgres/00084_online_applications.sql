-- +goose Up
-- Online applications from the citizen portal (issue 19): the channel
-- 'online', and the consent to the data processing (Ley 21.719) with the
-- contact details the person gave. Keep in step with
-- ../sqlite/00084_online_applications.sql.
ALTER TABLE applications DROP CONSTRAINT applications_channel_check;
ALTER TABLE applications ADD CONSTRAINT applications_channel_check CHECK (channel IN ('staff', 'agency', 'api', 'csv', 'online'));
CREATE TABLE application_consents (
    application     BIGINT PRIMARY KEY REFERENCES applications (id),
    consent_version TEXT NOT NULL,
    consented_at    TIMESTAMPTZ NOT NULL,
    phone           TEXT NOT NULL DEFAULT '',
    email           TEXT NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE application_consents;
ALTER TABLE applications DROP CONSTRAINT applications_channel_check;
ALTER TABLE applications ADD CONSTRAINT applications_channel_check CHECK (channel IN ('staff', 'agency', 'api', 'csv'));
