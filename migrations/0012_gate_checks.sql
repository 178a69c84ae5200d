-- The validated auto-decision gate (outlane_gp::gate): the model's probability that the lead
-- qualifies, predicted just before it learned this label (from the LLM or a person). The pair
-- is a held-out check of the model's agreement; NULL when the model could not predict yet
-- (cold start) or for the model's own decisions.
ALTER TABLE labels ADD COLUMN predicted_p REAL;
