-- Data rights: the do-not-contact list and erasure.

-- 1. The do-not-contact list (crm::dnc): people, companies and headline keywords that no campaign
-- (or, with campaign_id, one campaign) may discover, invite, message or withdraw from. The host
-- checks it in `discover`, `begin-action` and when a profile is saved; a lane cannot act around
-- it. `value` is normalised by kind: a person's lower-cased vanity id or member id (ACoAA...),
-- a company's lower-cased name or `urn:li:fsd_company:<n>`, a keyword lower-cased.
CREATE TABLE do_not_contact (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('person', 'company', 'keyword')),
    value       TEXT NOT NULL CHECK (length(value) > 0),
    -- NULL: every campaign.
    campaign_id INTEGER REFERENCES campaigns(id),
    reason      TEXT NOT NULL DEFAULT '',
    -- Who added it: `cli`, `import`, `reply` (the person asked to stop)...
    source      TEXT NOT NULL,
    added_ms    INTEGER NOT NULL
);
-- One entry per kind, value and scope (NULL scopes are equal here, unlike in UNIQUE).
CREATE UNIQUE INDEX do_not_contact_once ON do_not_contact (kind, value, coalesce(campaign_id, 0));

-- 2. Erasure (crm::erasure, `outlane leads forget`): a forgotten person's rows are deleted;
--    what stays is a salted SHA-256 of each id they had, so that they are never stored again,
--    and the erasure journal (when, how many rows), not who. The salt is per database.
CREATE TABLE erasure_salt (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    salt BLOB NOT NULL
);
CREATE TABLE erased_people (
    hash      TEXT PRIMARY KEY,
    erased_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE erasures (
    id           INTEGER PRIMARY KEY,
    erased_ms    INTEGER NOT NULL,
    rows_removed INTEGER NOT NULL
);
