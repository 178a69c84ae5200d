-- What a campaign's own import file said of a person (name, headline) belongs to that
-- campaign: another campaign's lanes never see it. Names and headlines on `leads` are from
-- the person's fetched profile, or from an import made before any campaign existed.
ALTER TABLE deals ADD COLUMN known_name TEXT;
ALTER TABLE deals ADD COLUMN known_headline TEXT;
UPDATE deals SET
    known_name = (SELECT full_name FROM leads l WHERE l.id = deals.lead_id AND l.profile_json IS NULL),
    known_headline = (SELECT headline FROM leads l WHERE l.id = deals.lead_id AND l.profile_json IS NULL);
UPDATE leads SET full_name = NULL, headline = NULL
    WHERE profile_json IS NULL AND EXISTS (SELECT 1 FROM deals d WHERE d.lead_id = leads.id);
